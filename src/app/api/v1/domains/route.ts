import { createDomainSchema } from "@/core/domains";
import { parseJsonBody } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { addDomain, listDomains } from "@/server/domains/service";

export const GET = withPrincipal("domains:read", async (_request, { principal }) => Response.json({ data: await listDomains(principal) }));

/** Adds a pending domain; the answer carries the TXT record that verifies it. */
export const POST = withPrincipal("domains:write", async (request, { principal }) =>
  Response.json(await addDomain(principal, await parseJsonBody(request, createDomainSchema)), { status: 201 }),
);
