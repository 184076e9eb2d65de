import { withPrincipal } from "@/server/api/handler";
import { getLink } from "@/server/links/service";

export const GET = withPrincipal("links:read", async (_request, { principal, params }) => {
  return Response.json(await getLink(principal, params.id!));
});
