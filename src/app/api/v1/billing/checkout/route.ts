import { checkoutSchema } from "@/core/plans";
import { parseJsonBody } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { startCheckout } from "@/server/billing/checkout";

export const POST = withPrincipal("workspace:write", async (request, { principal }) => {
  const { plan } = await parseJsonBody(request, checkoutSchema);
  return Response.json(await startCheckout(principal, plan), { status: 201 });
});
