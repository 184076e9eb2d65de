import "server-only";
import { and, count, eq, gt, gte, lt, sql, sum } from "drizzle-orm";
import { TOTAL_DIMENSION } from "@/core/analytics";
import { monthStart, PLAN_LIMITS, PLAN_NAMES, RESOURCE_LABELS, UNLIMITED, withinLimit, type LimitedResource, type Limits, type Plan } from "@/core/plans";
import { serverConfig } from "@/config/env";
import { ApiError } from "@/server/api/errors";
import type { Db } from "@/server/db/client";
import { clickWorkspaceRollupDay, domain, invitation, member, workspaceBilling, workspaceUsage } from "@/server/db/schema";

/**
 * Plan limits, enforced on the server (docs/billing.md). With billing off (no STRIPE_SECRET_KEY)
 * every limit is unlimited and nothing is counted or locked.
 */

export function billingEnabled(): boolean {
  return serverConfig().billing !== null;
}

/** The workspace's plan (free without a billing row). */
export async function planOf(db: Db, workspaceId: string): Promise<Plan> {
  const [row] = await db.select({ plan: workspaceBilling.plan }).from(workspaceBilling).where(eq(workspaceBilling.workspaceId, workspaceId)).limit(1);
  return row?.plan ?? "free";
}

/** The limits that apply to the workspace now: its plan's, or none when billing is off. */
export async function limitsOf(db: Db, workspaceId: string): Promise<{ plan: Plan | null; limits: Limits }> {
  if (!billingEnabled()) return { plan: null, limits: UNLIMITED };
  const plan = await planOf(db, workspaceId);
  return { plan, limits: PLAN_LIMITS[plan] };
}

/** `plan_limit_reached` (402), naming the resource, the limit and the plan. */
export function planLimitError(plan: Plan, resource: LimitedResource, limit: number, used: number, adding: number): ApiError {
  const label = RESOURCE_LABELS[resource];
  const wanted = adding === 1 ? "" : ` (this request adds ${adding})`;
  return new ApiError(
    "plan_limit_reached",
    `The ${PLAN_NAMES[plan]} plan allows ${limit.toLocaleString("en")} ${label.unit}; this workspace has ${used.toLocaleString("en")}${wanted}. Upgrade the plan in Settings → Billing.`,
    resource,
  );
}

/** A transaction-scoped advisory lock per workspace and resource: checks at the limit run one at a time. */
export async function lockWorkspaceResource(tx: Db, workspaceId: string, resource: LimitedResource): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`signpost:plan:${resource}:${workspaceId}`}, 0))`);
}

/** Links created this UTC month: the counter, or 0 before the first. */
async function linksCreatedThisMonth(db: Db, workspaceId: string, now: Date): Promise<number> {
  const [row] = await db
    .select({ n: workspaceUsage.linksCreated })
    .from(workspaceUsage)
    .where(and(eq(workspaceUsage.workspaceId, workspaceId), eq(workspaceUsage.month, monthKey(now))))
    .limit(1);
  return row?.n ?? 0;
}

/**
 * Human clicks tracked (rolled up) in the UTC month that contains `at`, from the workspace-wide
 * daily rollup: the click store keeps it in the batch's transaction (the per-link daily rollup is
 * summed later by a job, docs/analytics.md), and it is one row per day, not one per link and day.
 */
export async function clicksTrackedInMonth(db: Db, workspaceId: string, at: Date): Promise<number> {
  const start = monthStart(at);
  const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  const [row] = await db
    .select({ n: sum(clickWorkspaceRollupDay.clicks) })
    .from(clickWorkspaceRollupDay)
    .where(
      and(
        eq(clickWorkspaceRollupDay.workspaceId, workspaceId),
        eq(clickWorkspaceRollupDay.dimension, TOTAL_DIMENSION),
        eq(clickWorkspaceRollupDay.isBot, false),
        gte(clickWorkspaceRollupDay.bucket, start),
        lt(clickWorkspaceRollupDay.bucket, end),
      ),
    );
  return Number(row?.n ?? 0);
}

/** Members plus pending, unexpired invitations: every seat taken or promised. */
async function seatsTaken(db: Db, workspaceId: string): Promise<number> {
  const [members] = await db.select({ n: count() }).from(member).where(eq(member.organizationId, workspaceId));
  const [pending] = await db
    .select({ n: count() })
    .from(invitation)
    .where(and(eq(invitation.organizationId, workspaceId), eq(invitation.status, "pending"), gt(invitation.expiresAt, new Date())));
  return (members?.n ?? 0) + (pending?.n ?? 0);
}

async function domainCount(db: Db, workspaceId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(domain).where(eq(domain.workspaceId, workspaceId));
  return row?.n ?? 0;
}

/** The workspace's current usage of every limited resource. */
export async function usageOf(db: Db, workspaceId: string, now = new Date()): Promise<Record<LimitedResource, number>> {
  const [links, clicks, members, domains] = await Promise.all([
    linksCreatedThisMonth(db, workspaceId, now),
    clicksTrackedInMonth(db, workspaceId, now),
    seatsTaken(db, workspaceId),
    domainCount(db, workspaceId),
  ]);
  return { links, clicks, members, domains };
}

/** `YYYY-MM-01` of the UTC month containing `at`. */
export function monthKey(at: Date): string {
  return monthStart(at).toISOString().slice(0, 10);
}

/**
 * Refuses (plan_limit_reached) unless the workspace may add `adding` of `resource`; call it inside
 * the transaction that then writes them. Holds under concurrency: links bump this month's counter
 * row (its row lock serialises creates and the bump rolls back with the transaction); members and
 * domains take a transaction-scoped advisory lock before counting, so the second of two concurrent
 * requests at the limit counts after the first committed.
 */
export async function enforcePlanLimit(tx: Db, workspaceId: string, resource: Exclude<LimitedResource, "clicks">, adding = 1): Promise<void> {
  if (!billingEnabled() || adding <= 0) return;
  const plan = await planOf(tx, workspaceId);
  const limit = PLAN_LIMITS[plan][resource];
  if (resource === "links") {
    const month = monthKey(new Date());
    const [row] = await tx
      .insert(workspaceUsage)
      .values({ workspaceId, month, linksCreated: adding })
      .onConflictDoUpdate({ target: [workspaceUsage.workspaceId, workspaceUsage.month], set: { linksCreated: sql`${workspaceUsage.linksCreated} + excluded.links_created` } })
      .returning({ n: workspaceUsage.linksCreated });
    const total = row!.n;
    if (!withinLimit(limit, total - adding, adding)) throw planLimitError(plan, resource, limit!, total - adding, adding);
    return;
  }
  if (limit === null) return;
  await lockWorkspaceResource(tx, workspaceId, resource);
  const used = resource === "members" ? await seatsTaken(tx, workspaceId) : await domainCount(tx, workspaceId);
  if (!withinLimit(limit, used, adding)) throw planLimitError(plan, resource, limit, used, adding);
}
