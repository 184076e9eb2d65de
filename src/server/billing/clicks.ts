import "server-only";
import { inArray } from "drizzle-orm";
import { PLAN_LIMITS } from "@/core/plans";
import type { Db } from "@/server/db/client";
import { click } from "@/server/db/schema";
import { billingEnabled, clicksTrackedInMonth, lockWorkspaceResource, monthKey, planOf } from "./limits";

const COUNTER_KEY = Symbol.for("signpost.clicksOverPlanLimit");
type Counter = { dropped: number };

/** Human clicks not stored because their workspace was past its plan's limit, since the process started (exposed by /metrics). */
export const clicksOverLimit: Counter = ((globalThis as { [COUNTER_KEY]?: Counter })[COUNTER_KEY] ??= { dropped: 0 });

/** Adds the clicks a committed batch dropped at the limit. */
export function countClicksOverLimit(dropped: number): void {
  clicksOverLimit.dropped += dropped;
}

interface ClickFacts {
  id: string;
  workspaceId: string;
  clickedAt: Date;
  /** Tracked: a person who reached a destination (the clicks the plan's limit counts). */
  tracked: boolean;
}

/**
 * The clicks of a batch that the workspaces' plans let us track, in the click-storing transaction.
 * A workspace past its monthly tracked-click limit still redirects every visitor (the edge never
 * asks), but its further human clicks in that UTC month are not stored: no raw row, no counter,
 * no rollup, no webhook event; the caller counts them (`signpost_clicks_over_plan_limit_total`).
 * Bot visits and untracked visits are kept as before. Per workspace, one batch at a time (an
 * advisory lock taken in workspace order, before any link row lock), so concurrent batches cannot
 * overshoot the limit together.
 */
export async function withinClickLimits<R extends ClickFacts>(tx: Db, rows: R[]): Promise<{ kept: R[]; dropped: number }> {
  if (!billingEnabled()) return { kept: rows, dropped: 0 };
  const tracked = rows.filter((row) => row.tracked);
  if (tracked.length === 0) return { kept: rows, dropped: 0 };
  const drop = new Set<string>();
  for (const workspaceId of [...new Set(tracked.map((row) => row.workspaceId))].sort()) {
    const limit = PLAN_LIMITS[await planOf(tx, workspaceId)].clicks;
    if (limit === null) continue;
    await lockWorkspaceResource(tx, workspaceId, "clicks");
    const byMonth = new Map<string, R[]>();
    for (const row of tracked) {
      if (row.workspaceId !== workspaceId) continue;
      const key = monthKey(row.clickedAt);
      byMonth.set(key, [...(byMonth.get(key) ?? []), row]);
    }
    for (const [month, candidates] of byMonth) {
      const allowance = Math.max(0, limit - (await clicksTrackedInMonth(tx, workspaceId, new Date(`${month}T00:00:00Z`))));
      if (candidates.length <= allowance) continue;
      // Clicks stored by an earlier delivery of this batch are already counted: they take no slot.
      const stored = new Set((await tx.select({ id: click.id }).from(click).where(inArray(click.id, candidates.map((row) => row.id)))).map((row) => row.id));
      const fresh = candidates.filter((row) => !stored.has(row.id)).sort((a, b) => a.clickedAt.getTime() - b.clickedAt.getTime());
      for (const row of fresh.slice(allowance)) drop.add(row.id);
    }
  }
  return { kept: rows.filter((row) => !drop.has(row.id)), dropped: drop.size };
}
