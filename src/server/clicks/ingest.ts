import "server-only";
import { inArray, sql } from "drizzle-orm";
import { COUNTED_REASONS, type ClickEvent } from "@/core/link";
import { countClicksOverLimit, withinClickLimits } from "@/server/billing/clicks";
import { getDb, type Db } from "@/server/db/client";
import { literalChunks, pgArray, type ArrayElement } from "@/server/db/pg-array";
import { click, link } from "@/server/db/schema";
import { CLICKS_PER_EVENT, recordWebhookEvents, wakeDeliveries } from "@/server/webhooks/service";
import { dailyRollupsBefore } from "./daily-rollups";
import { writeRollups, type ClickRow } from "./rollups";

export { dimensionValue } from "./rollups";

export interface IngestResult {
  accepted: number;
  duplicates: number;
  unknownLinks: number;
}

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/**
 * Stores a batch of clicks with everything derived from them, in one transaction: the raw rows,
 * each link's human counter and last click, the rollups and distinct visitors (per link, and per
 * workspace: src/server/clicks/rollups.ts). Idempotent by click id: only rows this call inserted feed the counters and
 * rollups, so a batch delivered twice, or split and re-sent in another order, counts once.
 * Clicks for links deleted meanwhile are dropped and counted. Producers on the origin enrich first
 * (src/server/clicks/enrich.ts); tools and tests may leave the optional facts out.
 *
 * Locks are taken in one global order (rollup and visitor rows by key, then links by id) so
 * concurrent batches from several workers cannot deadlock.
 */
export async function recordClicks(events: readonly Omit<ClickEvent, "ipNetwork">[], db?: Db): Promise<IngestResult> {
  if (events.length === 0) return { accepted: 0, duplicates: 0, unknownLinks: 0 };
  const database = db ?? (await getDb());
  const { result, deliveries, dropped } = await database.transaction(async (tx) => {
    const linkIds = [...new Set(events.map((e) => e.linkId))].sort();
    // Locked once per link, not per click (ADR 0030): a link cannot be deleted while its clicks are
    // stored, and one deleted first is simply not returned. KEY SHARE does not block the counter
    // update below, nor another batch's lock on the same links.
    const known = await tx
      .select({ id: link.id, workspaceId: link.workspaceId, domain: link.domain, key: link.key })
      .from(link)
      .where(inArray(link.id, linkIds))
      .orderBy(link.id)
      .for("key share");
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

    const rolled = inserted.filter((row) => row.isBot || isCounted(row.reason));
    if (rolled.length > 0) await writeRollups(tx, rolled, await dailyRollupsBefore(tx));
    // Last: the hot links' rows stay locked only from here to the commit.
    const counted = inserted.filter((row) => !row.isBot && isCounted(row.reason));
    if (counted.length > 0) await bumpLinkCounters(tx, counted);
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

/** A click's longest value in the columns insertClicks sends (a uuid and an ISO time fit in 36). */
function clickLongest(r: ClickRow): number {
  return Math.max(36, r.linkId.length, r.workspaceId.length, r.url.length, r.userAgent?.length ?? 0, r.referrer?.length ?? 0, r.city?.length ?? 0, r.visitorId?.length ?? 0);
}

/**
 * Inserts the rows that are new (by id) and returns them. One statement per chunk of rows
 * (literalChunks: each column's array literal under 96 KiB), with an array parameter per column:
 * Postgres parses one short statement instead of one with 20 parameters per click.
 */
async function insertClicks(tx: Tx, rows: ClickRow[]): Promise<ClickRow[]> {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const inserted: ClickRow[] = [];
  for (const chunk of literalChunks(rows, clickLongest)) {
    const column = (pick: (row: ClickRow) => ArrayElement) => sql.param(pgArray(chunk, pick));
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
    // Both drivers (pg, PGlite) answer `{ rows }`.
    for (const row of (result as unknown as { rows: { id: string }[] }).rows) inserted.push(byId.get(row.id)!);
  }
  return inserted;
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
  // "For no key update" is the lock an UPDATE takes, which the batch's KEY SHARE locks on the same
  // links do not block. Two round trips per batch, however many links.
  await tx.execute(sql`select id from ${link} where id in ${ids} order by id for no key update`);
  await tx.execute(sql`
    update ${link} set
      clicks = ${link.clicks} + batch.n,
      last_clicked_at = greatest(${link.lastClickedAt}, batch.last)
    from unnest(${sql.param(pgArray(ids, (id) => id))}::text[], ${sql.param(pgArray(ids, (id) => perLink.get(id)!.n))}::bigint[], ${sql.param(pgArray(ids, (id) => perLink.get(id)!.last.toISOString()))}::timestamptz[]) as batch(id, n, last)
    where ${link.id} = batch.id`);
}
