import "server-only";
import type Stripe from "stripe";
import { eq } from "drizzle-orm";
import { ApiError } from "@/server/api/errors";
import { getDb } from "@/server/db/client";
import { stripeEvent } from "@/server/db/schema";
import { logger } from "@/server/observability/logger";
import { applySubscription } from "./subscription";
import { idOf, requireBilling, stripeClient } from "./stripe";

/** The events Signpost acts on; subscribe the Stripe webhook endpoint to these (docs/billing.md). */
export const STRIPE_EVENTS = [
  "checkout.session.completed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "invoice.payment_failed",
] as const;

export interface WebhookOutcome {
  eventId: string;
  type: string;
  /** The event id was seen before: nothing was done again. */
  duplicate: boolean;
  /** The workspace whose billing changed, if any. */
  workspaceId: string | null;
}

/** The subscription an event is about, and a workspace id the event names (Checkout's reference). */
function subjectOf(event: Stripe.Event): { subscriptionId: string | null; fallback: Stripe.Subscription | null; workspaceHint: string | null } {
  switch (event.type) {
    case "checkout.session.completed": {
      const session = event.data.object;
      return { subscriptionId: idOf(session.subscription), fallback: null, workspaceHint: session.client_reference_id ?? session.metadata?.workspaceId ?? null };
    }
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted":
      return { subscriptionId: event.data.object.id, fallback: event.data.object, workspaceHint: null };
    case "invoice.payment_failed":
      return { subscriptionId: idOf(event.data.object.parent?.subscription_details?.subscription), fallback: null, workspaceHint: null };
    default:
      return { subscriptionId: null, fallback: null, workspaceHint: null };
  }
}

/**
 * The subscription as Stripe has it now. Events can arrive late, twice or out of order, so their
 * payloads are not trusted for state: the current object is read from the API. A subscription
 * Stripe no longer knows falls back to the event's own copy.
 */
async function currentSubscription(id: string, fallback: Stripe.Subscription | null): Promise<Stripe.Subscription | null> {
  try {
    return await stripeClient().subscriptions.retrieve(id);
  } catch (error) {
    if ((error as { code?: string }).code === "resource_missing") return fallback;
    throw error;
  }
}

/**
 * Handles one delivery to POST /api/webhooks/stripe: verifies the signature over the raw body,
 * skips an event id already applied, re-reads the subscription from Stripe and stores it together
 * with the event id in one transaction. A failure (Stripe unreachable) stores nothing, so Stripe's
 * retry applies it later.
 */
export async function handleStripeWebhook(rawBody: string, signature: string | null): Promise<WebhookOutcome> {
  const billing = requireBilling();
  if (!signature) throw new ApiError("invalid_signature", "The Stripe-Signature header is missing", "stripe-signature");
  let event: Stripe.Event;
  try {
    event = await stripeClient().webhooks.constructEventAsync(rawBody, signature, billing.webhookSecret);
  } catch (error) {
    throw new ApiError("invalid_signature", `The Stripe signature does not verify: ${(error as Error).message}`, "stripe-signature");
  }
  const db = await getDb();
  const seen = async () => (await db.select({ id: stripeEvent.id }).from(stripeEvent).where(eq(stripeEvent.id, event.id)).limit(1)).length > 0;
  if (await seen()) return { eventId: event.id, type: event.type, duplicate: true, workspaceId: null };

  const subject = subjectOf(event);
  const readAt = new Date();
  const subscription = subject.subscriptionId ? await currentSubscription(subject.subscriptionId, subject.fallback) : null;
  const result = await db.transaction(async (tx) => {
    const [fresh] = await tx.insert(stripeEvent).values({ id: event.id, type: event.type }).onConflictDoNothing().returning({ id: stripeEvent.id });
    if (!fresh) return { duplicate: true, workspaceId: null };
    const workspaceId = subscription ? await applySubscription(tx, subscription, readAt, billing, subject.workspaceHint) : null;
    return { duplicate: false, workspaceId };
  });
  logger().info({ stripeEvent: event.id, type: event.type, ...result }, "stripe webhook handled");
  return { eventId: event.id, type: event.type, ...result };
}
