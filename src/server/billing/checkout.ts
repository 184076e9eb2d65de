import "server-only";
import { eq, sql } from "drizzle-orm";
import { PLAN_NAMES, type PaidPlan } from "@/core/plans";
import { serverConfig } from "@/config/env";
import { ApiError } from "@/server/api/errors";
import type { Principal } from "@/server/auth/principal";
import { getDb } from "@/server/db/client";
import { organization, user, workspaceBilling } from "@/server/db/schema";
import { isLiveStatus } from "./subscription";
import { requireBilling, stripeClient } from "./stripe";

/** Billing is the owners' business, and needs a person (Stripe's pages are for a browser). */
export function requireOwner(principal: Principal): { userId: string; workspaceId: string } {
  if (principal.kind !== "session" || principal.role !== "owner" || !principal.userId) {
    throw new ApiError("forbidden", "Only a workspace owner, signed in, can manage billing");
  }
  return { userId: principal.userId, workspaceId: principal.workspaceId };
}

const billingPage = () => `${serverConfig().appUrl}/settings/billing`;

/**
 * The workspace's Stripe customer, created on first use. The creation carries an idempotency key
 * per workspace, so two concurrent first checkouts get the same customer from Stripe; the id is
 * stored only if none is yet.
 */
async function customerFor(workspaceId: string, userId: string): Promise<string> {
  const db = await getDb();
  const [existing] = await db.select({ id: workspaceBilling.stripeCustomerId }).from(workspaceBilling).where(eq(workspaceBilling.workspaceId, workspaceId)).limit(1);
  if (existing?.id) return existing.id;
  const [owner] = await db.select({ email: user.email, name: user.name }).from(user).where(eq(user.id, userId)).limit(1);
  const [workspace] = await db.select({ name: organization.name }).from(organization).where(eq(organization.id, workspaceId)).limit(1);
  const customer = await stripeClient().customers.create(
    { email: owner?.email, name: workspace?.name, metadata: { workspaceId } },
    { idempotencyKey: `signpost-customer-${workspaceId}` },
  );
  const [stored] = await db
    .insert(workspaceBilling)
    .values({ workspaceId, stripeCustomerId: customer.id })
    .onConflictDoUpdate({
      target: workspaceBilling.workspaceId,
      set: { stripeCustomerId: sql`coalesce(${workspaceBilling.stripeCustomerId}, excluded.stripe_customer_id)`, updatedAt: new Date() },
    })
    .returning({ id: workspaceBilling.stripeCustomerId });
  return stored!.id!;
}

/** A Stripe Checkout Session for subscribing the workspace to `plan`; returns the page's URL. */
export async function startCheckout(principal: Principal, plan: PaidPlan): Promise<{ url: string; sessionId: string }> {
  const billing = requireBilling();
  const { userId, workspaceId } = requireOwner(principal);
  const db = await getDb();
  const [current] = await db.select().from(workspaceBilling).where(eq(workspaceBilling.workspaceId, workspaceId)).limit(1);
  if (current && isLiveStatus(current.subscriptionStatus)) {
    throw new ApiError("conflict", `This workspace already has a ${PLAN_NAMES[current.plan]} subscription: change or cancel it in the billing portal`, "plan");
  }
  const customer = await customerFor(workspaceId, userId);
  const session = await stripeClient().checkout.sessions.create({
    mode: "subscription",
    customer,
    client_reference_id: workspaceId,
    line_items: [{ price: billing.prices[plan], quantity: 1 }],
    subscription_data: { metadata: { workspaceId, plan } },
    metadata: { workspaceId, plan },
    allow_promotion_codes: true,
    success_url: `${billingPage()}?checkout=success`,
    cancel_url: `${billingPage()}?checkout=cancelled`,
  });
  if (!session.url) throw new ApiError("unavailable", "Stripe did not return a Checkout URL");
  return { url: session.url, sessionId: session.id };
}

/** A Stripe customer portal session (invoices, payment method, plan changes, cancelling). */
export async function openPortal(principal: Principal): Promise<{ url: string }> {
  requireBilling();
  const { workspaceId } = requireOwner(principal);
  const db = await getDb();
  const [current] = await db.select({ customer: workspaceBilling.stripeCustomerId }).from(workspaceBilling).where(eq(workspaceBilling.workspaceId, workspaceId)).limit(1);
  if (!current?.customer) throw new ApiError("conflict", "This workspace has no billing account yet: choose a plan first");
  const session = await stripeClient().billingPortal.sessions.create({ customer: current.customer, return_url: billingPage() });
  return { url: session.url };
}
