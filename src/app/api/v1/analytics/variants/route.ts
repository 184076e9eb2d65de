import { variantsQuerySchema } from "@/core/analytics";
import { parseQuery } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { analyticsContext } from "@/server/analytics/context";
import { analyticsVariants } from "@/server/analytics/queries";

export const GET = withPrincipal("analytics:read", async (request, { principal }) =>
  Response.json(await analyticsVariants(await analyticsContext(principal), parseQuery(request, variantsQuerySchema))),
);
