import { createLinkSchema, listLinksQuerySchema } from "@/core/link";
import { parseJsonBody, parseQuery } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { listLinks } from "@/server/links/list";
import { createLink } from "@/server/links/service";

export const GET = withPrincipal("links:read", async (request, { principal }) =>
  Response.json(await listLinks(principal, parseQuery(request, listLinksQuerySchema))),
);

export const POST = withPrincipal("links:write", async (request, { principal }) =>
  Response.json(await createLink(principal, await parseJsonBody(request, createLinkSchema)), { status: 201 }),
);
