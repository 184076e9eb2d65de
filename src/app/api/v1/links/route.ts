import { createLinkSchema } from "@/core/link";
import { parseJsonBody } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { createLink } from "@/server/links/service";

export const POST = withPrincipal("links:write", async (request, { principal }) => {
  const input = await parseJsonBody(request, createLinkSchema);
  return Response.json(await createLink(principal, input), { status: 201 });
});
