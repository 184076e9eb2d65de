import { withPrincipal } from "@/server/api/handler";
import { verifyDomain } from "@/server/domains/service";

/** Checks the domain's DNS now; answers it as it is afterwards (verified, or pending with the reason). */
export const POST = withPrincipal("domains:write", async (_request, { principal, params }) => Response.json(await verifyDomain(principal, params.id!)));
