import { withPrincipal } from "@/server/api/handler";
import { getImport } from "@/server/imports/service";

/** An import's status and progress. */
export const GET = withPrincipal("links:read", async (_request, { principal, params }) => Response.json(await getImport(principal, params.id!)));
