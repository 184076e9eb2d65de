import { z } from "zod";
import { PAID_PLANS } from "@/core/plans";
import { parseJsonBody } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { startCheckout } from "@/server/billing/checkout";

const checkoutSchema = z.strictObject({ plan: z.enum(PAID_PLANS, { error: "must be pro or business" }) });

export const POST = withPrincipal("workspace:write", async (request, { principal }) => {
  const { plan } = await parseJsonBody(request, checkoutSchema);
  return Response.json(await startCheckout(principal, plan), { status: 201 });
});
