import { withPrincipal } from "@/server/api/handler";
import { replayDelivery } from "@/server/webhooks/service";

export const POST = withPrincipal("webhooks:write", async (_request, { principal, params }) =>
  Response.json(await replayDelivery(principal, params.id!, params.deliveryId!), { status: 202 }),
);
