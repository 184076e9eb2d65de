import "server-only";
import { sql } from "drizzle-orm";
import { CLICK_DIMENSIONS, TOTAL_DIMENSION, UNKNOWN_VALUE, type ClickDimension } from "@/core/analytics";
import type { Db } from "@/server/db/client";
import { literalChunks, pgArray } from "@/server/db/pg-array";
import {
  click,
  clickRollupDay,
  clickRollupHour,
  clickUniquesDay,
  clickUniquesSpan,
  clickVisitorDay,
  clickVisitorHour,
  clickWorkspaceRollupDay,
  clickWorkspaceRollupHour,
} from "@/server/db/schema";
import { markLinkUniquesStale } from "./daily-rollups";

/**
 * Everything a batch's rolled-up clicks add besides the raw rows, written by the click store
 * (src/server/clicks/ingest.ts) inside its transaction: per-link hourly rollups (daily ones only
 * for late clicks, see daily-rollups.ts), hourly and daily rollups summed per workspace, distinct visitors per link and hour, and per workspace and UTC day
 * with their daily count. Rows are merged in memory first (one row per key per batch), and each
 * table gets one statement per chunk of rows (literalChunks in src/server/db/pg-array.ts: every
 * column's array literal under 96 KiB, about 2,000 rows), with one array parameter per column.
 *
 * The rollups are sparse: a click adds a row for the total (dimension "all") and for each dimension
 * whose value it knows, none for an unknown one. Region, city, rule and variant are unknown for
 * most clicks (no geo headers, no rules), so this writes about a third fewer rows than one per
 * dimension; readers take a dimension's unknown count as the total minus its known values
 * (src/server/analytics/sql.ts, clickRows). Rows written before, with value "", still add up.
 *
 * Every statement writes its rows in one fixed order of their keys (the visitor rows in key order,
 * the rollups as `aggregate` lists them), and the statements run in a fixed order, so concurrent
 * batches take row locks in one global order and cannot deadlock. The most contended rows (a
 * workspace's rollups and daily counts, touched by every batch) come last, so they are held for
 * the shortest time before the commit.
 */

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type ClickRow = typeof click.$inferSelect;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The value a click has in a dimension; "" when unknown. */
export function dimensionValue(row: Pick<ClickRow, "country" | "region" | "city" | "device" | "os" | "browser" | "referrer" | "language" | "ruleIndex" | "variantIndex">, dimension: ClickDimension): string {
  switch (dimension) {
    case "region":
      // ISO 3166-2 style ("US-CA"): a bare region code means nothing without its country.
      return row.region ? (row.country ? `${row.country}-${row.region}` : row.region) : UNKNOWN_VALUE;
    case "rule":
      return row.ruleIndex === null ? UNKNOWN_VALUE : String(row.ruleIndex);
    case "variant":
      return row.variantIndex === null ? UNKNOWN_VALUE : String(row.variantIndex);
    default:
      return row[dimension] ?? UNKNOWN_VALUE;
  }
}

/**
 * Writes the rollups and visitor rows of `rows` (clicks this transaction inserted, all rolled up).
 * Per-link daily rows only for days before `daysBefore` (late clicks, which also mark their links'
 * closed days' unique counts stale): later days are summed from the hourly rows by the compaction job
 * (src/server/clicks/daily-rollups.ts).
 */
export async function writeRollups(tx: Tx, rows: ClickRow[], daysBefore: number): Promise<void> {
  // Visitor rows first: they are new rows, which no other batch waits for. A busy link's rollup
  // rows are then locked for what is left of the transaction; another worker's batch that has the
  // same link waits for them, so that part is kept short (12,700 against 11,500 clicks/s stored
  // by two writers in 10,000-click rounds).
  await insertVisitorHours(tx, rows);
  await upsertLinkRollups(tx, "hour", aggregate(rows, HOUR_MS, true));
  const late = rows.filter((row) => row.clickedAt.getTime() < daysBefore);
  if (late.length > 0) await upsertLinkRollups(tx, "day", aggregate(late, DAY_MS, true));
  await upsertWorkspaceRollups(tx, "hour", aggregate(rows, HOUR_MS, false));
  await upsertWorkspaceRollups(tx, "day", aggregate(rows, DAY_MS, false));
  await countVisitorDays(tx, rows);
  const lateVisits = late.filter((row) => row.visitorId !== null);
  if (lateVisits.length > 0) await markLinkUniquesStale(tx, lateVisits.map((row) => ({ linkId: row.linkId, day: Math.floor(row.clickedAt.getTime() / DAY_MS) * DAY_MS })));
}

interface RollupRow {
  workspaceId: string;
  linkId: string;
  bucket: number;
  dimension: string;
  value: string;
  isBot: boolean;
  clicks: number;
}

/** The total first, then each dimension: the order a key's rows are written in. */
const ROLLUP_DIMENSIONS = [TOTAL_DIMENSION, ...CLICK_DIMENSIONS] as const;

/**
 * Click counts per bucket, dimension, value and bot flag: per link (`perLink`), or per workspace
 * (linkId "").
 *
 * Clicks are grouped by their (link or workspace, bucket, bot flag) first, with one counter map per
 * dimension keyed by the value itself: a click costs one key string and eleven lookups of strings
 * it already holds, not eleven composite keys. The rows come out in one fixed order (groups by
 * their key string, then dimension, then value), so every batch writes a table's rows, and takes
 * their locks, in the same order.
 */
function aggregate(rows: ClickRow[], bucketMs: number, perLink: boolean): RollupRow[] {
  interface Group {
    row: ClickRow;
    bucket: number;
    counts: Map<string, number>[];
  }
  const groups = new Map<string, Group>();
  for (const row of rows) {
    const bucket = Math.floor(row.clickedAt.getTime() / bucketMs) * bucketMs;
    const key = `${perLink ? row.linkId : row.workspaceId}\u0000${bucket}\u0000${row.isBot ? 1 : 0}`;
    let group = groups.get(key);
    if (!group) {
      group = { row, bucket, counts: ROLLUP_DIMENSIONS.map(() => new Map<string, number>()) };
      groups.set(key, group);
    }
    for (let d = 0; d < ROLLUP_DIMENSIONS.length; d++) {
      const dimension = ROLLUP_DIMENSIONS[d]!;
      const value = dimension === TOTAL_DIMENSION ? UNKNOWN_VALUE : dimensionValue(row, dimension);
      // Sparse: an unknown value has no row; readers take it as the total's rest (see the header).
      if (value === UNKNOWN_VALUE && dimension !== TOTAL_DIMENSION) continue;
      const counts = group.counts[d]!;
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
  }
  const list: RollupRow[] = [];
  for (const key of [...groups.keys()].sort()) {
    const { row, bucket, counts } = groups.get(key)!;
    for (let d = 0; d < ROLLUP_DIMENSIONS.length; d++) {
      const byValue = counts[d]!;
      for (const value of [...byValue.keys()].sort()) {
        list.push({ workspaceId: row.workspaceId, linkId: perLink ? row.linkId : "", bucket, dimension: ROLLUP_DIMENSIONS[d]!, value, isBot: row.isBot, clicks: byValue.get(value)! });
      }
    }
  }
  return list;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Bucket starts as timestamptz text. A round has a handful of distinct buckets and thousands of
// rows, so each one is formatted once; the cache only ever holds recent hours and days.
const isoCache = new Map<number, string>();
function iso(ms: number): string {
  let text = isoCache.get(ms);
  if (text === undefined) {
    if (isoCache.size >= 1_000) isoCache.clear();
    text = new Date(ms).toISOString();
    isoCache.set(ms, text);
  }
  return text;
}

/** A rollup row's longest value in the columns sent (the bucket as ISO text is 24 characters). */
const rollupLongest = (r: RollupRow) => Math.max(24, r.workspaceId.length, r.linkId.length, r.dimension.length, r.value.length);

async function upsertLinkRollups(tx: Tx, unit: "hour" | "day", rows: RollupRow[]): Promise<void> {
  const target = unit === "hour" ? clickRollupHour : clickRollupDay;
  // Chunks in the rows' order: the statements take the rows' locks in that one order too.
  for (const chunk of literalChunks(rows, rollupLongest)) {
    await tx.execute(sql`
      insert into ${target} (workspace_id, link_id, bucket, dimension, value, is_bot, clicks)
      select * from unnest(
        ${sql.param(pgArray(chunk, (r) => r.workspaceId))}::text[],
        ${sql.param(pgArray(chunk, (r) => r.linkId))}::text[],
        ${sql.param(pgArray(chunk, (r) => iso(r.bucket)))}::timestamptz[],
        ${sql.param(pgArray(chunk, (r) => r.dimension))}::text[],
        ${sql.param(pgArray(chunk, (r) => r.value))}::text[],
        ${sql.param(pgArray(chunk, (r) => r.isBot))}::boolean[],
        ${sql.param(pgArray(chunk, (r) => r.clicks))}::bigint[])
      on conflict (link_id, bucket, dimension, value, is_bot)
      do update set clicks = ${target}.clicks + excluded.clicks`);
  }
}

async function upsertWorkspaceRollups(tx: Tx, unit: "hour" | "day", rows: RollupRow[]): Promise<void> {
  const target = unit === "hour" ? clickWorkspaceRollupHour : clickWorkspaceRollupDay;
  for (const chunk of literalChunks(rows, rollupLongest)) {
    await tx.execute(sql`
      insert into ${target} (workspace_id, dimension, bucket, value, is_bot, clicks)
      select * from unnest(
        ${sql.param(pgArray(chunk, (r) => r.workspaceId))}::text[],
        ${sql.param(pgArray(chunk, (r) => r.dimension))}::text[],
        ${sql.param(pgArray(chunk, (r) => iso(r.bucket)))}::timestamptz[],
        ${sql.param(pgArray(chunk, (r) => r.value))}::text[],
        ${sql.param(pgArray(chunk, (r) => r.isBot))}::boolean[],
        ${sql.param(pgArray(chunk, (r) => r.clicks))}::bigint[])
      on conflict (workspace_id, dimension, bucket, value, is_bot)
      do update set clicks = ${target}.clicks + excluded.clicks`);
  }
}

async function insertVisitorHours(tx: Tx, rows: ClickRow[]): Promise<void> {
  const seen = new Map<string, { workspaceId: string; linkId: string; bucket: number; visitorId: string; isBot: boolean; variantIndex: number }>();
  for (const row of rows) {
    if (!row.visitorId) continue;
    const bucket = Math.floor(row.clickedAt.getTime() / HOUR_MS) * HOUR_MS;
    const variantIndex = row.variantIndex ?? -1;
    const key = `${row.linkId}\u0000${bucket}\u0000${row.visitorId}\u0000${row.isBot}\u0000${variantIndex}`;
    if (!seen.has(key)) seen.set(key, { workspaceId: row.workspaceId, linkId: row.linkId, bucket, visitorId: row.visitorId, isBot: row.isBot, variantIndex });
  }
  if (seen.size === 0) return;
  const list = [...seen.values()].sort(
    (a, b) => compare(a.linkId, b.linkId) || a.bucket - b.bucket || compare(a.visitorId, b.visitorId) || Number(a.isBot) - Number(b.isBot) || a.variantIndex - b.variantIndex,
  );
  for (const chunk of literalChunks(list, (r) => Math.max(24, r.workspaceId.length, r.linkId.length, r.visitorId.length))) {
    await tx.execute(sql`
      insert into ${clickVisitorHour} (workspace_id, link_id, bucket, visitor_id, is_bot, variant_index)
      select * from unnest(
        ${sql.param(pgArray(chunk, (r) => r.workspaceId))}::text[],
        ${sql.param(pgArray(chunk, (r) => r.linkId))}::text[],
        ${sql.param(pgArray(chunk, (r) => iso(r.bucket)))}::timestamptz[],
        ${sql.param(pgArray(chunk, (r) => r.visitorId))}::text[],
        ${sql.param(pgArray(chunk, (r) => r.isBot))}::boolean[],
        ${sql.param(pgArray(chunk, (r) => r.variantIndex))}::smallint[])
      on conflict do nothing`);
  }
}

/**
 * Adds the batch's visitors to each workspace's daily visitor sets (every visitor to the set with
 * bots, people also to the set without), with the UTC hours of their first and last click, then
 * counts them:
 *
 * 1. The members, in key order and in chunks (literalChunks): a visitor new to a set is inserted;
 *    one already in it (from this batch or any other) conflicts, and its row is updated only when
 *    the batch moves its first hour earlier or its last hour later, keeping the hours it replaced
 *    (prev_*). Each chunk's statement hands back, per set and span of hours, how many of its rows
 *    took those hours (+1), how many left them (-1, the hours an update replaced) and how many
 *    joined the set (inserted).
 * 2. One statement adds those sums to the span counts and the daily uniques.
 *
 * So each daily count stays exactly its set's size, and each span count the number of its members
 * with those hours, whatever other batches do at the same time: the counter rows are locked only in
 * step 2, after every member row, so all batches take member rows, then span counts, then daily
 * counts, each in key order, and cannot deadlock. (Counting inside each chunk's statement would
 * lock the counters before the next chunk's members.)
 */
async function countVisitorDays(tx: Tx, rows: ClickRow[]): Promise<void> {
  interface Member {
    workspaceId: string;
    day: number;
    withBots: boolean;
    visitorId: string;
    firstHour: number;
    lastHour: number;
  }
  const seen = new Map<string, Member>();
  const add = (workspaceId: string, day: number, withBots: boolean, visitorId: string, hour: number) => {
    const key = `${workspaceId}\u0000${day}\u0000${withBots}\u0000${visitorId}`;
    const member = seen.get(key);
    if (!member) seen.set(key, { workspaceId, day, withBots, visitorId, firstHour: hour, lastHour: hour });
    else {
      if (hour < member.firstHour) member.firstHour = hour;
      if (hour > member.lastHour) member.lastHour = hour;
    }
  };
  for (const row of rows) {
    if (!row.visitorId) continue;
    const at = row.clickedAt.getTime();
    const day = Math.floor(at / DAY_MS) * DAY_MS;
    const hour = Math.floor((at - day) / HOUR_MS);
    add(row.workspaceId, day, true, row.visitorId, hour);
    if (!row.isBot) add(row.workspaceId, day, false, row.visitorId, hour);
  }
  if (seen.size === 0) return;
  const list = [...seen.values()].sort((a, b) => compare(a.workspaceId, b.workspaceId) || a.day - b.day || Number(a.withBots) - Number(b.withBots) || compare(a.visitorId, b.visitorId));

  interface SpanSum {
    workspaceId: string;
    day: number;
    withBots: boolean;
    firstHour: number;
    lastHour: number;
    visitors: number;
  }
  const spans = new Map<string, SpanSum>();
  const joined = new Map<string, { workspaceId: string; day: number; withBots: boolean; visitors: number }>();
  for (const chunk of literalChunks(list, (r) => Math.max(24, r.workspaceId.length, r.visitorId.length))) {
    const result = await tx.execute(sql`
      with members as (
        insert into ${clickVisitorDay} as d (workspace_id, day, with_bots, visitor_id, first_hour, last_hour)
        select * from unnest(
          ${sql.param(pgArray(chunk, (r) => r.workspaceId))}::text[],
          ${sql.param(pgArray(chunk, (r) => iso(r.day)))}::timestamptz[],
          ${sql.param(pgArray(chunk, (r) => r.withBots))}::boolean[],
          ${sql.param(pgArray(chunk, (r) => r.visitorId))}::text[],
          ${sql.param(pgArray(chunk, (r) => r.firstHour))}::smallint[],
          ${sql.param(pgArray(chunk, (r) => r.lastHour))}::smallint[])
        on conflict (workspace_id, day, with_bots, visitor_id) do update
          set prev_first_hour = d.first_hour, prev_last_hour = d.last_hour,
              first_hour = least(d.first_hour, excluded.first_hour), last_hour = greatest(d.last_hour, excluded.last_hour)
          where excluded.first_hour < d.first_hour or excluded.last_hour > d.last_hour
        returning d.workspace_id, d.day, d.with_bots, d.first_hour, d.last_hour, d.prev_first_hour, d.prev_last_hour, d.prev_first_hour is null as inserted)
      select workspace_id, (extract(epoch from day) * 1000)::float8 as day, with_bots, first_hour, last_hour,
             count(*)::int as n, (count(*) filter (where inserted))::int as joined
      from members group by 1, 2, 3, 4, 5
      union all
      select workspace_id, (extract(epoch from day) * 1000)::float8, with_bots, prev_first_hour, prev_last_hour, -count(*)::int, 0
      from members where not inserted group by 1, 2, 3, 4, 5`);
    // Both drivers (pg, PGlite) answer `{ rows }`.
    const sums = (result as unknown as { rows: { workspace_id: string; day: number; with_bots: boolean; first_hour: number; last_hour: number; n: number; joined: number }[] }).rows;
    for (const sum of sums) {
      const spanKey = `${sum.workspace_id}\u0000${sum.day}\u0000${sum.with_bots}\u0000${sum.first_hour}\u0000${sum.last_hour}`;
      const span = spans.get(spanKey);
      if (span) span.visitors += sum.n;
      else spans.set(spanKey, { workspaceId: sum.workspace_id, day: sum.day, withBots: sum.with_bots, firstHour: sum.first_hour, lastHour: sum.last_hour, visitors: sum.n });
      if (sum.joined > 0) {
        const setKey = `${sum.workspace_id}\u0000${sum.day}\u0000${sum.with_bots}`;
        const set = joined.get(setKey);
        if (set) set.visitors += sum.joined;
        else joined.set(setKey, { workspaceId: sum.workspace_id, day: sum.day, withBots: sum.with_bots, visitors: sum.joined });
      }
    }
  }
  if (spans.size === 0) return;
  const spanList = [...spans.values()].sort(
    (a, b) => compare(a.workspaceId, b.workspaceId) || a.day - b.day || Number(a.withBots) - Number(b.withBots) || a.firstHour - b.firstHour || a.lastHour - b.lastHour,
  );
  const dayList = [...joined.values()].sort((a, b) => compare(a.workspaceId, b.workspaceId) || a.day - b.day || Number(a.withBots) - Number(b.withBots));
  // Span counts first, then the daily counts (`counted`, which nothing reads, runs after the main
  // statement completes), each in key order.
  await tx.execute(sql`
    with counted as (
      insert into ${clickUniquesDay} (workspace_id, day, with_bots, visitors)
      select * from unnest(
        ${sql.param(pgArray(dayList, (r) => r.workspaceId))}::text[],
        ${sql.param(pgArray(dayList, (r) => iso(r.day)))}::timestamptz[],
        ${sql.param(pgArray(dayList, (r) => r.withBots))}::boolean[],
        ${sql.param(pgArray(dayList, (r) => r.visitors))}::bigint[])
      on conflict (workspace_id, day, with_bots) do update set visitors = ${clickUniquesDay}.visitors + excluded.visitors)
    insert into ${clickUniquesSpan} (workspace_id, day, with_bots, first_hour, last_hour, visitors)
    select * from unnest(
      ${sql.param(pgArray(spanList, (r) => r.workspaceId))}::text[],
      ${sql.param(pgArray(spanList, (r) => iso(r.day)))}::timestamptz[],
      ${sql.param(pgArray(spanList, (r) => r.withBots))}::boolean[],
      ${sql.param(pgArray(spanList, (r) => r.firstHour))}::smallint[],
      ${sql.param(pgArray(spanList, (r) => r.lastHour))}::smallint[],
      ${sql.param(pgArray(spanList, (r) => r.visitors))}::bigint[])
    on conflict (workspace_id, day, with_bots, first_hour, last_hour) do update set visitors = ${clickUniquesSpan}.visitors + excluded.visitors`);
}
