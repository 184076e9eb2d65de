import { updateTagSchema } from "@/core/link";
import { parseJsonBody } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { deleteTag, getTag, updateTag } from "@/server/links/tags";

export const GET = withPrincipal("tags:read", async (_request, { principal, params }) => Response.json(await getTag(principal, params.id!)));

export const PATCH = withPrincipal("tags:write", async (request, { principal, params }) =>
  Response.json(await updateTag(principal, params.id!, await parseJsonBody(request, updateTagSchema))),
);

export const DELETE = withPrincipal("tags:write", async (_request, { principal, params }) => {
  await deleteTag(principal, params.id!);
  return new Response(null, { status: 204 });
});
