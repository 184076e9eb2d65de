import { z } from "zod";
import { ApiError, parseQuery } from "@/server/api/errors";
import { handle } from "@/server/api/handler";
import { isServedDomain } from "@/server/domains/service";

const query = z.strictObject({ domain: z.string({ error: "is required" }).min(1, "is required").max(300, "must be at most 300 characters") });

/**
 * No authentication: the "ask" URL of a TLS terminator with on-demand certificates (Caddy). 200 for
 * a short domain or a verified custom domain, 404 otherwise (docs/domains.md).
 */
export const GET = handle(async (request) => {
  const { domain } = parseQuery(request, query);
  if (!(await isServedDomain(domain))) throw new ApiError("not_found", `'${domain}' is not a short domain of this instance`, "domain");
  return Response.json({ domain, served: true }, { headers: { "cache-control": "no-store" } });
});
