import { withPrincipal } from "@/server/api/handler";
import { openPortal } from "@/server/billing/checkout";

export const POST = withPrincipal("workspace:write", async (_request, { principal }) => Response.json(await openPortal(principal), { status: 201 }));
