import { analyticsQuerySchema } from "@/core/analytics";
import { parseQuery } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { analyticsContext } from "@/server/analytics/context";
import { analyticsTimeseries } from "@/server/analytics/queries";

export const GET = withPrincipal("analytics:read", async (request, { principal }) =>
  Response.json(await analyticsTimeseries(await analyticsContext(principal), parseQuery(request, analyticsQuerySchema))),
);
