import { handle } from "@/server/api/handler";
import { handleStripeWebhook } from "@/server/billing/webhook";

/** Stripe's events (docs/billing.md). No session or key: the signature over the raw body is the check. */
export const POST = handle(async (request) => {
  const outcome = await handleStripeWebhook(await request.text(), request.headers.get("stripe-signature"));
  return Response.json({ received: true, duplicate: outcome.duplicate });
});
