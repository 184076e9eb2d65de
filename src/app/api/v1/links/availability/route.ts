import { availabilityQuerySchema } from "@/core/link";
import { parseQuery } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { checkAvailability } from "@/server/links/service";

/** Is this slug free on this domain? For forms that check as you type. */
export const GET = withPrincipal("links:read", async (request, { principal }) => {
  const query = parseQuery(request, availabilityQuerySchema);
  return Response.json(await checkAvailability(principal, query.key, query.domain));
});
