import "server-only";
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "@/server/db/client";
import { clickLinkUniquesSpan, clickLinkUniquesStale, clickRollupDay, clickRollupHour, clickRollupProgress, clickVisitorHour } from "@/server/db/schema";

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
 *
 * Each link's unique visitors per closed day (`click_link_uniques_span`) follow the same mark:
 * counted from the hourly visitor rows when the compaction closes a day. A late click cannot just
 * be added to them (whether its visitor is new to the link's day would need that day's visitor
 * set), so the click store marks the link's day stale instead (`click_link_uniques_stale`), the
 * queries count a stale day from the hourly rows, and the next compaction recounts it. Per batch
 * that is one small insert, however large the backlog of late clicks.
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
    // Closed days that late clicks made stale since the last run, whether or not a day closes now.
    await recountStaleLinkUniques(tx);
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
    await countLinkUniques(tx, from, until);
    await tx.execute(sql`update ${clickRollupProgress} set days_before = ${new Date(until).toISOString()}::timestamptz where id = 1`);
    return Math.round((until - from) / DAY_MS);
  });
}

/**
 * Counts every link's visitors of the UTC days `[from, until)` (ms, midnights) into
 * `click_link_uniques_span`, replacing what those days had. The compaction's part; also how the
 * analytics benchmark fills the table for its seeded days.
 */
export async function countLinkUniques(db: Executor, from: number, until: number): Promise<void> {
  const range = (column: SQL) => sql`${column} >= ${new Date(from).toISOString()}::timestamptz and ${column} < ${new Date(until).toISOString()}::timestamptz`;
  await db.execute(sql`delete from ${clickLinkUniquesSpan} where ${range(sql.raw("day"))}`);
  await db.execute(insertLinkUniques(sql`${clickVisitorHour} v`, range(sql.raw("v.bucket"))));
}

/**
 * `click_link_uniques_span`'s rows for the hourly visitor rows `v` that `where` picks (whole UTC days
 * of whole links): per link, day, set (with bots: every row; without: people's rows) and variant (-1:
 * the whole link; each A/B variant the visitor was sent to), how many visitors had each first and
 * last hour.
 */
function insertLinkUniques(from: SQL, where: SQL): SQL {
  return sql`
    insert into ${clickLinkUniquesSpan} (link_id, day, with_bots, variant, first_hour, last_hour, visitors)
    select m.link_id, m.day, m.with_bots, m.variant, m.first_hour, m.last_hour, count(*)
    from (
      select v.link_id, date_trunc('day', v.bucket at time zone 'UTC') at time zone 'UTC' as day, s.with_bots,
             case when s.whole then -1 else v.variant_index end as variant, v.visitor_id,
             min(extract(hour from v.bucket at time zone 'UTC'))::smallint as first_hour,
             max(extract(hour from v.bucket at time zone 'UTC'))::smallint as last_hour
      from ${from}
      cross join (values (true, true), (true, false), (false, true), (false, false)) as s(with_bots, whole)
      where ${where} and (s.with_bots or not v.is_bot) and (s.whole or v.variant_index >= 0)
      group by 1, 2, 3, 4, 5) m
    group by 1, 2, 3, 4, 5, 6
    order by 1, 2, 3, 4, 5, 6`;
}

/**
 * In a click store transaction: marks these links' closed days stale (late clicks), so the analytics
 * queries count them from the hourly visitor rows until the next compaction recounts them. In key
 * order, like every other write of the batch.
 */
export async function markLinkUniquesStale(tx: Executor, pairs: { linkId: string; day: number }[]): Promise<void> {
  const unique = new Map(pairs.map((pair) => [`${pair.linkId}\u0000${pair.day}`, pair]));
  if (unique.size === 0) return;
  const list = [...unique.values()].sort((a, b) => (a.linkId < b.linkId ? -1 : a.linkId > b.linkId ? 1 : a.day - b.day));
  await tx.execute(sql`
    insert into ${clickLinkUniquesStale} (link_id, day)
    select * from unnest(${sql.param(list.map((pair) => pair.linkId))}::text[], ${sql.param(list.map((pair) => new Date(pair.day).toISOString()))}::timestamptz[])
    on conflict do nothing`);
}

/** The closed days of `linkId` whose counts are stale (ms, UTC midnights). */
export async function staleLinkUniqueDays(db: Executor, linkId: string): Promise<number[]> {
  const result = (await db.execute(sql`select day from ${clickLinkUniquesStale} where link_id = ${linkId}`)) as unknown as { rows: { day: Date | string }[] };
  return result.rows.map((row) => new Date(row.day).getTime());
}

/** Recounts the stale (link, day) pairs and clears their marks. In the compaction's transaction. */
async function recountStaleLinkUniques(tx: Executor): Promise<void> {
  await tx.execute(sql`delete from ${clickLinkUniquesSpan} s using ${clickLinkUniquesStale} p where s.link_id = p.link_id and s.day = p.day`);
  await tx.execute(
    insertLinkUniques(sql`${clickLinkUniquesStale} p join ${clickVisitorHour} v on v.link_id = p.link_id and v.bucket >= p.day and v.bucket < p.day + interval '1 day'`, sql`true`),
  );
  await tx.execute(sql`delete from ${clickLinkUniquesStale}`);
}
