import "server-only";
import { inArray, sql } from "drizzle-orm";
import { CLICK_DIMENSIONS, TOTAL_DIMENSION, UNKNOWN_VALUE, type ClickDimension } from "@/core/analytics";
import { COUNTED_REASONS, type ClickEvent } from "@/core/link";
import { countClicksOverLimit, withinClickLimits } from "@/server/billing/clicks";
import { getDb, type Db } from "@/server/db/client";
import { click, clickRollupDay, clickRollupHour, clickVisitorHour, link } from "@/server/db/schema";
import { CLICKS_PER_EVENT, recordWebhookEvents, wakeDeliveries } from "@/server/webhooks/service";

export interface IngestResult {
  accepted: number;
  duplicates: number;
  unknownLinks: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/**
 * Stores a batch of clicks with everything derived from them, in one transaction: the raw rows,
 * each link's human counter and last click, the hourly and daily rollups, and the distinct
 * visitors per hour. Idempotent by click id: only rows this call inserted feed the counters and
 * rollups, so a batch delivered twice, or split and re-sent in another order, counts once.
 * Clicks for links deleted meanwhile are dropped and counted. Producers on the origin enrich first
 * (src/server/clicks/enrich.ts); tools and tests may leave the optional facts out.
 *
 * Locks are taken in one global order (links by id, then rollup and visitor rows by key) so
 * concurrent batches from several workers cannot deadlock.
 */
export async function recordClicks(events: readonly Omit<ClickEvent, "ipNetwork">[], db?: Db): Promise<IngestResult> {
  if (events.length === 0) return { accepted: 0, duplicates: 0, unknownLinks: 0 };
  const database = db ?? (await getDb());
  const { result, deliveries, dropped } = await database.transaction(async (tx) => {
    const linkIds = [...new Set(events.map((e) => e.linkId))];
    const known = await tx.select({ id: link.id, workspaceId: link.workspaceId, domain: link.domain, key: link.key }).from(link).where(inArray(link.id, linkIds));
    const workspaceOf = new Map(known.map((row) => [row.id, row.workspaceId]));
    const now = new Date();
    // The workspace comes from our own table, never from the event. One row per id even if a
    // producer repeated a click inside one batch.
    const byId = new Map<string, ClickRow>();
    for (const e of events) {
      const workspaceId = workspaceOf.get(e.linkId);
      if (!workspaceId || byId.has(e.id)) continue;
      byId.set(e.id, {
        id: e.id,
        linkId: e.linkId,
        workspaceId,
        clickedAt: new Date(e.at),
        url: e.url,
        isBot: e.isBot,
        country: e.country,
        userAgent: e.userAgent,
        referrer: e.referrer,
        region: e.region ?? null,
        city: e.city ?? null,
        device: e.device ?? null,
        os: e.os ?? null,
        browser: e.browser ?? null,
        language: e.language ?? null,
        visitorId: e.visitorId ?? null,
        reason: e.reason ?? null,
        ruleIndex: e.ruleIndex ?? null,
        variantIndex: e.variantIndex ?? null,
        receivedAt: now,
      });
    }
    const limited = await withinClickLimits(tx, [...byId.values()].map((row) => ({ ...row, tracked: !row.isBot && isCounted(row.reason) })));
    const rows = limited.kept.map(({ tracked: _, ...row }) => row);
    const inserted = rows.length ? await insertClicks(tx, rows) : [];

    const counted = inserted.filter((row) => !row.isBot && isCounted(row.reason));
    if (counted.length > 0) await bumpLinkCounters(tx, counted);
    const rolled = inserted.filter((row) => row.isBot || isCounted(row.reason));
    if (rolled.length > 0) {
      await upsertRollups(tx, "click_rollup_hour", rollupRows(rolled, HOUR_MS));
      await upsertRollups(tx, "click_rollup_day", rollupRows(rolled, DAY_MS));
      await insertVisitors(tx, rolled);
    }
    const deliveries = counted.length > 0 ? await recordWebhookEvents(tx, clickedEvents(counted, new Map(known.map((row) => [row.id, row])))) : [];
    const unknownLinks = events.filter((e) => !workspaceOf.has(e.linkId)).length;
    return { result: { accepted: inserted.length, duplicates: events.length - unknownLinks - limited.dropped - inserted.length, unknownLinks }, deliveries, dropped: limited.dropped };
  });
  countClicksOverLimit(dropped);
  await wakeDeliveries(deliveries);
  return result;
}

/**
 * `link.clicked` events for the counted clicks of a batch (people who reached a destination, the
 * clicks `link.clicks` counts), up to CLICKS_PER_EVENT per event and workspace. No visitor id, user
 * agent or address leaves: only the facts the analytics API shows.
 */
function clickedEvents(rows: ClickRow[], links: Map<string, { domain: string; key: string }>) {
  const byWorkspace = new Map<string, ClickRow[]>();
  for (const row of rows) {
    const list = byWorkspace.get(row.workspaceId);
    if (list) list.push(row);
    else byWorkspace.set(row.workspaceId, [row]);
  }
  return [...byWorkspace].flatMap(([workspaceId, list]) => {
    const events = [];
    for (let start = 0; start < list.length; start += CLICKS_PER_EVENT) {
      const clicks = list.slice(start, start + CLICKS_PER_EVENT).map((row) => ({
        id: row.id,
        linkId: row.linkId,
        domain: links.get(row.linkId)?.domain,
        key: links.get(row.linkId)?.key,
        clickedAt: row.clickedAt.toISOString(),
        url: row.url,
        country: row.country,
        region: row.region,
        city: row.city,
        device: row.device,
        os: row.os,
        browser: row.browser,
        language: row.language,
        referrer: row.referrer,
        rule: row.ruleIndex,
        variant: row.variantIndex,
      }));
      events.push({ workspaceId, type: "link.clicked" as const, data: { clicks } });
    }
    return events;
  });
}

/** People reaching a destination count; password forms, expired pages and the like do not. */
function isCounted(reason: string | null): boolean {
  return reason === null || (COUNTED_REASONS as readonly string[]).includes(reason);
}

type ClickRow = typeof click.$inferSelect;

/**
 * Inserts the rows that are new (by id) and returns them. One statement with an array parameter
 * per column, however many rows: Postgres parses one short statement instead of one with
 * 20 parameters per click, which at 500-click batches is most of the cost.
 */
async function insertClicks(tx: Tx, rows: ClickRow[]): Promise<ClickRow[]> {
  const column = <T>(pick: (row: ClickRow) => T) => sql.param(rows.map(pick));
  const result = await tx.execute(sql`
    insert into ${click} (id, link_id, workspace_id, clicked_at, url, is_bot, country, region, city, device, os, browser, language, visitor_id, reason, rule_index, variant_index, user_agent, referrer)
    select * from unnest(
      ${column((r) => r.id)}::uuid[], ${column((r) => r.linkId)}::text[], ${column((r) => r.workspaceId)}::text[],
      ${column((r) => r.clickedAt.toISOString())}::timestamptz[], ${column((r) => r.url)}::text[], ${column((r) => r.isBot)}::boolean[],
      ${column((r) => r.country)}::text[], ${column((r) => r.region)}::text[], ${column((r) => r.city)}::text[],
      ${column((r) => r.device)}::text[], ${column((r) => r.os)}::text[], ${column((r) => r.browser)}::text[],
      ${column((r) => r.language)}::text[], ${column((r) => r.visitorId)}::text[], ${column((r) => r.reason)}::text[],
      ${column((r) => r.ruleIndex)}::smallint[], ${column((r) => r.variantIndex)}::smallint[],
      ${column((r) => r.userAgent)}::text[], ${column((r) => r.referrer)}::text[])
    on conflict (id) do nothing
    returning id`);
  const byId = new Map(rows.map((row) => [row.id, row]));
  // Both drivers (pg, PGlite) answer `{ rows }`.
  return (result as unknown as { rows: { id: string }[] }).rows.map((row) => byId.get(row.id)!);
}

async function bumpLinkCounters(tx: Tx, rows: ClickRow[]): Promise<void> {
  const perLink = new Map<string, { n: number; last: Date }>();
  for (const row of rows) {
    const entry = perLink.get(row.linkId) ?? { n: 0, last: row.clickedAt };
    entry.n += 1;
    if (row.clickedAt > entry.last) entry.last = row.clickedAt;
    perLink.set(row.linkId, entry);
  }
  const ids = [...perLink.keys()].sort();
  // "For no key update" is the lock an UPDATE takes, which the click rows' foreign-key checks do
  // not block. Two round trips per batch, however many links.
  await tx.execute(sql`select id from ${link} where id in ${ids} order by id for no key update`);
  await tx.execute(sql`
    update ${link} set
      clicks = ${link.clicks} + batch.n,
      last_clicked_at = greatest(${link.lastClickedAt}, batch.last)
    from unnest(${sql.param(ids)}::text[], ${sql.param(ids.map((id) => perLink.get(id)!.n))}::bigint[], ${sql.param(ids.map((id) => perLink.get(id)!.last.toISOString()))}::timestamptz[]) as batch(id, n, last)
    where ${link.id} = batch.id`);
}

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

interface RollupRow {
  workspaceId: string;
  linkId: string;
  bucket: number;
  dimension: string;
  value: string;
  isBot: boolean;
  clicks: number;
}

function rollupRows(rows: ClickRow[], bucketMs: number): RollupRow[] {
  const merged = new Map<string, RollupRow>();
  const add = (row: ClickRow, bucket: number, dimension: string, value: string) => {
    const key = `${row.linkId}\u0000${bucket}\u0000${dimension}\u0000${value}\u0000${row.isBot}`;
    const existing = merged.get(key);
    if (existing) existing.clicks += 1;
    else merged.set(key, { workspaceId: row.workspaceId, linkId: row.linkId, bucket, dimension, value, isBot: row.isBot, clicks: 1 });
  };
  for (const row of rows) {
    const bucket = Math.floor(row.clickedAt.getTime() / bucketMs) * bucketMs;
    add(row, bucket, TOTAL_DIMENSION, UNKNOWN_VALUE);
    for (const dimension of CLICK_DIMENSIONS) add(row, bucket, dimension, dimensionValue(row, dimension));
  }
  // The primary key's order, so concurrent upserts take row locks in the same sequence.
  return [...merged.values()].sort(
    (a, b) =>
      compare(a.linkId, b.linkId) || a.bucket - b.bucket || compare(a.dimension, b.dimension) || compare(a.value, b.value) || Number(a.isBot) - Number(b.isBot),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function upsertRollups(tx: Tx, table: "click_rollup_hour" | "click_rollup_day", rows: RollupRow[]): Promise<void> {
  const target = table === "click_rollup_hour" ? clickRollupHour : clickRollupDay;
  // One statement with seven array parameters, however many rows: no parameter limit to hit.
  await tx.execute(sql`
    insert into ${target} (workspace_id, link_id, bucket, dimension, value, is_bot, clicks)
    select * from unnest(
      ${sql.param(rows.map((r) => r.workspaceId))}::text[],
      ${sql.param(rows.map((r) => r.linkId))}::text[],
      ${sql.param(rows.map((r) => new Date(r.bucket).toISOString()))}::timestamptz[],
      ${sql.param(rows.map((r) => r.dimension))}::text[],
      ${sql.param(rows.map((r) => r.value))}::text[],
      ${sql.param(rows.map((r) => r.isBot))}::boolean[],
      ${sql.param(rows.map((r) => r.clicks))}::bigint[])
    on conflict (link_id, bucket, dimension, value, is_bot)
    do update set clicks = ${target}.clicks + excluded.clicks`);
}

async function insertVisitors(tx: Tx, rows: ClickRow[]): Promise<void> {
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
  await tx.execute(sql`
    insert into ${clickVisitorHour} (workspace_id, link_id, bucket, visitor_id, is_bot, variant_index)
    select * from unnest(
      ${sql.param(list.map((r) => r.workspaceId))}::text[],
      ${sql.param(list.map((r) => r.linkId))}::text[],
      ${sql.param(list.map((r) => new Date(r.bucket).toISOString()))}::timestamptz[],
      ${sql.param(list.map((r) => r.visitorId))}::text[],
      ${sql.param(list.map((r) => r.isBot))}::boolean[],
      ${sql.param(list.map((r) => r.variantIndex))}::smallint[])
    on conflict do nothing`);
}
