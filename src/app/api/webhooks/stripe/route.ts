import { ApiError } from "@/server/api/errors";
import { handle } from "@/server/api/handler";
import { handleStripeWebhook } from "@/server/billing/webhook";

/** Stripe's events are a few KB; anything near this is not from Stripe. */
const MAX_EVENT_BYTES = 1_000_000;

/** Stripe's events (docs/billing.md). No session or key: the signature over the raw body is the check. */
export const POST = handle(async (request) => {
  if (Number(request.headers.get("content-length")) > MAX_EVENT_BYTES) throw new ApiError("payload_too_large", `Body is larger than ${MAX_EVENT_BYTES} bytes`);
  const body = await request.text();
  if (body.length > MAX_EVENT_BYTES) throw new ApiError("payload_too_large", `Body is larger than ${MAX_EVENT_BYTES} bytes`);
  const outcome = await handleStripeWebhook(body, request.headers.get("stripe-signature"));
  return Response.json({ received: true, duplicate: outcome.duplicate });
});
