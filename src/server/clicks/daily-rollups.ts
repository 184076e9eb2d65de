import "server-only";
import { sql } from "drizzle-orm";
import type { Db } from "@/server/db/client";
import { clickRollupDay, clickRollupHour, clickRollupProgress } from "@/server/db/schema";

/**
 * Per-link daily rollups, summed from the hourly ones once a UTC day is over, instead of upserted
 * by every ingest batch (that upsert was as costly as the hourly one: a batch of live traffic
 * touches one row per link, dimension and value either way). `click_rollup_progress.days_before`
 * says how far `click_rollup_day` is complete:
 *
 * - a click on a day before it (a late one: an edge that retried for hours, a backlog) is added to
 *   the daily rollup by the click store itself, like the hourly one;
 * - later days are only hourly until `compactDailyRollups` (a job, hourly) sums them and moves the
 *   mark to today's midnight;
 * - the analytics queries read the daily rollup only before the mark (src/server/analytics/plan.ts).
 *
 * The click store holds a shared advisory lock for its transaction, the compaction an exclusive
 * one: it waits for batches in flight, sums the days in a snapshot that has all their clicks, and
 * batches that start meanwhile wait for it, then see the new mark. So each click is in a day's row
 * exactly once: summed by the compaction or added by its batch, never both, never neither. The
 * trigger that forgets a deleted link's rows (migration 0007) takes the shared lock too, so a
 * compaction never sums a link's hours back after they were deleted.
 */

/** Advisory lock key: "signpost" "days" as two int4s. */
const LOCK = sql`1936286832, 1684108659`;
const DAY_MS = 86_400_000;

/** Queue (and schedule) name of the compaction job. */
export const COMPACT_DAILY_ROLLUPS_QUEUE = "maintenance.click-daily-rollups";
/** Hourly, a few minutes past: a finished day is summed within the hour after UTC midnight. */
export const COMPACT_DAILY_ROLLUPS_CRON = "4 * * * *";

type Executor = Pick<Db, "execute">;

async function readMark(db: Executor): Promise<number> {
  const result = (await db.execute(sql`select ${clickRollupProgress.daysBefore} as days_before from ${clickRollupProgress} where ${clickRollupProgress.id} = 1`)) as unknown as {
    rows: { days_before: Date | string }[];
  };
  const row = result.rows[0];
  if (!row) throw new Error("click_rollup_progress has no row: the migrations did not run");
  return new Date(row.days_before).getTime();
}

/** In a click store transaction: waits out a running compaction, then the mark (ms) for this batch. */
export async function dailyRollupsBefore(tx: Executor): Promise<number> {
  await tx.execute(sql`select pg_advisory_xact_lock_shared(${LOCK})`);
  return readMark(tx);
}

/** For the analytics queries: daily rollups hold every click before this instant (ms). */
export async function dailyRollupsComplete(db: Executor): Promise<number> {
  return readMark(db);
}

/**
 * Sums every finished UTC day not yet compacted (from the mark to the midnight before `now`) from
 * the hourly rollup into the daily one, replacing any rows those days had, and moves the mark.
 * Returns how many days it summed (0 when up to date).
 */
export async function compactDailyRollups(db: Db, now = Date.now()): Promise<number> {
  const until = Math.floor(now / DAY_MS) * DAY_MS;
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${LOCK})`);
    const from = await readMark(tx);
    if (until <= from) return 0;
    const inDays = sql`bucket >= ${new Date(from).toISOString()}::timestamptz and bucket < ${new Date(until).toISOString()}::timestamptz`;
    // Days the click store wrote before the mark existed (the day of the upgrade) are replaced whole.
    await tx.execute(sql`delete from ${clickRollupDay} where ${inDays}`);
    await tx.execute(sql`
      insert into ${clickRollupDay} (workspace_id, link_id, bucket, dimension, value, is_bot, clicks)
      select workspace_id, link_id, date_trunc('day', bucket at time zone 'UTC') at time zone 'UTC', dimension, value, is_bot, sum(clicks)
      from ${clickRollupHour} where ${inDays}
      group by 1, 2, 3, 4, 5, 6`);
    await tx.execute(sql`update ${clickRollupProgress} set days_before = ${new Date(until).toISOString()}::timestamptz where id = 1`);
    return Math.round((until - from) / DAY_MS);
  });
}
