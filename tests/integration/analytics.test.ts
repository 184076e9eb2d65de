/**
 * The analytics API through its route handlers, on real databases. A workspace gets links (tags,
 * two domains, one link with two A/B variants and routing rules) and a few thousand pseudo-random
 * clicks, stored by the real click store (recordClicks, which maintains the rollups), spread over
 * two periods that hold the DST changes of New York and Berlin. Every answer is checked against
 * counts made here, in plain JS, from the generated events (never from the database), for UTC,
 * America/New_York, Europe/Berlin and Asia/Kolkata (a half-hour zone), with and without bots, with
 * link, tag and domain filters. Then: the CSV export parsed back, scopes, cross-workspace ids, and
 * every bad query parameter.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GET as getTotals } from "@/app/api/v1/analytics/route";
import { GET as getExport } from "@/app/api/v1/analytics/export/route";
import { GET as getTimeseries } from "@/app/api/v1/analytics/timeseries/route";
import { GET as getTop } from "@/app/api/v1/analytics/top/route";
import { GET as getVariants } from "@/app/api/v1/analytics/variants/route";
import { POST as createLinkRoute } from "@/app/api/v1/links/route";
import { CLICK_DIMENSIONS, EXPORT_COLUMNS, type AnalyticsTimeseries, type AnalyticsTop, type AnalyticsTotals, type AnalyticsVariants, type ClickDimension } from "@/core/analytics";
import type { ClickEvent, LinkView } from "@/core/link";
import { SCOPES } from "@/core/scopes";
import { exportClicks } from "@/server/analytics/export";
import type { SourcePlan } from "@/server/analytics/plan";
import { clickRows, queryRows, visitorRows } from "@/server/analytics/sql";
import { compactDailyRollups } from "@/server/clicks/daily-rollups";
import { recordClicks } from "@/server/clicks/ingest";
import { domain } from "@/server/db/schema";
import { backends, type TestDatabase } from "../support/databases";
import { apiRequest, createKey, createWorkspaceWithKey, expectApiError, expectJson, openWithOwner, type ExtraWorkspace, type Owner } from "../support/integration-helpers";

const CUSTOM_DOMAIN = "go.analytics.test";
const DEFAULT_DOMAIN = "localhost:3000";
const ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata"] as const;
const HOUR = 3_600_000;
const DAY = 86_400_000;

// ---- Deterministic pseudo-random events ---------------------------------------------------------

/** mulberry32: a small seeded PRNG, so a failure reproduces. */
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

type LinkName = "A" | "B" | "C" | "D" | "E" | "X";

/** One generated click, as the test knows it (the independent source of truth). */
interface Event {
  id: string;
  link: LinkName;
  at: number;
  isBot: boolean;
  reason: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  device: string | null;
  os: string | null;
  browser: string | null;
  referrer: string | null;
  language: string | null;
  visitorId: string | null;
  ruleIndex: number | null;
  variantIndex: number | null;
  url: string;
}

const PERIODS: [string, string, number][] = [
  ["2025-02-26T00:00:00Z", "2025-04-08T00:00:00Z", 2000],
  ["2025-10-18T00:00:00Z", "2025-11-09T00:00:00Z", 1100],
];

/** Instants at the edges this API must get right: local midnights, DST changes, Kolkata's :30. */
const EDGE_INSTANTS = [
  "2025-03-09T05:00:00.000Z", // New York midnight, the day clocks spring forward
  "2025-03-09T04:59:59.999Z",
  "2025-03-09T06:59:59.999Z", // 01:59:59 EST, just before the jump
  "2025-03-09T07:00:00.000Z", // 03:00 EDT, just after
  "2025-03-10T04:00:00.000Z", // New York midnight after the 23-hour day
  "2025-03-30T00:59:59.999Z", // Berlin 01:59:59 CET
  "2025-03-30T01:00:00.000Z", // Berlin 03:00 CEST
  "2025-03-30T22:00:00.000Z", // Berlin midnight (CEST)
  "2025-03-05T18:30:00.000Z", // Kolkata midnight
  "2025-03-05T18:29:59.999Z",
  "2025-03-06T00:00:00.000Z", // UTC midnight
  "2025-10-25T22:00:00.000Z", // Berlin midnight before the 25-hour day
  "2025-10-26T00:30:00.000Z", // Berlin 02:30 CEST (first time)
  "2025-10-26T01:30:00.000Z", // Berlin 02:30 CET (second time)
  "2025-10-26T23:00:00.000Z", // Berlin midnight after it
  "2025-11-02T04:00:00.000Z", // New York midnight before the 25-hour day
  "2025-11-02T05:30:00.000Z", // 01:30 EDT
  "2025-11-02T06:30:00.000Z", // 01:30 EST
  "2025-11-03T05:00:00.000Z", // New York midnight after it
];

function generateEvents(): Event[] {
  const random = prng(20250309);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const weighted = <T>(items: readonly [T, number][]): T => {
    let roll = random() * items.reduce((sum, [, w]) => sum + w, 0);
    for (const [item, weight] of items) if ((roll -= weight) < 0) return item;
    return items.at(-1)![0];
  };
  const instants: number[] = [];
  for (const [from, to, n] of PERIODS) {
    const start = Date.parse(from);
    const span = Date.parse(to) - start;
    // Whole seconds and some whole minutes/hours, so plenty of clicks sit exactly on an edge.
    for (let i = 0; i < n; i++) {
      const at = start + Math.floor(random() * span);
      instants.push(random() < 0.1 ? Math.floor(at / HOUR) * HOUR : random() < 0.3 ? Math.floor(at / 60_000) * 60_000 : at);
    }
  }
  for (const edge of EDGE_INSTANTS) for (let i = 0; i < 3; i++) instants.push(Date.parse(edge));

  return instants.map((at) => {
    const link = weighted<LinkName>([["A", 28], ["B", 18], ["C", 27], ["D", 14], ["E", 8], ["X", 5]]);
    const isBot = random() < 0.13;
    let reason: string | null;
    let ruleIndex: number | null = null;
    let variantIndex: number | null = null;
    let url = `https://${link.toLowerCase()}.example/`;
    if (link === "C") {
      reason = isBot ? pick(["bot_redirect", null, "variant"]) : weighted<string | null>([["variant", 50], ["rule", 20], ["destination", 8], [null, 6], ["expired_url", 6], ["password_required", 10]]);
      if (reason === "variant") {
        variantIndex = weighted([[0, 55], [1, 40], [2, 5]]); // 2: a variant the link no longer has
        url = `https://c.example/v${variantIndex}`;
      } else if (reason === "rule") {
        ruleIndex = pick([0, 1]);
        url = ruleIndex === 0 ? "https://c.example/de" : "https://c.example/fr";
      }
    } else {
      reason = isBot ? pick(["bot_redirect", null, "destination"]) : weighted<string | null>([["destination", 75], [null, 10], ["expired_url", 8], ["password_required", 7]]);
    }
    const country = pick(["DE", "US", "US", "FR", "IN", "BR", null]);
    const region = country === "US" ? pick(["CA", "NY", null]) : country === "DE" ? pick(["BY", "BE"]) : country === null ? pick([null, null, "ZZ"]) : null;
    const day = new Date(at).toISOString().slice(0, 10);
    return {
      id: crypto.randomUUID(),
      link,
      at,
      isBot,
      reason,
      country,
      region,
      city: pick(["Berlin", "New York", "München", "=SUM(1+1)", 'Saint "Q", X', "-3 Dots", null]),
      device: pick(["desktop", "mobile", "mobile", "tablet", null]),
      os: pick(["Windows", "iOS", "Android", "macOS", null]),
      browser: pick(["Chrome", "Safari", "Firefox", null]),
      referrer: pick(["https://news.example/", "https://t.co/x", "@mention", null, null]),
      language: pick(["en-US", "de", "fr", "hi", null]),
      // A small daily pool so visitors return within a day (and the id changes at UTC midnight).
      visitorId: random() < 0.85 ? `v${Math.floor(random() * (isBot ? 15 : 90))}-${day}` : null,
      ruleIndex,
      variantIndex,
      url,
    };
  });
}

// ---- Independent expectations --------------------------------------------------------------------

const COUNTED = new Set(["destination", "rule", "variant"]);
const counted = (e: Event) => e.reason === null || COUNTED.has(e.reason);
/** What the counts include: counted humans, plus every bot with includeBots. */
const included = (e: Event, includeBots: boolean) => (e.isBot ? includeBots : counted(e));

function valueOf(e: Event, dimension: ClickDimension): string {
  switch (dimension) {
    case "region":
      return e.region ? (e.country ? `${e.country}-${e.region}` : e.region) : "";
    case "rule":
      return e.ruleIndex === null ? "" : String(e.ruleIndex);
    case "variant":
      return e.variantIndex === null ? "" : String(e.variantIndex);
    default:
      return e[dimension] ?? "";
  }
}

const memo = new Map<string, unknown>();
/** `compute()` once per key: the expectations below format thousands of instants per test. */
function memoized<T>(key: string, compute: () => T): T {
  if (!memo.has(key)) memo.set(key, compute());
  return memo.get(key) as T;
}

/** The instant of local midnight of `date` in `zone`, found by trying every quarter-hour offset. */
function localMidnight(zone: string, date: string): number {
  return memoized(`midnight ${zone} ${date}`, () => findLocalMidnight(zone, date));
}

function findLocalMidnight(zone: string, date: string): number {
  const format = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  for (let quarters = -56; quarters <= 56; quarters++) {
    const at = Date.parse(`${date}T00:00:00Z`) - quarters * 15 * 60_000;
    const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
    if (`${parts.year}-${parts.month}-${parts.day}` === date && parts.hour === "00" && parts.minute === "00") return at;
  }
  throw new Error(`no midnight for ${date} in ${zone}`);
}

/** "+05:30" style offset of `zone` at `at`. */
function offsetOf(zone: string, at: number): string {
  const name = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" }).formatToParts(at).find((p) => p.type === "timeZoneName")!.value;
  return name === "GMT" ? "+00:00" : name.slice(3);
}

/** The local bucket an instant falls in, as a key comparable with a point's `start`. */
function bucketKey(zone: string, interval: "hour" | "day", at: number): string {
  return memoized(`bucket ${zone} ${interval} ${at}`, () => computeBucketKey(zone, interval, at));
}

function computeBucketKey(zone: string, interval: "hour" | "day", at: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", hourCycle: "h23" })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  return interval === "day" ? date : `${date}T${parts.hour}${offsetOf(zone, at)}`;
}
const pointKey = (interval: "hour" | "day", start: string) => (interval === "day" ? start.slice(0, 10) : `${start.slice(0, 13)}${start.slice(19)}`);

/** Events grouped by their local bucket. */
function byBucket(zone: string, interval: "hour" | "day", events: Event[]): Map<string, Event[]> {
  const groups = new Map<string, Event[]>();
  for (const e of events) {
    const key = bucketKey(zone, interval, e.at);
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  return groups;
}

function distinctVisitors(events: Event[]): number {
  return new Set(events.flatMap((e) => (e.visitorId ? [e.visitorId] : []))).size;
}

/** Byte order, as Postgres' "C" collation sorts (all test values are in the BMP). */
const byValue = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// ---- CSV -------------------------------------------------------------------------------------------

/** RFC 4180: quoted fields, doubled quotes, CRLF or LF records. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

const formulaSafe = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

// ---- The suite ---------------------------------------------------------------------------------------

describe.each(backends())("analytics API on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: Owner;
  let other: ExtraWorkspace;
  const links = {} as Record<LinkName, LinkView>;
  const tagIds: Record<string, string> = {};
  let otherTagId: string;
  let events: Event[];
  let ours: Event[];

  beforeAll(async () => {
    ({ testDb, owner } = await openWithOwner(backend));
    other = await createWorkspaceWithKey("Globex", SCOPES);
    await testDb.database.db.insert(domain).values({ id: "dom_analytics", workspaceId: owner.workspaceId, host: CUSTOM_DOMAIN, verifiedAt: new Date() });
    const create = async (name: LinkName, body: Record<string, unknown>, key = owner.key) => {
      links[name] = await expectJson<LinkView>(await createLinkRoute(apiRequest("/api/v1/links", { key, body })), 201);
    };
    await create("A", { url: "https://a.example/", key: "an-a", tags: ["alpha"] });
    await create("B", { url: "https://b.example/", key: "an-b", domain: CUSTOM_DOMAIN, tags: ["alpha", "beta"] });
    await create("C", {
      url: "https://c.example/",
      key: "an-c",
      tags: ["beta"],
      variants: [
        { url: "https://c.example/v0", weight: 60 },
        { url: "https://c.example/v1", weight: 40 },
      ],
      rules: [
        { name: "Germany", conditions: [{ type: "country", in: ["DE"] }], url: "https://c.example/de" },
        { name: "France", conditions: [{ type: "country", in: ["FR"] }], url: "https://c.example/fr" },
      ],
    });
    await create("D", { url: "https://d.example/", key: "an-d", domain: CUSTOM_DOMAIN });
    await create("E", { url: "https://e.example/", key: "an-e" });
    await create("X", { url: "https://x.example/", key: "an-x", tags: ["alpha"] }, other.apiKey);
    for (const view of Object.values(links)) for (const t of view.tags) if (view !== links.X) tagIds[t.name] = t.id;
    otherTagId = links.X.tags[0]!.id;

    events = generateEvents();
    ours = events.filter((e) => e.link !== "X");
    const clickEvents: Omit<ClickEvent, "ipNetwork">[] = events.map((e) => ({
      id: e.id,
      linkId: links[e.link].id,
      workspaceId: "ignored: ingest takes the workspace from the link",
      at: new Date(e.at).toISOString(),
      url: e.url,
      userAgent: e.isBot ? "Googlebot/2.1" : "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0",
      referrer: e.referrer,
      isBot: e.isBot,
      country: e.country,
      region: e.region,
      city: e.city,
      device: e.device,
      os: e.os,
      browser: e.browser,
      language: e.language,
      visitorId: e.visitorId,
      reason: e.reason,
      ruleIndex: e.ruleIndex,
      variantIndex: e.variantIndex,
    }));
    for (let i = 0; i < clickEvents.length; i += 400) {
      const result = await recordClicks(clickEvents.slice(i, i + 400));
      expect(result.accepted).toBe(Math.min(400, clickEvents.length - i));
    }
    // These days were closed before their clicks came (late clicks), which left the links' unique
    // counts stale; the compaction recounts them, so single links answer from their span counts
    // (the hourly path is what tags and domains read, and analytics-workspace-rollups checks both).
    const stale = async () => Number((await queryRows<{ n: unknown }>(testDb.database.db, sql`select count(*) as n from click_link_uniques_stale`))[0]?.n);
    expect(await stale()).toBeGreaterThan(100);
    await compactDailyRollups(testDb.database.db);
    expect(await stale()).toBe(0);
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  type Handler = (request: Request) => Promise<Response>;
  const call = (handler: Handler, path: string, query: Record<string, string>, key = owner.key) =>
    handler(apiRequest(`/api/v1/analytics${path}?${new URLSearchParams(query)}`, { key }));
  const json = async <T>(handler: Handler, path: string, query: Record<string, string>) => expectJson<T>(await call(handler, path, query), 200);

  /** The filters the matrix runs, each with the links it selects. */
  const FILTERS: { label: string; query: () => Record<string, string>; links: LinkName[] }[] = [
    { label: "whole workspace", query: () => ({}), links: ["A", "B", "C", "D", "E"] },
    { label: "linkId=A", query: () => ({ linkId: links.A.id }), links: ["A"] },
    { label: "linkId=C", query: () => ({ linkId: links.C.id }), links: ["C"] },
    { label: "tag alpha", query: () => ({ tagId: tagIds.alpha! }), links: ["A", "B"] },
    { label: "tag beta", query: () => ({ tagId: tagIds.beta! }), links: ["B", "C"] },
    { label: "custom domain", query: () => ({ domain: CUSTOM_DOMAIN }), links: ["B", "D"] },
    { label: "default domain + tag beta", query: () => ({ domain: DEFAULT_DOMAIN, tagId: tagIds.beta! }), links: ["C"] },
    { label: "linkId=D + tag alpha (disjoint)", query: () => ({ linkId: links.D.id, tagId: tagIds.alpha! }), links: [] },
  ];

  /** Ranges in local dates; each spans DST changes of New York and Berlin. */
  const DAY_RANGES = [
    { from: "2025-03-01", to: "2025-04-05" },
    { from: "2025-10-19", to: "2025-11-08" },
  ];

  const selected = (range: { start: number; end: number }, names: LinkName[], includeBots: boolean) =>
    ours.filter((e) => names.includes(e.link) && e.at >= range.start && e.at < range.end && included(e, includeBots));

  test("the seed is what the matrix needs", () => {
    expect(events.length).toBeGreaterThan(3000);
    // Bots, uncounted humans, visitor-less clicks, old variant indexes and unknown values all occur.
    expect(ours.filter((e) => e.isBot).length).toBeGreaterThan(200);
    expect(ours.filter((e) => !e.isBot && !counted(e)).length).toBeGreaterThan(100);
    expect(ours.filter((e) => e.variantIndex === 2).length).toBeGreaterThan(5);
    expect(ours.filter((e) => e.visitorId === null).length).toBeGreaterThan(100);
    expect(Object.keys(tagIds).sort()).toEqual(["alpha", "beta"]);
  });

  describe.each(ZONES)("in %s", (zone) => {
    describe.each(DAY_RANGES)("days $from .. $to", ({ from, to }) => {
      const range = () => ({ start: localMidnight(zone, from), end: localMidnight(zone, to) });
      const query = (extra: Record<string, string>) => ({ start: new Date(range().start).toISOString(), end: new Date(range().end).toISOString(), timezone: zone, ...extra });

      test.each(FILTERS.map((f) => [f.label, f] as const))("totals and daily timeseries: %s", async (_label, filter) => {
        for (const includeBots of [false, true]) {
          const q = query({ ...filter.query(), ...(includeBots ? { includeBots: "true" } : {}) });
          const picked = selected(range(), filter.links, includeBots);
          const bots = selected(range(), filter.links, true).filter((e) => e.isBot);

          const totals = await json<AnalyticsTotals>(getTotals, "", q);
          expect(totals, `totals ${JSON.stringify(q)}`).toEqual({
            start: `${from}T00:00:00${offsetOf(zone, range().start)}`,
            end: `${to}T00:00:00${offsetOf(zone, range().end)}`,
            timezone: zone,
            interval: "day",
            clicks: picked.length,
            uniques: distinctVisitors(picked),
            bots: bots.length,
          });

          const series = await json<AnalyticsTimeseries>(getTimeseries, "/timeseries", q);
          expect(series.start).toBe(totals.start);
          expect(series.end).toBe(totals.end);
          const days = Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY);
          expect(series.points).toHaveLength(days);
          const groups = byBucket(zone, "day", picked);
          for (const [index, point] of series.points.entries()) {
            // Each point starts at local midnight of consecutive dates, with that instant's offset.
            const date = new Date(Date.parse(`${from}T00:00:00Z`) + index * DAY).toISOString().slice(0, 10);
            expect(point.start).toBe(`${date}T00:00:00${offsetOf(zone, localMidnight(zone, date))}`);
            expect(Date.parse(point.start)).toBe(localMidnight(zone, date));
            const inBucket = groups.get(date) ?? [];
            expect(point, `${zone} ${date} ${filter.label} bots=${includeBots}`).toEqual({ start: point.start, clicks: inBucket.length, uniques: distinctVisitors(inBucket) });
          }
          expect(series.points.reduce((sum, p) => sum + p.clicks, 0)).toBe(totals.clicks);
        }
      });

      test.each(CLICK_DIMENSIONS)("top %s", async (dimension) => {
        for (const [filter, includeBots] of [
          [FILTERS[0]!, false],
          [FILTERS[0]!, true],
          [FILTERS[4]!, false],
        ] as const) {
          const picked = selected(range(), filter.links, includeBots);
          const tally = new Map<string, number>();
          for (const e of picked) tally.set(valueOf(e, dimension), (tally.get(valueOf(e, dimension)) ?? 0) + 1);
          const expected = [...tally].sort(([va, a], [vb, b]) => b - a || byValue(va, vb)).map(([value, clicks]) => ({ value: value === "" ? null : value, clicks }));

          const top = await json<AnalyticsTop>(getTop, "/top", query({ ...filter.query(), dimension, limit: "100", ...(includeBots ? { includeBots: "true" } : {}) }));
          expect(top.dimension).toBe(dimension);
          expect(top.clicks).toBe(picked.length);
          expect(top.rows.map(({ value, clicks }) => ({ value, clicks })), `${dimension} ${filter.label} bots=${includeBots}`).toEqual(expected);
          for (const row of top.rows) expect(row.share).toBeCloseTo(row.clicks / picked.length, 12);

          const top3 = await json<AnalyticsTop>(getTop, "/top", query({ ...filter.query(), dimension, limit: "3", ...(includeBots ? { includeBots: "true" } : {}) }));
          expect(top3.rows).toEqual(top.rows.slice(0, 3));
          expect(top3.clicks).toBe(picked.length);
        }
      });

      test("A/B results of the link with variants", async () => {
        for (const includeBots of [false, true]) {
          const picked = selected(range(), ["C"], includeBots).filter((e) => e.variantIndex !== null);
          const response = await json<AnalyticsVariants>(getVariants, "/variants", query({ linkId: links.C.id, ...(includeBots ? { includeBots: "true" } : {}) }));
          const variantUrls = ["https://c.example/v0", "https://c.example/v1", null];
          const weights = [60, 40, null];
          expect(response.linkId).toBe(links.C.id);
          expect(response.clicks).toBe(picked.length);
          expect(response.variants.map(({ share: _share, ...rest }) => rest)).toEqual(
            [0, 1, 2].map((index) => {
              const mine = picked.filter((e) => e.variantIndex === index);
              return { index, url: variantUrls[index], weight: weights[index], clicks: mine.length, uniques: distinctVisitors(mine) };
            }),
          );
          for (const v of response.variants) expect(v.share).toBeCloseTo(v.clicks / picked.length, 12);
        }
      });
    });

    const HOUR_RANGES = [
      { from: "2025-03-08", to: "2025-03-11" },
      { from: "2025-03-29", to: "2025-04-01" },
      { from: "2025-10-25", to: "2025-10-28" },
      { from: "2025-11-01", to: "2025-11-04" },
    ];

    test.each(HOUR_RANGES)("hourly timeseries $from .. $to, local hours across DST", async ({ from, to }) => {
      const start = localMidnight(zone, from);
      const end = localMidnight(zone, to);
      for (const [filter, includeBots] of [
        [FILTERS[0]!, false],
        [FILTERS[2]!, true],
        [FILTERS[5]!, false],
      ] as const) {
        const series = await json<AnalyticsTimeseries>(getTimeseries, "/timeseries", {
          start: new Date(start).toISOString(),
          end: new Date(end).toISOString(),
          timezone: zone,
          interval: "hour",
          ...filter.query(),
          ...(includeBots ? { includeBots: "true" } : {}),
        });
        // 72 local hours, minus one for a spring-forward day in range, plus one for a fall-back day.
        expect(series.points).toHaveLength(Math.round((end - start) / HOUR));
        const picked = selected({ start, end }, filter.links, includeBots);
        const starts = series.points.map((p) => Date.parse(p.start));
        for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBe(HOUR);
        const groups = byBucket(zone, "hour", picked);
        for (const point of series.points) {
          expect(point.start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00[+-]\d\d:\d\d$/);
          expect(point.start.slice(19)).toBe(offsetOf(zone, Date.parse(point.start)));
          const inBucket = groups.get(pointKey("hour", point.start)) ?? [];
          expect(point, `${zone} ${point.start} ${filter.label}`).toEqual({ start: point.start, clicks: inBucket.length, uniques: distinctVisitors(inBucket) });
        }
        expect(series.points.reduce((sum, p) => sum + p.clicks, 0)).toBe(picked.length);
      }
    });
  });

  describe("every source agrees: daily rollup, hourly rollup and raw clicks", () => {
    const from = Date.parse("2025-03-01T00:00:00Z");
    const to = Date.parse("2025-04-01T00:00:00Z");
    const PLANS: [string, SourcePlan][] = [
      ["daily", { days: [{ from, to }], hours: [], raw: [] }],
      ["hourly", { days: [], hours: [{ from, to }], raw: [] }],
      ["raw", { days: [], hours: [], raw: [{ from, to }] }],
      // Several ranges per source (the width_bucket and unnest forms), together covering the month.
      [
        "mixed",
        {
          days: [{ from, to: from + 3 * DAY }, { from: from + 10 * DAY, to: from + 12 * DAY }],
          hours: [{ from: from + 3 * DAY, to: from + 5 * DAY }, { from: from + 12 * DAY, to: from + 20 * DAY }],
          raw: [{ from: from + 5 * DAY, to: from + 10 * DAY }, { from: from + 20 * DAY, to }],
        },
      ],
      // Over 100 ranges per source (the LATERAL form for raw clicks): 2-hour slices, alternating.
      [
        "fragmented",
        {
          days: [],
          hours: Array.from({ length: 186 }, (_, i) => ({ from: from + i * 4 * HOUR, to: from + (i * 4 + 2) * HOUR })),
          raw: Array.from({ length: 186 }, (_, i) => ({ from: from + (i * 4 + 2) * HOUR, to: from + (i + 1) * 4 * HOUR })),
        },
      ],
    ];
    test("the plans cover the month exactly", () => {
      for (const [, plan] of PLANS) {
        const all = [...plan.days, ...plan.hours, ...plan.raw].sort((a, b) => a.from - b.from);
        expect(all.reduce((sum, r) => sum + (r.to - r.from), 0)).toBe(to - from);
        for (let i = 1; i < all.length; i++) expect(all[i]!.from).toBe(all[i - 1]!.to);
      }
      expect(PLANS.at(-1)![1].raw.length).toBeGreaterThan(100);
    });

    test.each([...CLICK_DIMENSIONS, "all"] as const)("%s", async (dimension) => {
      for (const includeBots of [false, true]) {
        const picked = selected({ start: from, end: to }, ["A", "B", "C", "D", "E"], includeBots);
        const expected: Record<string, number> = {};
        for (const e of picked) {
          const value = dimension === "all" ? "" : valueOf(e, dimension);
          expected[value] = (expected[value] ?? 0) + 1;
        }
        for (const [label, plan] of PLANS) {
          const rows = await queryRows<{ value: string; clicks: unknown }>(
            testDb.database.db,
            sql`select s.value, sum(s.clicks) as clicks from (${clickRows(plan, { workspaceId: owner.workspaceId }, dimension, includeBots)}) s group by s.value`,
          );
          expect(Object.fromEntries(rows.map((row) => [row.value, Number(row.clicks)])), `${label} bots=${includeBots}`).toEqual(expected);
        }
      }
    });

    test("distinct visitors, per variant too, from the hourly table and from raw clicks", async () => {
      for (const includeBots of [false, true]) {
        const picked = selected({ start: from, end: to }, ["A", "B", "C", "D", "E"], includeBots);
        const expected: Record<string, number> = {};
        for (const index of [-1, 0, 1, 2]) expected[index] = distinctVisitors(picked.filter((e) => (e.variantIndex ?? -1) === index));
        for (const [label, plan] of PLANS.filter(([, p]) => p.days.length === 0)) {
          const rows = await queryRows<{ variant_index: number; uniques: unknown }>(
            testDb.database.db,
            sql`select s.variant_index, count(distinct s.visitor_id) as uniques from (${visitorRows(plan, { workspaceId: owner.workspaceId }, includeBots)}) s group by 1`,
          );
          expect(Object.fromEntries(rows.map((row) => [row.variant_index, Number(row.uniques)])), `${label} bots=${includeBots}`).toEqual(expected);
        }
      }
    });
  });

  describe("DST and zone shapes", () => {
    const hours = async (zone: string, date: string, next: string) =>
      json<AnalyticsTimeseries>(getTimeseries, "/timeseries", {
        start: new Date(localMidnight(zone, date)).toISOString(),
        end: new Date(localMidnight(zone, next)).toISOString(),
        timezone: zone,
        interval: "hour",
      });

    test("New York: 23 local hours on 2025-03-09 (no 02:00), 25 on 2025-11-02 (01:00 twice)", async () => {
      const spring = await hours("America/New_York", "2025-03-09", "2025-03-10");
      expect(spring.points.map((p) => p.start.slice(11))).toEqual([
        "00:00:00-05:00",
        "01:00:00-05:00",
        ...Array.from({ length: 21 }, (_, i) => `${String(i + 3).padStart(2, "0")}:00:00-04:00`),
      ]);
      const fall = await hours("America/New_York", "2025-11-02", "2025-11-03");
      expect(fall.points).toHaveLength(25);
      expect(fall.points.slice(0, 4).map((p) => p.start.slice(11))).toEqual(["00:00:00-04:00", "01:00:00-04:00", "01:00:00-05:00", "02:00:00-05:00"]);
      // The edge clicks at 01:30 EDT and 01:30 EST land in different buckets.
      const hourFrom = (iso: string) => selected({ start: Date.parse(iso), end: Date.parse(iso) + HOUR }, ["A", "B", "C", "D", "E"], false).length;
      expect(fall.points[1]!.clicks).toBe(hourFrom("2025-11-02T05:00:00Z"));
      expect(fall.points[2]!.clicks).toBe(hourFrom("2025-11-02T06:00:00Z"));
      expect(fall.points[1]!.clicks).toBeGreaterThan(0);
      expect(fall.points[2]!.clicks).toBeGreaterThan(0);
    });

    test("Berlin: 23 hours on 2025-03-30, 25 on 2025-10-26; daily points start at local midnight", async () => {
      expect((await hours("Europe/Berlin", "2025-03-30", "2025-03-31")).points).toHaveLength(23);
      expect((await hours("Europe/Berlin", "2025-10-26", "2025-10-27")).points).toHaveLength(25);
      const days = await json<AnalyticsTimeseries>(getTimeseries, "/timeseries", { start: "2025-03-29T00:00:00+01:00", end: "2025-04-01T00:00:00+02:00", timezone: "Europe/Berlin" });
      expect(days.points.map((p) => p.start)).toEqual(["2025-03-29T00:00:00+01:00", "2025-03-30T00:00:00+01:00", "2025-03-31T00:00:00+02:00"]);
    });

    test("Kolkata: hours start at half past UTC; days at 18:30 UTC", async () => {
      const day = await hours("Asia/Kolkata", "2025-03-06", "2025-03-07");
      expect(day.points).toHaveLength(24);
      expect(new Date(Date.parse(day.points[0]!.start)).toISOString()).toBe("2025-03-05T18:30:00.000Z");
      expect(new Date(Date.parse(day.points[1]!.start)).toISOString()).toBe("2025-03-05T19:30:00.000Z");
      // Three clicks exactly at Kolkata midnight belong to the new day; three a millisecond before do not.
      expect(day.points[0]!.clicks).toBe(ours.filter((e) => e.at >= Date.parse("2025-03-05T18:30:00Z") && e.at < Date.parse("2025-03-05T19:30:00Z") && included(e, false)).length);
    });

    test("the range is widened to whole buckets in the zone", async () => {
      const totals = await json<AnalyticsTotals>(getTotals, "", { start: "2025-03-09T15:17:00Z", end: "2025-03-10T12:00:00Z", timezone: "America/New_York" });
      expect(totals.start).toBe("2025-03-09T00:00:00-05:00");
      expect(totals.end).toBe("2025-03-11T00:00:00-04:00");
      const range = { start: Date.parse("2025-03-09T05:00:00Z"), end: Date.parse("2025-03-11T04:00:00Z") };
      expect(totals.clicks).toBe(selected(range, ["A", "B", "C", "D", "E"], false).length);
      const hourly = await json<AnalyticsTotals>(getTotals, "", { start: "2025-03-09T15:17:00Z", end: "2025-03-09T18:00:00Z", interval: "hour", timezone: "Asia/Kathmandu" });
      // Kathmandu is UTC+5:45: local hours start at :15 past the UTC hour.
      expect(hourly.start).toBe("2025-03-09T21:00:00+05:45");
      expect(hourly.end).toBe("2025-03-10T00:00:00+05:45");
      expect(hourly.clicks).toBe(selected({ start: Date.parse("2025-03-09T15:15:00Z"), end: Date.parse("2025-03-09T18:15:00Z") }, ["A", "B", "C", "D", "E"], false).length);
    });

    test("the default range: the 30 days before now, widened to whole UTC days", async () => {
      const before = Date.now();
      const totals = await json<AnalyticsTotals>(getTotals, "", {});
      const series = await json<AnalyticsTimeseries>(getTimeseries, "/timeseries", {});
      expect(totals).toMatchObject({ timezone: "UTC", interval: "day", clicks: 0, uniques: 0, bots: 0 });
      const end = Date.parse(totals.end);
      expect(end).toBeGreaterThan(before);
      expect(end - before).toBeLessThanOrEqual(DAY);
      expect(Date.parse(totals.start)).toBe(Math.floor((before - 30 * DAY) / DAY) * DAY);
      expect(series.points.length).toBeGreaterThanOrEqual(30);
      expect(series.points.length).toBeLessThanOrEqual(32);
      expect(series.points.every((p) => p.clicks === 0 && p.uniques === 0)).toBe(true);
    });
  });

  describe("CSV export", () => {
    const exportRows = async (query: Record<string, string>) => {
      const response = await call(getExport, "/export", query);
      const text = await response.text();
      expect(response.status, text.slice(0, 500)).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="signpost-clicks-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.csv"$/);
      const [header, ...rows] = parseCsv(text);
      expect(header).toEqual([...EXPORT_COLUMNS]);
      return rows.map((row) => Object.fromEntries(header!.map((name, i) => [name, row[i]])) as Record<(typeof EXPORT_COLUMNS)[number], string>);
    };
    const expectedRows = (picked: Event[]) =>
      [...picked]
        .sort((a, b) => a.at - b.at || byValue(a.id, b.id))
        .map((e) => ({
          id: e.id,
          link_id: links[e.link].id,
          domain: links[e.link].domain,
          key: links[e.link].key,
          clicked_at: new Date(e.at).toISOString(),
          url: e.url,
          country: e.country ?? "",
          region: formulaSafe(valueOf(e, "region")),
          city: formulaSafe(e.city ?? ""),
          device: e.device ?? "",
          os: e.os ?? "",
          browser: e.browser ?? "",
          referrer: formulaSafe(e.referrer ?? ""),
          language: e.language ?? "",
          reason: e.reason ?? "",
          rule: e.ruleIndex === null ? "" : String(e.ruleIndex),
          variant: e.variantIndex === null ? "" : String(e.variantIndex),
          is_bot: String(e.isBot),
        }));

    test("every stored click of the range, any reason, people only by default, oldest first", async () => {
      const start = Date.parse("2025-03-01T00:00:00Z");
      const end = Date.parse("2025-04-01T00:00:00Z");
      const rows = await exportRows({ start: "2025-03-01T00:00:00Z", end: "2025-04-01T00:00:00Z" });
      const picked = ours.filter((e) => e.at >= start && e.at < end && !e.isBot);
      expect(picked.length).toBeGreaterThan(1000);
      expect(rows).toEqual(expectedRows(picked));
      // The formula guard did something: these cells start with a quote.
      expect(rows.some((row) => row.city === "'=SUM(1+1)")).toBe(true);
      expect(rows.some((row) => row.city === 'Saint "Q", X')).toBe(true);
    });

    test("with bots, a link filter, a tag filter and a domain filter; exact range edges", async () => {
      const start = Date.parse("2025-03-09T05:00:00Z");
      const end = Date.parse("2025-11-02T06:30:00Z");
      const iso = { start: "2025-03-09T00:00:00-05:00", end: "2025-11-02T01:30:00-05:00" };
      const inRange = (e: Event) => e.at >= start && e.at < end;
      expect(await exportRows({ ...iso, includeBots: "true", linkId: links.C.id })).toEqual(expectedRows(ours.filter((e) => inRange(e) && e.link === "C")));
      expect(await exportRows({ ...iso, tagId: tagIds.alpha! })).toEqual(expectedRows(ours.filter((e) => inRange(e) && !e.isBot && ["A", "B"].includes(e.link))));
      expect(await exportRows({ ...iso, domain: CUSTOM_DOMAIN, includeBots: "true" })).toEqual(expectedRows(ours.filter((e) => inRange(e) && ["B", "D"].includes(e.link))));
      const all = await exportRows({ start: "2025-01-01T00:00:00Z", end: "2026-01-01T00:00:00Z", includeBots: "true" });
      expect(all).toEqual(expectedRows(ours));
    });

    test("keyset pages: small pages, ties on the same instant across page edges, one page at a time", async () => {
      // The seed is smaller than a real page (5,000), so page through it 7 rows at a time; the edge
      // instants hold three clicks each, so ties straddle page edges.
      const { stream } = await exportClicks(
        { db: testDb.database.db, workspaceId: owner.workspaceId },
        { start: "2025-01-01T00:00:00Z", end: "2026-01-01T00:00:00Z", includeBots: true },
        { pageSize: 7 },
      );
      const reader = stream.getReader();
      const decoder = new TextDecoder();
      let text = "";
      let chunks = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks++;
        const piece = decoder.decode(value, { stream: true });
        // The header comes with the first page; every later chunk is one page of at most 7 records.
        if (chunks > 1) expect(parseCsv(piece).length).toBeLessThanOrEqual(7);
        text += piece;
      }
      expect(chunks).toBeGreaterThan(ours.length / 7);
      const [header, ...rows] = parseCsv(text);
      const records = rows.map((row) => Object.fromEntries(header!.map((name, i) => [name, row[i]])));
      expect(records).toEqual(expectedRows(ours));
    });

    test("an empty range is just the header", async () => {
      expect(await exportRows({ start: "2024-01-01T00:00:00Z", end: "2024-02-01T00:00:00Z" })).toEqual([]);
    });
  });

  describe("workspaces and scopes", () => {
    test("another workspace's clicks never show; its link and tag ids are 404 not_found", async () => {
      const range = { start: "2025-01-01T00:00:00Z", end: "2026-01-01T00:00:00Z" };
      const theirs = await expectJson<AnalyticsTotals>(await getTotals(apiRequest(`/api/v1/analytics?${new URLSearchParams(range)}`, { key: other.apiKey })), 200);
      expect(theirs.clicks).toBe(events.filter((e) => e.link === "X" && included(e, false)).length);
      expect(theirs.bots).toBe(events.filter((e) => e.link === "X" && e.isBot).length);

      const cases: [Handler, string, Record<string, string>, string][] = [
        [getTotals, "", { linkId: links.X.id }, "linkId"],
        [getTimeseries, "/timeseries", { linkId: links.X.id }, "linkId"],
        [getTop, "/top", { dimension: "country", tagId: otherTagId }, "tagId"],
        [getVariants, "/variants", { linkId: links.X.id }, "linkId"],
        [getExport, "/export", { linkId: links.X.id }, "linkId"],
        [getExport, "/export", { tagId: otherTagId }, "tagId"],
        [getTotals, "", { linkId: "lnk_does_not_exist" }, "linkId"],
        [getTotals, "", { tagId: "tag_does_not_exist" }, "tagId"],
      ];
      for (const [handler, path, query, field] of cases) {
        await expectApiError(await call(handler, path, { ...range, ...query }), 404, "not_found", field);
      }
      // An unknown domain is not an error, just no clicks (like the links list's filter).
      expect((await json<AnalyticsTotals>(getTotals, "", { ...range, domain: "nobody.example" })).clicks).toBe(0);
    });

    test("a key without analytics:read gets 403 insufficient_scope; no key gets 401", async () => {
      const { key } = await createKey(owner.workspaceId, owner.userId, ["links:read", "tags:read"]);
      const endpoints: [Handler, string, Record<string, string>][] = [
        [getTotals, "", {}],
        [getTimeseries, "/timeseries", {}],
        [getTop, "/top", { dimension: "country" }],
        [getVariants, "/variants", { linkId: links.C.id }],
        [getExport, "/export", {}],
      ];
      for (const [handler, path, query] of endpoints) {
        const error = await expectApiError(await call(handler, path, query, key), 403, "insufficient_scope");
        expect(error.message).toContain("analytics:read");
        await expectApiError(await handler(apiRequest(`/api/v1/analytics${path}`)), 401, "unauthorized");
      }
      const { key: analyticsOnly } = await createKey(owner.workspaceId, owner.userId, ["analytics:read"]);
      expect((await call(getTotals, "", {}, analyticsOnly)).status).toBe(200);
    });
  });

  describe("bad query parameters: 422 validation_failed naming the parameter", () => {
    const BAD: [string, Handler, string, () => Record<string, string>, string][] = [
      ["start not a date-time", getTotals, "", () => ({ start: "yesterday" }), "start"],
      ["start without time", getTotals, "", () => ({ start: "2025-03-01" }), "start"],
      ["end not a date-time", getTimeseries, "/timeseries", () => ({ end: "2025-13-01T00:00:00Z" }), "end"],
      ["end before start", getTotals, "", () => ({ start: "2025-03-02T00:00:00Z", end: "2025-03-01T00:00:00Z" }), "end"],
      ["end equal to start", getTimeseries, "/timeseries", () => ({ start: "2025-03-02T00:00:00Z", end: "2025-03-02T00:00:00Z" }), "end"],
      ["start in the future without end", getTotals, "", () => ({ start: "2999-01-01T00:00:00Z" }), "start"],
      ["more than three years", getTotals, "", () => ({ start: "2020-01-01T00:00:00Z", end: "2025-01-01T00:00:00Z" }), "start"],
      ["unknown time zone", getTimeseries, "/timeseries", () => ({ timezone: "Mars/Olympus_Mons" }), "timezone"],
      ["offset instead of a zone", getTotals, "", () => ({ timezone: "+05:30" }), "timezone"],
      ["unknown interval", getTimeseries, "/timeseries", () => ({ interval: "week" }), "interval"],
      ["hourly over 60 days", getTimeseries, "/timeseries", () => ({ interval: "hour", start: "2025-01-01T00:00:00Z", end: "2025-03-02T00:00:00Z" }), "interval"],
      ["includeBots not a boolean", getTotals, "", () => ({ includeBots: "yes" }), "includeBots"],
      ["empty linkId", getTotals, "", () => ({ linkId: "" }), "linkId"],
      ["bad domain", getTimeseries, "/timeseries", () => ({ domain: "not a host" }), "domain"],
      ["unknown parameter", getTotals, "", () => ({ foo: "bar" }), "foo"],
      ["top without dimension", getTop, "/top", () => ({}), "dimension"],
      ["top unknown dimension", getTop, "/top", () => ({ dimension: "planet" }), "dimension"],
      ["top limit 0", getTop, "/top", () => ({ dimension: "country", limit: "0" }), "limit"],
      ["top limit 101", getTop, "/top", () => ({ dimension: "country", limit: "101" }), "limit"],
      ["top limit not a number", getTop, "/top", () => ({ dimension: "country", limit: "ten" }), "limit"],
      ["variants without linkId", getVariants, "/variants", () => ({}), "linkId"],
      ["variants with a tag filter", getVariants, "/variants", () => ({ linkId: links.C.id, tagId: tagIds.beta! }), "tagId"],
      ["export with an interval", getExport, "/export", () => ({ interval: "day" }), "interval"],
      ["export with a time zone", getExport, "/export", () => ({ timezone: "UTC" }), "timezone"],
      ["export over three years", getExport, "/export", () => ({ start: "2020-01-01T00:00:00Z", end: "2025-01-01T00:00:00Z" }), "start"],
    ];
    test.each(BAD.map(([label, ...rest]) => [label, ...rest] as const))("%s", async (_label, handler, path, query, field) => {
      await expectApiError(await call(handler, path, query()), 422, "validation_failed", field);
    });

    test("a repeated parameter", async () => {
      await expectApiError(await getTotals(apiRequest("/api/v1/analytics?timezone=UTC&timezone=UTC", { key: owner.key })), 422, "validation_failed", "timezone");
    });
  });
});
