import "server-only";
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import type { Plan } from "@/core/plans";
import type { BillingConfig } from "@/config/env";
import type { Db } from "@/server/db/client";
import { organization, workspaceBilling } from "@/server/db/schema";
import { logger } from "@/server/observability/logger";
import { idOf } from "./stripe";

/** Subscription states that keep the paid plan (past_due: Stripe is still retrying the payment). */
const PAID_STATUSES = new Set<Stripe.Subscription.Status>(["active", "trialing", "past_due"]);

export function isLiveStatus(status: string | null | undefined): boolean {
  return !!status && PAID_STATUSES.has(status as Stripe.Subscription.Status);
}

/** The plan a subscription grants: its price's plan while it is live, free otherwise. */
export function planFor(subscription: Stripe.Subscription, billing: BillingConfig): Plan {
  if (!isLiveStatus(subscription.status)) return "free";
  const prices = subscription.items.data.map((item) => item.price.id);
  if (prices.includes(billing.prices.business)) return "business";
  if (prices.includes(billing.prices.pro)) return "pro";
  logger().warn({ subscription: subscription.id, prices }, "stripe subscription has no price of a Signpost plan; treated as free");
  return "free";
}

/** The workspace a subscription belongs to: its metadata, else the workspace holding its customer. */
async function workspaceOf(tx: Db, subscription: Stripe.Subscription, hint: string | null): Promise<string | null> {
  const customerId = idOf(subscription.customer);
  if (customerId) {
    const [row] = await tx.select({ id: workspaceBilling.workspaceId }).from(workspaceBilling).where(eq(workspaceBilling.stripeCustomerId, customerId)).limit(1);
    if (row) return row.id;
  }
  const candidate = subscription.metadata?.workspaceId ?? hint;
  if (!candidate) return null;
  const [exists] = await tx.select({ id: organization.id }).from(organization).where(eq(organization.id, candidate)).limit(1);
  return exists?.id ?? null;
}

/**
 * Stores a subscription's state, read from Stripe at `readAt`, on its workspace. A state read
 * earlier than the one stored is ignored (events handled out of order), and so is a dead
 * subscription's state while the workspace has another, live one (an old subscription's late event).
 * Returns the workspace changed, or null.
 */
export async function applySubscription(tx: Db, subscription: Stripe.Subscription, readAt: Date, billing: BillingConfig, hint: string | null = null): Promise<string | null> {
  const workspaceId = await workspaceOf(tx, subscription, hint);
  if (!workspaceId) {
    logger().warn({ subscription: subscription.id }, "stripe subscription for no known workspace; ignored");
    return null;
  }
  await tx.insert(workspaceBilling).values({ workspaceId }).onConflictDoNothing();
  const [current] = await tx.select().from(workspaceBilling).where(eq(workspaceBilling.workspaceId, workspaceId)).for("update");
  if (current!.syncedAt && current!.syncedAt > readAt) return null;
  const live = isLiveStatus(subscription.status);
  if (!live && current!.stripeSubscriptionId && current!.stripeSubscriptionId !== subscription.id && isLiveStatus(current!.subscriptionStatus)) return null;
  const item = subscription.items.data[0];
  await tx
    .update(workspaceBilling)
    .set({
      plan: planFor(subscription, billing),
      stripeCustomerId: current!.stripeCustomerId ?? idOf(subscription.customer),
      stripeSubscriptionId: subscription.id,
      subscriptionStatus: subscription.status,
      currentPeriodEnd: item?.current_period_end ? new Date(item.current_period_end * 1000) : null,
      cancelAtPeriodEnd: subscription.cancel_at_period_end,
      syncedAt: readAt,
      updatedAt: new Date(),
    })
    .where(eq(workspaceBilling.workspaceId, workspaceId));
  return workspaceId;
}
