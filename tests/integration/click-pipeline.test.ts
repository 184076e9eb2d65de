/**
 * The click pipeline on real databases and (when TEST_REDIS_URL is set; CI sets it) a real Redis:
 * rollups and uniques derived exactly once from duplicated and reordered batches, enrichment on
 * Node, the Redis stream with its consumer group (claims from a dead consumer, dead letters, a
 * database outage), the fallback to Postgres when Redis is down, and 503 when the database is.
 */
import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CLICK_DIMENSIONS, TOTAL_DIMENSION } from "@/core/analytics";
import { COUNTED_REASONS } from "@/core/link";
import { ApiError } from "@/server/api/errors";
import { enrichClick, geoDatabase, type StoredClick } from "@/server/clicks/enrich";
import { dimensionValue, recordClicks } from "@/server/clicks/ingest";
import { createClickIngest, ingestCounters } from "@/server/clicks/pipeline";
import { clickStreamKeys, clickStreamStats, ensureClickGroup, startClickConsumer, type ClickStreamKeys } from "@/server/clicks/stream";
import { ARRAY_LITERAL_BUDGET } from "@/server/db/pg-array";
import * as schema from "@/server/db/schema";
import { pruneClicks } from "@/server/jobs/prune-clicks";
import { click, clickRollupDay, clickRollupHour, clickVisitorHour, link, organization } from "@/server/db/schema";
import { backends, type TestDatabase } from "../support/databases";
import { openTestDatabase, sleep } from "../support/integration-helpers";

const REDIS_URL = process.env.TEST_REDIS_URL || undefined;
const WORKSPACE = "org_pipeline";
const COUNTRIES = ["DE", "US", "FR", null] as const;
const DEVICES = ["desktop", "mobile", null] as const;
const REASONS = ["destination", "rule", "variant", "password_required", "expired_url", null] as const;

/** A deterministic pseudo-random generator, so a failure reproduces. */
function rng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!;
}

/** `n` varied clicks on `linkIds` across three days. */
function makeClicks(linkIds: string[], n: number, seed: number): StoredClick[] {
  const random = rng(seed);
  const start = Date.parse("2025-06-01T00:00:00Z");
  return Array.from({ length: n }, () => {
    const reason = pick(random, REASONS);
    return {
      id: randomUUID(),
      linkId: pick(random, linkIds),
      workspaceId: WORKSPACE,
      at: new Date(start + Math.floor(random() * 3 * 86_400_000)).toISOString(),
      url: "https://example.com/",
      userAgent: null, // so enrichment (which parses UAs) leaves the generated facts as they are
      referrer: random() < 0.5 ? "news.example" : null,
      isBot: random() < 0.15,
      country: pick(random, COUNTRIES),
      region: random() < 0.3 ? "BY" : null,
      city: null,
      device: pick(random, DEVICES),
      os: null,
      browser: random() < 0.5 ? "Firefox" : "Chrome",
      language: "en",
      visitorId: `v${Math.floor(random() * 40)}`,
      reason,
      ruleIndex: reason === "rule" ? Math.floor(random() * 2) : null,
      variantIndex: reason === "variant" ? Math.floor(random() * 2) : null,
    };
  });
}

const counted = (c: StoredClick) => c.reason === null || (COUNTED_REASONS as readonly string[]).includes(c.reason);

/** What the rollups must say, computed from the events alone. */
function expectedRollups(events: StoredClick[], bucketMs: number): Map<string, number> {
  const expected = new Map<string, number>();
  const add = (key: string) => expected.set(key, (expected.get(key) ?? 0) + 1);
  for (const e of events) {
    if (!e.isBot && !counted(e)) continue;
    const bucket = new Date(Math.floor(Date.parse(e.at) / bucketMs) * bucketMs).toISOString();
    const row = { country: e.country, region: e.region, city: e.city, device: e.device, os: e.os, browser: e.browser, referrer: e.referrer, language: e.language, ruleIndex: e.ruleIndex, variantIndex: e.variantIndex };
    add(`${e.linkId}|${bucket}|${TOTAL_DIMENSION}||${e.isBot}`);
    // Sparse: an unknown value ("") has no row; readers derive it from the total.
    for (const d of CLICK_DIMENSIONS) if (dimensionValue(row, d) !== "") add(`${e.linkId}|${bucket}|${d}|${dimensionValue(row, d)}|${e.isBot}`);
  }
  return expected;
}

describe.each(backends())("click pipeline on %s", (backend) => {
  let testDb: TestDatabase;
  let serial = 0;
  const db = () => testDb.database.db;

  beforeAll(async () => {
    testDb = await openTestDatabase(backend);
    await db().insert(organization).values({ id: WORKSPACE, name: "Pipeline", slug: "pipeline" });
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  async function newLinks(n: number): Promise<string[]> {
    const ids = Array.from({ length: n }, () => `lnk_pipe_${++serial}`);
    await db().insert(link).values(ids.map((id) => ({ id, workspaceId: WORKSPACE, domain: "localhost:3000", key: id, url: "https://example.com/" })));
    return ids;
  }

  async function rollupsOf(table: typeof clickRollupHour | typeof clickRollupDay, linkIds: string[]): Promise<Map<string, number>> {
    const rows = await db().select().from(table).where(sql`${table.linkId} in ${linkIds}`);
    return new Map(rows.map((r) => [`${r.linkId}|${r.bucket.toISOString()}|${r.dimension}|${r.value}|${r.isBot}`, r.clicks]));
  }

  async function linkCounts(linkIds: string[]): Promise<Map<string, number>> {
    const rows = await db().select({ id: link.id, clicks: link.clicks }).from(link).where(sql`${link.id} in ${linkIds}`);
    return new Map(rows.map((r) => [r.id, r.clicks]));
  }

  function expectedCounts(linkIds: string[], events: StoredClick[]): Map<string, number> {
    return new Map(linkIds.map((id) => [id, events.filter((e) => e.linkId === id && !e.isBot && counted(e)).length]));
  }

  async function expectExactlyOnce(linkIds: string[], events: StoredClick[]): Promise<void> {
    expect(await linkCounts(linkIds)).toEqual(expectedCounts(linkIds, events));
    expect(await rollupsOf(clickRollupHour, linkIds)).toEqual(expectedRollups(events, 3_600_000));
    expect(await rollupsOf(clickRollupDay, linkIds)).toEqual(expectedRollups(events, 86_400_000));
    const [stored] = await db().select({ n: sql<number>`count(*)::int` }).from(click).where(sql`${click.linkId} in ${linkIds}`);
    expect(stored!.n).toBe(events.length);
  }

  test("duplicated and reordered batches: counters, hourly and daily rollups count each click once", async () => {
    const linkIds = await newLinks(3);
    const events = makeClicks(linkIds, 600, 1);
    const batches = [events.slice(0, 250), events.slice(250, 450), events.slice(450)];
    // In order, then everything again shuffled and overlapping, then one batch twice at once.
    for (const batch of batches) await recordClicks(batch);
    const reordered = [...events].reverse();
    expect(await recordClicks(reordered.slice(0, 400))).toMatchObject({ accepted: 0, duplicates: 400 });
    const again = await Promise.all([recordClicks(batches[1]!), recordClicks(batches[1]!)]);
    expect(again.map((r) => r.accepted)).toEqual([0, 0]);
    await expectExactlyOnce(linkIds, events);
  });

  test("a round larger than one statement's chunk: every chunk is stored once, and visitor counts add up across chunks", async () => {
    // A workspace of its own: the daily visitor counts are per workspace.
    const workspace = "org_pipeline_chunks";
    await db().insert(organization).values({ id: workspace, name: "Chunks", slug: "pipeline-chunks" });
    const linkIds = Array.from({ length: 40 }, (_, i) => `lnk_chunks_${i}`);
    await db().insert(link).values(linkIds.map((id) => ({ id, workspaceId: workspace, domain: "localhost:3000", key: id, url: "https://example.com/" })));
    const random = rng(7);
    const events = makeClicks(linkIds, 6_000, 8).map((event) => ({ ...event, workspaceId: workspace, visitorId: `visitor-${Math.floor(random() * 3_000)}` }));
    // Each click costs at least 40 characters of its uuid column's literal: several chunks.
    expect(events.length * 40).toBeGreaterThan(2 * ARRAY_LITERAL_BUDGET);
    const first = await recordClicks(events.slice(0, 4_500));
    // Overlapping and re-sent: only the 1,500 new ones count.
    const second = await recordClicks([...events.slice(3_000)].reverse());
    expect([first.accepted, second.accepted, second.duplicates]).toEqual([4_500, 1_500, 1_500]);
    await expectExactlyOnce(linkIds, events);

    // The visitor sets and their counts, from the events alone: clicks rolled up (bots, and people
    // who reached a destination) join the day's set with bots; people also the set without.
    const members = new Map<string, { day: string; withBots: boolean; first: number; last: number }>();
    for (const e of events) {
      if (!e.visitorId || (!e.isBot && !counted(e))) continue;
      const at = Date.parse(e.at);
      const day = new Date(Math.floor(at / 86_400_000) * 86_400_000).toISOString();
      const hour = new Date(at).getUTCHours();
      for (const withBots of e.isBot ? [true] : [true, false]) {
        const key = `${day}|${withBots}|${e.visitorId}`;
        const member = members.get(key);
        if (!member) members.set(key, { day, withBots, first: hour, last: hour });
        else members.set(key, { ...member, first: Math.min(member.first, hour), last: Math.max(member.last, hour) });
      }
    }
    const tally = (keyOf: (m: { day: string; withBots: boolean; first: number; last: number }) => string) => {
      const counts = new Map<string, number>();
      for (const m of members.values()) counts.set(keyOf(m), (counts.get(keyOf(m)) ?? 0) + 1);
      return counts;
    };
    const days = await db().execute(sql`select day, with_bots, visitors from click_uniques_day where workspace_id = ${workspace}`);
    const spans = await db().execute(sql`select day, with_bots, first_hour, last_hour, visitors from click_uniques_span where workspace_id = ${workspace} and visitors <> 0`);
    type Row = { day: Date | string; with_bots: boolean; first_hour?: number; last_hour?: number; visitors: number | string };
    const rowsOf = (result: unknown) => (result as { rows: Row[] }).rows;
    const iso = (day: Date | string) => new Date(day).toISOString();
    expect(new Map(rowsOf(days).map((r) => [`${iso(r.day)}|${r.with_bots}`, Number(r.visitors)]))).toEqual(tally((m) => `${m.day}|${m.withBots}`));
    expect(new Map(rowsOf(spans).map((r) => [`${iso(r.day)}|${r.with_bots}|${r.first_hour}|${r.last_hour}`, Number(r.visitors)]))).toEqual(
      tally((m) => `${m.day}|${m.withBots}|${m.first}|${m.last}`),
    );
  });

  test("unique visitors: one row per link, hour, visitor, bot flag and variant", async () => {
    const [linkId] = await newLinks(1);
    const at = "2025-06-02T10:15:00.000Z";
    const base = makeClicks([linkId!], 1, 2)[0]!;
    const human = { ...base, isBot: false, reason: "destination", variantIndex: null };
    const clicks: StoredClick[] = [
      { ...human, id: randomUUID(), at, visitorId: "a" },
      { ...human, id: randomUUID(), at: "2025-06-02T10:50:00.000Z", visitorId: "a" },
      { ...human, id: randomUUID(), at, visitorId: "b" },
      { ...human, id: randomUUID(), at: "2025-06-02T11:05:00.000Z", visitorId: "a" },
      { ...human, id: randomUUID(), at, visitorId: "c", reason: "variant", variantIndex: 1 },
      { ...human, id: randomUUID(), at, visitorId: "d", reason: "password_required" },
      { ...human, id: randomUUID(), at, visitorId: null },
    ];
    await recordClicks(clicks);
    const rows = await db().select().from(clickVisitorHour).where(eq(clickVisitorHour.linkId, linkId!));
    const seen = rows.map((r) => `${r.bucket.toISOString().slice(11, 13)}:${r.visitorId}:${r.variantIndex}`).sort();
    // "d" only saw a password form: not a visit that reached anything, so not a unique.
    expect(seen).toEqual(["10:a:-1", "10:b:-1", "10:c:1", "11:a:-1"]);
  });

  test("enrichment: country from the GeoIP database by network, UA facts filled, referrer reduced to its host", async () => {
    const geo = geoDatabase();
    expect(geo.country("8.8.8.0")).toBe("US");
    expect(geo.country("2a00:1450:4001::")).toMatch(/^[A-Z]{2}$/);
    expect(geo.country("10.0.0.0")).toBeNull();
    expect(geo.country("not an ip")).toBeNull();
    const [linkId] = await newLinks(1);
    const incoming = {
      ...(makeClicks([linkId!], 1, 3)[0] as StoredClick),
      country: null,
      device: null,
      os: null,
      browser: null,
      userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
      referrer: "https://News.Example.com/path?q=1",
      ipNetwork: "8.8.8.0",
    };
    const enriched = enrichClick(incoming, geo);
    expect(enriched).toMatchObject({ country: "US", device: "mobile", os: "iOS", browser: "Safari", referrer: "news.example.com" });
    expect(enriched).not.toHaveProperty("ipNetwork");
    // A country the edge already knew is never overwritten by the lookup.
    expect(enrichClick({ ...incoming, country: "FR" }, geo).country).toBe("FR");
  });

  test("ingest without Redis commits before answering; with the database down it answers 503", async () => {
    const [linkId] = await newLinks(1);
    const events = makeClicks([linkId!], 20, 4).map((e) => ({ ...e, ipNetwork: null }));
    const ingest = createClickIngest({ redis: null, keys: clickStreamKeys("unused:"), geo: geoDatabase() });
    expect(await ingest(events)).toMatchObject({ mode: "stored", accepted: 20, fallback: false });
    // What was stored is what enrichment made of the events (e.g. the device read from the UA).
    await expectExactlyOnce([linkId!], events.map((e) => enrichClick(e, geoDatabase())));

    // A real driver against a port nothing listens on: the connection is refused.
    const pool = new pg.Pool({ connectionString: "postgres://postgres@127.0.0.1:1/nothing", connectionTimeoutMillis: 1_000 });
    try {
      const down = createClickIngest({ redis: null, keys: clickStreamKeys("unused:"), geo: geoDatabase(), db: drizzle(pool, { schema }) });
      const before = ingestCounters.unavailable;
      const error = await down(events).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ code: "unavailable", status: 503 });
      expect(ingestCounters.unavailable).toBe(before + 1);
    } finally {
      await pool.end();
    }
  });

  describe.skipIf(!REDIS_URL)("with the Redis click stream", () => {
    let redis: Redis;
    let keys: ClickStreamKeys;
    const consumers: { stop(): Promise<void> }[] = [];

    beforeAll(async () => {
      redis = new Redis(REDIS_URL!);
    });
    afterAll(async () => {
      await Promise.all(consumers.map((c) => c.stop()));
      redis?.disconnect();
    });

    async function freshKeys(): Promise<ClickStreamKeys> {
      keys = clickStreamKeys(`test-pipeline-${backend}-${randomUUID()}:`);
      await ensureClickGroup(redis, keys);
      return keys;
    }

    function consumer(options: Partial<Parameters<typeof startClickConsumer>[0]> = {}) {
      return startClickConsumer({
        redisUrl: REDIS_URL!,
        keys,
        store: (clicks) => recordClicks(clicks, db()),
        blockMs: 100,
        log: () => {},
        ...options,
      }).then((c) => {
        consumers.push(c);
        return c;
      });
    }

    async function drained(timeoutMs = 20_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const stats = await clickStreamStats(redis, keys);
        if (stats.length === 0 && stats.pending === 0) return;
        if (Date.now() > deadline) throw new Error(`stream not drained: ${JSON.stringify(stats)}`);
        await sleep(50);
      }
    }

    test("queued batches, duplicated and reordered, are stored exactly once by two consumers, then deleted from the stream", async () => {
      await freshKeys();
      const linkIds = await newLinks(4);
      const events = makeClicks(linkIds, 2_000, 5);
      const ingest = createClickIngest({ redis, keys, geo: geoDatabase(), db: db() });
      const batches: StoredClick[][] = [];
      for (let i = 0; i < events.length; i += 250) batches.push(events.slice(i, i + 250));
      for (const batch of [...batches, ...batches.slice(0, 3).reverse()]) {
        expect(await ingest(batch.map((e) => ({ ...e, ipNetwork: null })))).toEqual({ mode: "queued", clicks: batch.length });
      }
      const [a, b] = await Promise.all([consumer(), consumer()]);
      await drained();
      await expectExactlyOnce(linkIds, events);
      expect(a.stats().clicks + b.stats().clicks).toBe(events.length + 750);
      expect(a.stats().accepted + b.stats().accepted).toBe(events.length);
      expect((await clickStreamStats(redis, keys)).deadLetters).toBe(0);
      await Promise.all([a.stop(), b.stop()]);
    });

    test("a round waits lingerMs for more entries: batches arriving meanwhile are stored in the same transaction", async () => {
      await freshKeys();
      const linkIds = await newLinks(2);
      const events = makeClicks(linkIds, 400, 8);
      const ingest = createClickIngest({ redis, keys, geo: geoDatabase(), db: db() });
      const lingering = await consumer({ lingerMs: 1_500 });
      // The first batch wakes the consumer's blocked read; the other three arrive while it lingers.
      await ingest(events.slice(0, 100).map((e) => ({ ...e, ipNetwork: null })));
      await sleep(300);
      for (let i = 100; i < 400; i += 100) await ingest(events.slice(i, i + 100).map((e) => ({ ...e, ipNetwork: null })));
      await drained();
      await expectExactlyOnce(linkIds, events);
      expect(lingering.stats()).toMatchObject({ batches: 1, clicks: 400, accepted: 400 });
      await lingering.stop();

      // lingerMs 0: each entry is its own round as soon as it is read.
      await freshKeys();
      const more = makeClicks(await newLinks(1), 200, 9);
      const eager = await consumer({ lingerMs: 0 });
      const ingestMore = createClickIngest({ redis, keys, geo: geoDatabase(), db: db() });
      await ingestMore(more.slice(0, 100).map((e) => ({ ...e, ipNetwork: null })));
      await sleep(500);
      await ingestMore(more.slice(100).map((e) => ({ ...e, ipNetwork: null })));
      await drained();
      expect(eager.stats()).toMatchObject({ batches: 2, clicks: 200 });
      await eager.stop();
    });

    test("a round gathers queued entries up to clicksPerRound clicks, whatever their size", async () => {
      const linkIds = await newLinks(2);
      const events = makeClicks(linkIds, 600, 10);
      const enqueue = async () => {
        await freshKeys();
        const ingest = createClickIngest({ redis, keys, geo: geoDatabase(), db: db() });
        for (let i = 0; i < 600; i += 100) await ingest(events.slice(i, i + 100).map((e) => ({ ...e, ipNetwork: null })));
      };
      // Two entries per read: 200 clicks, short of 250, so it reads two more and stores 400; then the last 200.
      await enqueue();
      const small = await consumer({ entriesPerBatch: 2, clicksPerRound: 250, lingerMs: 0 });
      await drained();
      expect(small.stats()).toMatchObject({ batches: 2, clicks: 600, accepted: 600 });
      await small.stop();
      await expectExactlyOnce(linkIds, events);

      // The default budget takes the whole backlog in one round, two entries at a time.
      await enqueue();
      const large = await consumer({ entriesPerBatch: 2, lingerMs: 0 });
      await drained();
      expect(large.stats()).toMatchObject({ batches: 1, clicks: 600, accepted: 0, duplicates: 600 });
      await large.stop();

      // An entry without its size (written by an older version) counts as a full batch (500).
      await freshKeys();
      for (let i = 0; i < 3; i++) await redis.xadd(keys.stream, "*", "b", JSON.stringify(events.slice(i * 10, i * 10 + 10)));
      const legacy = await consumer({ entriesPerBatch: 1, clicksPerRound: 400, lingerMs: 0 });
      await drained();
      expect(legacy.stats()).toMatchObject({ batches: 3, clicks: 30 });
      await legacy.stop();
    });

    test("entries taken by a consumer that died are claimed by another once idle", async () => {
      await freshKeys();
      const linkIds = await newLinks(2);
      const events = makeClicks(linkIds, 300, 6);
      const ingest = createClickIngest({ redis, keys, geo: geoDatabase(), db: db() });
      await ingest(events.slice(0, 150).map((e) => ({ ...e, ipNetwork: null })));
      await ingest(events.slice(150).map((e) => ({ ...e, ipNetwork: null })));
      // The ghost reads both entries and dies without acknowledging them.
      const taken = (await redis.xreadgroup("GROUP", keys.group, "ghost", "COUNT", 10, "STREAMS", keys.stream, ">")) as [string, unknown[]][];
      expect(taken[0]![1]).toHaveLength(2);
      expect((await clickStreamStats(redis, keys)).pending).toBe(2);
      const survivor = await consumer({ claimIdleMs: 300 });
      await drained();
      await expectExactlyOnce(linkIds, events);
      expect(survivor.stats().claimed).toBe(2);
      await survivor.stop();
    });

    test("a malformed entry goes to the dead-letter stream; the rest of the round is stored", async () => {
      await freshKeys();
      const linkIds = await newLinks(1);
      const events = makeClicks(linkIds, 100, 7);
      await redis.xadd(keys.stream, "*", "b", JSON.stringify(events.slice(0, 50)));
      await redis.xadd(keys.stream, "*", "b", "{not json");
      await redis.xadd(keys.stream, "*", "b", JSON.stringify([{ ...events[0], id: "not-a-uuid" }]));
      await redis.xadd(keys.stream, "*", "b", JSON.stringify(events.slice(50)));
      const c = await consumer();
      await drained();
      await expectExactlyOnce(linkIds, events);
      expect((await clickStreamStats(redis, keys)).deadLetters).toBe(2);
      const dead = (await redis.xrange(keys.deadLetters, "-", "+")) as [string, string[]][];
      expect(dead.map(([, fields]) => fields[fields.indexOf("reason") + 1])).toEqual([expect.stringMatching(/not JSON/), expect.stringMatching(/click schema/)]);
      expect(c.stats().deadLettered).toBe(2);
      await c.stop();
    });

    test("while the database is down the consumer backs off and keeps the entries; nothing is lost or dead-lettered", async () => {
      await freshKeys();
      const linkIds = await newLinks(2);
      const events = makeClicks(linkIds, 400, 8);
      const ingest = createClickIngest({ redis, keys, geo: geoDatabase(), db: db() });
      for (let i = 0; i < events.length; i += 100) await ingest(events.slice(i, i + 100).map((e) => ({ ...e, ipNetwork: null })));
      // The first attempts go to a database that refuses connections (a real driver, a closed port).
      const pool = new pg.Pool({ connectionString: "postgres://postgres@127.0.0.1:1/nothing", connectionTimeoutMillis: 500 });
      const downDb = drizzle(pool, { schema });
      let outage = 3;
      const c = await consumer({
        maxBackoffMs: 200,
        store: (clicks) => (outage-- > 0 ? recordClicks(clicks, downDb) : recordClicks(clicks, db())),
      });
      await drained();
      await pool.end();
      await expectExactlyOnce(linkIds, events);
      expect(c.stats().failures).toBeGreaterThanOrEqual(3);
      expect((await clickStreamStats(redis, keys)).deadLetters).toBe(0);
      await c.stop();
    });

    test("Redis down: ingest commits in the database instead, counted as a fallback", async () => {
      await freshKeys();
      const [linkId] = await newLinks(1);
      const events = makeClicks([linkId!], 30, 9);
      const closed = new Redis("redis://127.0.0.1:1", { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
      closed.on("error", () => {});
      try {
        const ingest = createClickIngest({ redis: closed, keys, geo: geoDatabase(), db: db() });
        const before = ingestCounters.redisFallbacks;
        expect(await ingest(events.map((e) => ({ ...e, ipNetwork: null })))).toMatchObject({ mode: "stored", accepted: 30, fallback: true });
        expect(ingestCounters.redisFallbacks).toBe(before + 1);
        await expectExactlyOnce([linkId!], events);
      } finally {
        closed.disconnect();
      }
    });

    test("stop() finishes the round in hand, acknowledges it, and stops reading", async () => {
      await freshKeys();
      const [linkId] = await newLinks(1);
      const events = makeClicks([linkId!], 200, 10);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const c = await consumer({ store: async (clicks) => (await gate, recordClicks(clicks, db())) });
      await redis.xadd(keys.stream, "*", "b", JSON.stringify(events));
      await sleep(300); // the consumer has the entry and waits on the gate
      const stopped = c.stop();
      release();
      await stopped;
      const stats = await clickStreamStats(redis, keys);
      expect(stats).toMatchObject({ length: 0, pending: 0 });
      await expectExactlyOnce([linkId!], events);
      // Stopped: a later entry stays queued for someone else.
      await redis.xadd(keys.stream, "*", "b", JSON.stringify(makeClicks([linkId!], 1, 11)));
      await sleep(300);
      expect((await clickStreamStats(redis, keys)).lag).toBe(1);
    });
  });

  test("retention prunes raw clicks past the configured age in chunks; rollups and counters stay", async () => {
    const [linkId] = await newLinks(1);
    const now = Date.now();
    const make = (ageDays: number, i: number): StoredClick => ({
      ...makeClicks([linkId!], 1, 100 + i)[0]!,
      at: new Date(now - ageDays * 86_400_000).toISOString(),
      isBot: false,
      reason: "destination",
    });
    const old = Array.from({ length: 25 }, (_, i) => make(40 + i, i));
    const recent = Array.from({ length: 5 }, (_, i) => make(29, 50 + i));
    await recordClicks([...old, ...recent]);
    const before = await rollupsOf(clickRollupDay, [linkId!]);

    const olderThan30Days = async () =>
      (await db().select({ n: sql<number>`count(*)::int` }).from(click).where(sql`${click.clickedAt} < now() - interval '30 days'`))[0]!.n;
    const due = await olderThan30Days(); // ours, and the earlier tests' clicks from 2025
    expect(due).toBeGreaterThanOrEqual(25);

    expect(await pruneClicks(db(), 0)).toBe(0); // 0 = keep forever
    expect(await olderThan30Days()).toBe(due);
    expect(await pruneClicks(db(), 30, { chunk: 10 })).toBe(due);
    expect(await olderThan30Days()).toBe(0);
    const left = await db().select({ id: click.id }).from(click).where(eq(click.linkId, linkId!));
    expect(left.map((r) => r.id).sort()).toEqual(recent.map((c) => c.id).sort());
    expect(await rollupsOf(clickRollupDay, [linkId!])).toEqual(before);
    expect(await linkCounts([linkId!])).toEqual(new Map([[linkId!, 30]]));
  });

  test("the link's workspace, not the event's, owns rollups", async () => {
    const [linkId] = await newLinks(1);
    const [event] = makeClicks([linkId!], 1, 12);
    await recordClicks([{ ...event!, workspaceId: "org_someone_else", isBot: false, reason: "destination" }]);
    const rows = await db().select({ workspaceId: clickRollupHour.workspaceId }).from(clickRollupHour).where(and(eq(clickRollupHour.linkId, linkId!), eq(clickRollupHour.dimension, TOTAL_DIMENSION)));
    expect(rows).toEqual([{ workspaceId: WORKSPACE }]);
  });
});
