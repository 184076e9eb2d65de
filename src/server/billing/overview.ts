import "server-only";
import { eq } from "drizzle-orm";
import { LIMITED_RESOURCES, type LimitedResource, type Plan } from "@/core/plans";
import { getDb } from "@/server/db/client";
import { workspaceBilling } from "@/server/db/schema";
import { limitsOf, usageOf } from "./limits";
import { isLiveStatus } from "./subscription";

export interface BillingOverview {
  /** False: billing is not enabled on this instance (no limits). */
  enabled: boolean;
  plan: Plan | null;
  usage: { resource: LimitedResource; used: number; limit: number | null }[];
  subscription: { status: string; currentPeriodEnd: Date | null; cancelAtPeriodEnd: boolean } | null;
  /** A Stripe customer exists, so the portal can open. */
  hasCustomer: boolean;
}

/** What GET /api/v1/billing and the settings page show: the plan, usage against limits, the subscription. */
export async function billingOverview(workspaceId: string): Promise<BillingOverview> {
  const db = await getDb();
  const { plan, limits } = await limitsOf(db, workspaceId);
  const used = await usageOf(db, workspaceId);
  const [row] = await db.select().from(workspaceBilling).where(eq(workspaceBilling.workspaceId, workspaceId)).limit(1);
  return {
    enabled: plan !== null,
    plan,
    usage: LIMITED_RESOURCES.map((resource) => ({ resource, used: used[resource], limit: limits[resource] })),
    subscription: row?.subscriptionStatus ? { status: row.subscriptionStatus, currentPeriodEnd: row.currentPeriodEnd, cancelAtPeriodEnd: row.cancelAtPeriodEnd } : null,
    hasCustomer: !!row?.stripeCustomerId,
  };
}

/** Whether the workspace pays for a subscription now (active, trialing or past due). */
export async function hasLiveSubscription(workspaceId: string): Promise<boolean> {
  const db = await getDb();
  const [row] = await db.select({ status: workspaceBilling.subscriptionStatus }).from(workspaceBilling).where(eq(workspaceBilling.workspaceId, workspaceId)).limit(1);
  return isLiveStatus(row?.status);
}
