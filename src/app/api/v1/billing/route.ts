import { withPrincipal } from "@/server/api/handler";
import { billingOverview } from "@/server/billing/overview";

export const GET = withPrincipal("workspace:read", async (_request, { principal }) => Response.json(await billingOverview(principal.workspaceId)));
