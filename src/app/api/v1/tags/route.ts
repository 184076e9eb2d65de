import { createTagSchema } from "@/core/link";
import { parseJsonBody } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { createTag, listTags } from "@/server/links/tags";

export const GET = withPrincipal("tags:read", async (_request, { principal }) => Response.json({ data: await listTags(principal) }));

export const POST = withPrincipal("tags:write", async (request, { principal }) =>
  Response.json(await createTag(principal, await parseJsonBody(request, createTagSchema)), { status: 201 }),
);
