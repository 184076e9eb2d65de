import { updateLinkSchema } from "@/core/link";
import { parseJsonBody } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { deleteLink, getLink, updateLink } from "@/server/links/service";

export const GET = withPrincipal("links:read", async (_request, { principal, params }) => Response.json(await getLink(principal, params.id!)));

export const PATCH = withPrincipal("links:write", async (request, { principal, params }) =>
  Response.json(await updateLink(principal, params.id!, await parseJsonBody(request, updateLinkSchema))),
);

export const DELETE = withPrincipal("links:write", async (_request, { principal, params }) => {
  await deleteLink(principal, params.id!);
  return new Response(null, { status: 204 });
});
