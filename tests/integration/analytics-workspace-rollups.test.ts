/**
 * The workspace-wide rollups and daily unique counts (click_workspace_rollup_hour/_day,
 * click_visitor_day, click_uniques_day) that answer unfiltered analytics queries, and the per-link
 * daily rollups summed by the compaction job: they stay equal to what the per-link tables and the
 * raw clicks say, before and after compaction, with late clicks for compacted days, and after links
 * are deleted (a trigger on `link` subtracts a deleted link's clicks, and drops its visitors from a
 * day unless another link had them). Answers are checked against counts made here from the generated events, for whole UTC
 * days (the daily counts), ranges starting and ending mid-day (daily counts plus hourly visitors),
 * Asia/Kolkata (raw clicks at the half-hour edges) and America/New_York (the span counts of
 * click_uniques_span, by each daily visitor's first and last hour); one visitor id clicks both as a person and
 * as a bot, and several visitors click several links on the same day.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GET as getTotals } from "@/app/api/v1/analytics/route";
import { GET as getTimeseries } from "@/app/api/v1/analytics/timeseries/route";
import { GET as getTop } from "@/app/api/v1/analytics/top/route";
import { GET as getVariants } from "@/app/api/v1/analytics/variants/route";
import { DELETE as deleteLinkRoute } from "@/app/api/v1/links/[id]/route";
import { POST as createLinkRoute } from "@/app/api/v1/links/route";
import type { AnalyticsTimeseries, AnalyticsTop, AnalyticsTotals, AnalyticsVariants } from "@/core/analytics";
import type { LinkView } from "@/core/link";
import { queryRows } from "@/server/analytics/sql";
import { compactDailyRollups } from "@/server/clicks/daily-rollups";
import { recordClicks } from "@/server/clicks/ingest";
import { backends, type TestDatabase } from "../support/databases";
import { apiRequest, expectJson, openWithOwner, routeParams, type Owner } from "../support/integration-helpers";

const HOUR = 3_600_000;
const DAY = 86_400_000;
const FIRST_DAY = Date.parse("2025-06-01T00:00:00Z");
const DAYS = 4;

type Name = "P" | "Q" | "R";
interface Event {
  id: string;
  link: Name;
  at: number;
  isBot: boolean;
  reason: string | null;
  country: string | null;
  visitorId: string | null;
  /** Link Q's A/B variant (none for a third of its clicks); a visitor may see both. */
  variant: number | null;
}

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function generateEvents(): Event[] {
  const random = prng(20261206);
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)]!;
  const events: Event[] = [];
  for (let i = 0; i < 900; i++) {
    const at = FIRST_DAY + Math.floor(random() * DAYS * DAY);
    const day = new Date(at).toISOString().slice(0, 10);
    // One pool for people and bots: the same id clicks as both (a browser's HEAD request).
    events.push({
      id: crypto.randomUUID(),
      link: pick(["P", "P", "Q", "R"] as const),
      at,
      isBot: random() < 0.2,
      reason: pick(["destination", "destination", "destination", "variant", null, "expired_url"]),
      country: pick(["DE", "US", "IN", null]),
      visitorId: random() < 0.9 ? `v${Math.floor(random() * 40)}-${day}` : null,
      variant: null,
    });
  }
  for (const [i, e] of events.entries()) if (e.link === "Q" && i % 3 !== 0) e.variant = (i % 3) - 1;
  return events;
}

const counted = (e: Event) => e.reason === null || e.reason === "destination" || e.reason === "variant";
const included = (e: Event, includeBots: boolean) => (e.isBot ? includeBots : counted(e));
const distinct = (events: Event[]) => new Set(events.flatMap((e) => (e.visitorId ? [e.visitorId] : []))).size;

describe.each(backends())("workspace rollups on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: Owner;
  const links = {} as Record<Name, LinkView>;
  const events = generateEvents();
  const remaining = new Set<Name>(["P", "Q", "R"]);

  beforeAll(async () => {
    ({ testDb, owner } = await openWithOwner(backend));
    for (const name of ["P", "Q", "R"] as const) {
      const response = await createLinkRoute(apiRequest("/api/v1/links", { key: owner.key, body: { url: `https://${name.toLowerCase()}.example/`, key: `wr-${name}` } }));
      links[name] = await expectJson<LinkView>(response, 201);
    }
    // As on an instance whose compaction last ran before these days: they start out hourly only.
    await testDb.database.db.execute(sql`update click_rollup_progress set days_before = ${new Date(FIRST_DAY).toISOString()}::timestamptz`);
    const clicks = events.filter((e) => !late(e)).map(toClick);
    for (let i = 0; i < clicks.length; i += 250) await recordClicks(clicks.slice(i, i + 250));
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  /** An eighth of the first day's clicks arrive only after that day was compacted. */
  const lateIds = new Set(events.filter((e, i) => e.at < FIRST_DAY + DAY && i % 8 === 0).map((e) => e.id));
  const late = (e: Event) => lateIds.has(e.id);
  const toClick = (e: Event) => ({
      id: e.id,
      linkId: links[e.link].id,
      workspaceId: owner.workspaceId,
      at: new Date(e.at).toISOString(),
      url: "https://example.com/",
      userAgent: null,
      referrer: null,
      isBot: e.isBot,
      country: e.country,
      visitorId: e.visitorId,
      reason: e.reason,
      variantIndex: e.variant,
  });
  const stored = new Set<string>(events.filter((e) => !late(e)).map((e) => e.id));

  const get = async <T>(handler: (request: Request) => Promise<Response>, path: string, query: Record<string, string>) =>
    expectJson<T>(await handler(apiRequest(`/api/v1/analytics${path}?${new URLSearchParams(query)}`, { key: owner.key })), 200);
  const live = (start: number, end: number, only?: Name) => events.filter((e) => stored.has(e.id) && remaining.has(e.link) && (!only || e.link === only) && e.at >= start && e.at < end);

  /** Every answer, for the whole workspace and for link Q, against the stored events of the links that remain. */
  async function expectAnswers(): Promise<void> {
    for (const only of [undefined, "Q"] as const) await expectAnswersFor(only);
  }

  async function expectAnswersFor(only: Name | undefined): Promise<void> {
    const ranges = [
      { label: "whole UTC days", start: FIRST_DAY, end: FIRST_DAY + DAYS * DAY, interval: "day", zone: "UTC" },
      { label: "mid-day to mid-day, hourly", start: FIRST_DAY + 13 * HOUR, end: FIRST_DAY + 3 * DAY + 7 * HOUR, interval: "hour", zone: "UTC" },
      { label: "Kolkata days", start: Date.parse("2025-06-01T00:00:00+05:30"), end: Date.parse("2025-06-04T00:00:00+05:30"), interval: "day", zone: "Asia/Kolkata" },
      // Each New York day is the end of one UTC day and the start of the next: span counts. The
      // totals are one day's end, two whole days and the next day's start.
      { label: "New York days", start: Date.parse("2025-06-01T00:00:00-04:00"), end: Date.parse("2025-06-04T00:00:00-04:00"), interval: "day", zone: "America/New_York" },
    ];
    for (const range of ranges) {
      for (const includeBots of [false, true]) {
        const query = {
          start: new Date(range.start).toISOString(),
          end: new Date(range.end).toISOString(),
          timezone: range.zone,
          interval: range.interval,
          ...(includeBots ? { includeBots: "true" } : {}),
          ...(only ? { linkId: links[only].id } : {}),
        };
        const inRange = live(range.start, range.end, only);
        const picked = inRange.filter((e) => included(e, includeBots));
        const label = `${range.label} bots=${includeBots} links=${[...remaining].join("")} only=${only ?? "-"} stored=${stored.size}`;
        const totals = await get<AnalyticsTotals>(getTotals, "", query);
        expect({ clicks: totals.clicks, uniques: totals.uniques, bots: totals.bots }, label).toEqual({
          clicks: picked.length,
          uniques: distinct(picked),
          bots: inRange.filter((e) => e.isBot).length,
        });
        const series = await get<AnalyticsTimeseries>(getTimeseries, "/timeseries", query);
        const edges = [...series.points.map((p) => Date.parse(p.start)), range.end];
        series.points.forEach((point, i) => {
          const inBucket = picked.filter((e) => e.at >= edges[i]! && e.at < edges[i + 1]!);
          expect({ clicks: point.clicks, uniques: point.uniques }, `${label} ${point.start}`).toEqual({ clicks: inBucket.length, uniques: distinct(inBucket) });
        });
        const top = await get<AnalyticsTop>(getTop, "/top", { ...query, dimension: "country" });
        const byCountry = new Map<string | null, number>();
        for (const e of picked) byCountry.set(e.country, (byCountry.get(e.country) ?? 0) + 1);
        expect(Object.fromEntries(top.rows.map((row) => [String(row.value), row.clicks])), label).toEqual(Object.fromEntries([...byCountry].map(([value, n]) => [String(value), n])));
        if (only === "Q") {
          // A/B results: a link's uniques per variant (its per-variant span counts on closed days).
          const ab = await get<AnalyticsVariants>(getVariants, "/variants", query);
          const expected = [0, 1].map((index) => {
            const mine = picked.filter((e) => e.variant === index);
            return { index, clicks: mine.length, uniques: distinct(mine) };
          });
          expect(ab.variants.map((v) => ({ index: v.index, clicks: v.clicks, uniques: v.uniques })), label).toEqual(expected.filter((v) => v.clicks > 0 || v.uniques > 0));
        }
      }
    }
  }

  /** The workspace tables equal what the per-link tables add up to (zero rows aside); compacted days equal their hours. */
  async function expectTablesAgree(): Promise<void> {
    const db = testDb.database.db;
    const [days] = await queryRows<{ n: unknown }>(
      db,
      sql`select count(*) as n from (
            (select link_id, bucket, dimension, value, is_bot, clicks from click_rollup_day where bucket < (select days_before from click_rollup_progress)
             except
             select link_id, date_trunc('day', bucket at time zone 'UTC') at time zone 'UTC', dimension, value, is_bot, sum(clicks) from click_rollup_hour
             where bucket < (select days_before from click_rollup_progress) group by 1, 2, 3, 4, 5)
            union all
            (select link_id, date_trunc('day', bucket at time zone 'UTC') at time zone 'UTC', dimension, value, is_bot, sum(clicks) from click_rollup_hour
             where bucket < (select days_before from click_rollup_progress) group by 1, 2, 3, 4, 5
             except
             select link_id, bucket, dimension, value, is_bot, clicks from click_rollup_day where bucket < (select days_before from click_rollup_progress))) d`,
    );
    expect(Number(days?.n), "per-link daily rollups before the mark").toBe(0);
    for (const unit of ["hour", "day"] as const) {
      // Against the per-link hourly rows (per-link daily ones wait for the compaction).
      const [row] = await queryRows<{ n: unknown }>(
        db,
        sql`select count(*) as n from (
              select workspace_id, dimension, bucket, value, is_bot, clicks from ${sql.raw(`click_workspace_rollup_${unit}`)} where clicks <> 0
              except
              select workspace_id, dimension, date_trunc(${unit}, bucket at time zone 'UTC') at time zone 'UTC', value, is_bot, sum(clicks) from click_rollup_hour group by 1, 2, 3, 4, 5) d`,
      );
      expect(Number(row?.n), `workspace ${unit} rollups`).toBe(0);
      const [sums] = await queryRows<{ workspace: unknown; links: unknown }>(
        db,
        sql`select (select coalesce(sum(clicks), 0) from ${sql.raw(`click_workspace_rollup_${unit}`)}) as workspace, (select coalesce(sum(clicks), 0) from click_rollup_hour) as links`,
      );
      expect(Number(sums?.workspace)).toBe(Number(sums?.links));
    }
    const [visitors] = await queryRows<{ n: unknown }>(
      db,
      sql`select count(*) as n from (
            (select workspace_id, day, with_bots, visitor_id from click_visitor_day
             except
             select distinct workspace_id, date_trunc('day', bucket at time zone 'UTC') at time zone 'UTC', true, visitor_id from click_visitor_hour
             except
             select distinct workspace_id, date_trunc('day', bucket at time zone 'UTC') at time zone 'UTC', false, visitor_id from click_visitor_hour where not is_bot)
            union all
            (select distinct workspace_id, date_trunc('day', bucket at time zone 'UTC') at time zone 'UTC', true, visitor_id from click_visitor_hour
             union
             select distinct workspace_id, date_trunc('day', bucket at time zone 'UTC') at time zone 'UTC', false, visitor_id from click_visitor_hour where not is_bot
             except
             select workspace_id, day, with_bots, visitor_id from click_visitor_day)) d`,
    );
    expect(Number(visitors?.n), "daily visitor sets").toBe(0);
    const [counts] = await queryRows<{ n: unknown }>(
      db,
      sql`select count(*) as n from click_uniques_day u
          where u.visitors <> (select count(*) from click_visitor_day d where d.workspace_id = u.workspace_id and d.day = u.day and d.with_bots = u.with_bots)`,
    );
    expect(Number(counts?.n), "daily unique counts").toBe(0);
    // Each daily visitor's first and last hour are those of its hourly rows (people only without bots).
    const [hours] = await queryRows<{ n: unknown }>(
      db,
      sql`select count(*) as n from click_visitor_day d
          left join (
            select v.workspace_id, date_trunc('day', v.bucket at time zone 'UTC') at time zone 'UTC' as day, s.with_bots, v.visitor_id,
                   min(extract(hour from v.bucket at time zone 'UTC'))::smallint as first_hour, max(extract(hour from v.bucket at time zone 'UTC'))::smallint as last_hour
            from click_visitor_hour v cross join (values (true), (false)) as s(with_bots)
            where s.with_bots or not v.is_bot
            group by 1, 2, 3, 4) h
            on h.workspace_id = d.workspace_id and h.day = d.day and h.with_bots = d.with_bots and h.visitor_id = d.visitor_id
          where h.first_hour is distinct from d.first_hour or h.last_hour is distinct from d.last_hour`,
    );
    expect(Number(hours?.n), "daily visitors' first and last hours").toBe(0);
    const [spans] = await queryRows<{ n: unknown }>(
      db,
      sql`select count(*) as n from (
            (select workspace_id, day, with_bots, first_hour, last_hour, visitors from click_uniques_span where visitors <> 0
             except
             select workspace_id, day, with_bots, first_hour, last_hour, count(*) from click_visitor_day group by 1, 2, 3, 4, 5)
            union all
            (select workspace_id, day, with_bots, first_hour, last_hour, count(*) from click_visitor_day group by 1, 2, 3, 4, 5
             except
             select workspace_id, day, with_bots, first_hour, last_hour, visitors from click_uniques_span)) d`,
    );
    expect(Number(spans?.n), "span counts").toBe(0);
    const [negative] = await queryRows<{ n: unknown }>(db, sql`select count(*) as n from click_uniques_span where visitors < 0`);
    expect(Number(negative?.n), "no span count below zero").toBe(0);
    // Each link's span counts: exactly the closed days' visitors of the links that remain, per set
    // and variant (-1: all of the link's visitors), by their first and last hour that day, except
    // the days marked stale (late clicks since the last compaction), which the queries do not read.
    const [linkSpans] = await queryRows<{ n: unknown }>(
      db,
      sql`with expected as (
            select link_id, day, with_bots, variant, first_hour, last_hour, count(*)::bigint as visitors from (
              select v.link_id, date_trunc('day', v.bucket at time zone 'UTC') at time zone 'UTC' as day, b.with_bots, x.variant, v.visitor_id,
                     min(extract(hour from v.bucket at time zone 'UTC'))::smallint as first_hour, max(extract(hour from v.bucket at time zone 'UTC'))::smallint as last_hour
              from click_visitor_hour v
              cross join (values (true), (false)) as b(with_bots)
              cross join lateral (select -1 as variant union all select v.variant_index where v.variant_index >= 0) x
              where (b.with_bots or not v.is_bot) and v.bucket < (select days_before from click_rollup_progress)
              group by 1, 2, 3, 4, 5) m
            where (link_id, day) not in (select link_id, day from click_link_uniques_stale)
            group by 1, 2, 3, 4, 5, 6),
          stored as (
            select link_id, day, with_bots, variant, first_hour, last_hour, visitors from click_link_uniques_span
            where (link_id, day) not in (select link_id, day from click_link_uniques_stale))
          select count(*) as n from ((select * from stored except select * from expected) union all (select * from expected except select * from stored)) d`,
    );
    expect(Number(linkSpans?.n), "per-link span counts of the closed days").toBe(0);
  }

  test("the seed has what the checks need", () => {
    const sameDay = events.filter((e) => e.visitorId);
    const people = new Set(sameDay.filter((e) => !e.isBot).map((e) => e.visitorId));
    const asBoth = new Set(sameDay.filter((e) => e.isBot && people.has(e.visitorId)).map((e) => e.visitorId));
    expect(asBoth.size).toBeGreaterThan(5);
    const linksOf = new Map<string, Set<Name>>();
    for (const e of sameDay) linksOf.set(e.visitorId!, (linksOf.get(e.visitorId!) ?? new Set()).add(e.link));
    expect([...linksOf.values()].filter((set) => set.size > 1).length).toBeGreaterThan(20);
    // Visitors whose day spans several hours, so their first and last hour differ and move as
    // batches and deleted links add and take away clicks.
    const hoursOf = new Map<string, Set<number>>();
    for (const e of sameDay) hoursOf.set(e.visitorId!, (hoursOf.get(e.visitorId!) ?? new Set()).add(new Date(e.at).getUTCHours()));
    expect([...hoursOf.values()].filter((set) => set.size > 2).length).toBeGreaterThan(20);
  });

  test("answers match the events before compaction, after it, and with late clicks for compacted days", async () => {
    const db = testDb.database.db;
    const [before] = await queryRows<{ n: unknown }>(db, sql`select count(*) as n from click_rollup_day`);
    expect(Number(before?.n)).toBe(0); // nothing compacted yet: links answer from hours
    await expectTablesAgree();
    await expectAnswers();

    // Mid-way through the third day: the first two are summed, the rest stays hourly.
    expect(await compactDailyRollups(db, FIRST_DAY + 2 * DAY + 9 * HOUR)).toBe(2);
    expect(await compactDailyRollups(db, FIRST_DAY + 2 * DAY + 10 * HOUR)).toBe(0);
    await expectTablesAgree();
    await expectAnswers();

    // Clicks for the compacted first day arrive now: the click store adds them to its daily rows.
    const lateClicks = events.filter(late);
    expect(lateClicks.length).toBeGreaterThan(5);
    await recordClicks(lateClicks.map(toClick));
    for (const e of lateClicks) stored.add(e.id);
    // Their links' first day is stale until the next compaction: answered from the hourly rows.
    const staleDays = async () => (await queryRows<{ link_id: string; day: Date | string }>(db, sql`select link_id, day from click_link_uniques_stale order by link_id`)).map((row) => [row.link_id, new Date(row.day).getTime()]);
    const lateLinks = [...new Set(lateClicks.filter((e) => e.visitorId).map((e) => links[e.link].id))].sort();
    expect(await staleDays()).toEqual(lateLinks.map((id) => [id, FIRST_DAY]));
    await expectTablesAgree();
    await expectAnswers();

    expect(await compactDailyRollups(db, Date.parse("2026-01-01T00:00:00Z"))).toBeGreaterThan(2);
    expect(await staleDays()).toEqual([]);
    await expectTablesAgree();
    await expectAnswers();

    // Link Q's closed days answer from its span counts, not its visitor rows: a count changed by
    // hand shows in the answer (and is put back).
    const q = links.Q.id;
    const [row] = await queryRows<{ first_hour: number; last_hour: number }>(
      db,
      sql`select first_hour, last_hour from click_link_uniques_span where link_id = ${q} and day = ${new Date(FIRST_DAY + DAY).toISOString()}::timestamptz and not with_bots and variant = -1 limit 1`,
    );
    expect(row).toBeDefined();
    const uniquesOfDay = async () =>
      (await get<AnalyticsTotals>(getTotals, "", { linkId: q, start: new Date(FIRST_DAY + DAY).toISOString(), end: new Date(FIRST_DAY + 2 * DAY).toISOString(), timezone: "UTC" })).uniques;
    const truth = await uniquesOfDay();
    const bump = (by: number) =>
      db.execute(sql`update click_link_uniques_span set visitors = visitors + ${by} where link_id = ${q} and day = ${new Date(FIRST_DAY + DAY).toISOString()}::timestamptz
                     and not with_bots and variant = -1 and first_hour = ${row!.first_hour} and last_hour = ${row!.last_hour}`);
    await bump(1000);
    expect(await uniquesOfDay()).toBe(truth + 1000);
    await bump(-1000);
    expect(await uniquesOfDay()).toBe(truth);
  });

  test("rows an older version stored for unknown values (value \"\") still add up", async () => {
    const db = testDb.database.db;
    const blanks = async () => Number((await queryRows<{ n: unknown }>(db, sql`select count(*) as n from click_rollup_hour where dimension <> 'all' and value = ''`))[0]?.n);
    expect(await blanks()).toBe(0);
    // What the rollups held before they were sparse: each unknown country as a row of its own, the
    // total's rest, in every table (the workspace tables' rows then sum the links' as before).
    for (const table of ["click_rollup_hour", "click_rollup_day"]) {
      await db.execute(
        sql.raw(`insert into ${table} (workspace_id, link_id, bucket, dimension, value, is_bot, clicks)
                 select a.workspace_id, a.link_id, a.bucket, 'country', '', a.is_bot, a.clicks - coalesce(k.clicks, 0)
                 from ${table} a left join (select link_id, bucket, is_bot, sum(clicks) as clicks from ${table} where dimension = 'country' group by 1, 2, 3) k using (link_id, bucket, is_bot)
                 where a.dimension = 'all' and a.clicks > coalesce(k.clicks, 0)`),
      );
    }
    for (const table of ["click_workspace_rollup_hour", "click_workspace_rollup_day"]) {
      await db.execute(
        sql.raw(`insert into ${table} (workspace_id, dimension, bucket, value, is_bot, clicks)
                 select a.workspace_id, 'country', a.bucket, '', a.is_bot, a.clicks - coalesce(k.clicks, 0)
                 from ${table} a left join (select workspace_id, bucket, is_bot, sum(clicks) as clicks from ${table} where dimension = 'country' group by 1, 2, 3) k using (workspace_id, bucket, is_bot)
                 where a.dimension = 'all' and a.clicks > coalesce(k.clicks, 0)`),
      );
    }
    const legacy = await blanks();
    expect(legacy).toBeGreaterThan(10);
    await expectTablesAgree();
    await expectAnswers();
    // The deletions below subtract these rows from the workspace tables as well.
  });

  test("deleting links removes their clicks and visitors from the workspace tables", async () => {
    for (const name of ["P", "R"] as const) {
      await expectJson(await deleteLinkRoute(apiRequest(`/api/v1/links/${links[name].id}`, { key: owner.key, method: "DELETE" }), routeParams({ id: links[name].id })), 204);
      remaining.delete(name);
      await expectTablesAgree();
      await expectAnswers();
    }
    const [left] = await queryRows<{ n: unknown }>(testDb.database.db, sql`select count(*) as n from click_rollup_hour where link_id in (${links.P.id}, ${links.R.id})`);
    expect(Number(left?.n)).toBe(0);
  });
});
