import { deliveriesQuerySchema } from "@/core/webhooks";
import { parseQuery } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { listDeliveries } from "@/server/webhooks/service";

/** The delivery log: newest first, each delivery with its attempts. */
export const GET = withPrincipal("webhooks:read", async (request, { principal, params }) =>
  Response.json({ data: await listDeliveries(principal, params.id!, parseQuery(request, deliveriesQuerySchema)) }),
);
