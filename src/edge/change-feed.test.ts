/**
 * The edge side of the link-change feed against a scripted origin (the origin's own side runs on
 * real databases in tests/integration/link-feed.test.ts): what it asks, what it evicts, when it
 * polls, and what a failed poll leaves alone. The cache is the real one.
 */
import { describe, expect, test } from "vitest";
import type { EdgeLink } from "@/core/link";
import { createChangeFeed, originChangeSource, withChangeFeed, type ChangePage } from "./change-feed";
import { createCachedLinkStore, type WaitUntil } from "./link-cache";
import { createEdgeLogger } from "./log";
import type { OriginClient } from "./origin-client";

const DOMAIN = "sgn.test";

/** An origin whose feed answers come from `answer`; every requested path is kept. */
function scriptedOrigin(answer: (path: string) => Response | Promise<Response>) {
  const paths: string[] = [];
  const origin: OriginClient = {
    async request(_method, path) {
      paths.push(path);
      return answer(path);
    },
  };
  return { origin, paths };
}

function page(cursor: string, changes: Array<{ domain: string; key: string }>, fresh = false) {
  return Response.json({ cursor, fresh, changes });
}

function background() {
  const waited: Promise<unknown>[] = [];
  const ctx: WaitUntil = { waitUntil: (promise) => void waited.push(promise) };
  return { ctx, done: () => Promise.all(waited) };
}

/** A real cache over a counting inner store; `version` tells the answers apart. */
function cacheWith(clock: { now: number }) {
  const versions = new Map<string, number>();
  let lookups = 0;
  const cache = createCachedLinkStore(
    {
      async get(_domain, key) {
        lookups++;
        return { id: `lnk_${key}`, key, url: `https://example.com/${key}`, version: versions.get(key) ?? 1 } as unknown as EdgeLink;
      },
    },
    { ttlMs: 1_000, pushedTtlMs: 60_000, now: () => clock.now },
  );
  return { cache, versions, lookups: () => lookups };
}

describe("createChangeFeed", () => {
  test("the first poll starts a feed; the next sends its cursor, and the links it names are looked up again", async () => {
    const clock = { now: 0 };
    const { cache, versions, lookups } = cacheWith(clock);
    const answers = [page("100.1", [], true), page("105.2", [{ domain: "SGN.test", key: "a" }])];
    const { origin, paths } = scriptedOrigin(() => answers.shift()!);
    const feed = createChangeFeed(originChangeSource(origin), cache, { intervalMs: 500, now: () => clock.now });

    const first = background();
    feed.poll(first.ctx);
    await first.done();
    await cache.get(DOMAIN, "a");
    await cache.get(DOMAIN, "b");
    versions.set("a", 2);
    versions.set("b", 2);

    clock.now = 2_000; // past the 1 s TTL: only the feed keeps these fresh
    const second = background();
    feed.poll(second.ctx);
    await second.done();
    expect(paths).toEqual(["/api/internal/v1/links/changes", "/api/internal/v1/links/changes?cursor=100.1"]);
    expect(await cache.get(DOMAIN, "a")).toMatchObject({ version: 2 }); // evicted: asked again
    expect(await cache.get(DOMAIN, "b")).toMatchObject({ version: 1 }); // fresh: no change named it
    expect(lookups()).toBe(3);
    expect(cache.stats()).toMatchObject({ hits: 1, staleHits: 0 });
  });

  test("at most one poll per three quarters of the interval, and never two at once", async () => {
    const clock = { now: 0 };
    const { cache } = cacheWith(clock);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let cursor = 0;
    const { origin, paths } = scriptedOrigin(async () => {
      await held;
      return page(`${++cursor}.0`, []);
    });
    const feed = createChangeFeed(originChangeSource(origin), cache, { intervalMs: 500, now: () => clock.now });
    const { ctx, done } = background();
    feed.poll(ctx);
    clock.now = 374;
    feed.poll(ctx);
    clock.now = 400; // due, but the first is still running
    feed.poll(ctx);
    expect(paths).toHaveLength(1);
    release();
    await done();
    feed.poll(ctx);
    await done();
    expect(paths).toEqual(["/api/internal/v1/links/changes", "/api/internal/v1/links/changes?cursor=1.0"]);
  });

  test("a failed poll reports the error, keeps its cursor for the next, and leaves the cache on its TTL", async () => {
    const clock = { now: 0 };
    const { cache } = cacheWith(clock);
    const answers: Array<() => Response> = [
      () => page("7.1", [], true),
      () => new Response("busy", { status: 503 }),
      () => Response.json({ cursor: 42 }), // not a page
      () => page("9.3", []),
    ];
    const { origin, paths } = scriptedOrigin(() => answers.shift()!());
    const errors: string[] = [];
    const feed = createChangeFeed(originChangeSource(origin), cache, { intervalMs: 100, now: () => clock.now, onError: (error) => errors.push(String(error)) });
    const run = async () => {
      const { ctx, done } = background();
      feed.poll(ctx);
      await done();
    };
    await run();
    await cache.get(DOMAIN, "a");
    for (const at of [400, 800]) {
      clock.now = at;
      await run();
    }
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain("503");
    // The last good poll began at 0: at 1 s the entry is past its 1 s TTL, served stale once.
    clock.now = 1_000;
    await cache.get(DOMAIN, "a");
    expect(cache.stats()).toMatchObject({ staleHits: 1 });
    await run();
    expect(paths.slice(1)).toEqual(Array(3).fill("/api/internal/v1/links/changes?cursor=7.1"));
  });
});

describe("withChangeFeed: a quiet isolate catches up before answering from its cache", () => {
  /** A feed source whose answers are handed out by the test; every cursor asked with is kept. */
  function heldSource() {
    const asked: Array<string | null> = [];
    const pending: Array<(page: ChangePage | Error) => void> = [];
    const source = (cursor: string | null) => {
      asked.push(cursor);
      return new Promise<ChangePage>((resolve, reject) => pending.push((answer) => (answer instanceof Error ? reject(answer) : resolve(answer))));
    };
    const answer = async (page: ChangePage | Error) => {
      for (let i = 0; i < 10 && pending.length === 0; i++) await Promise.resolve();
      pending.shift()!(page);
    };
    return { source, asked, answer, waiting: () => pending.length };
  }
  const silent = createEdgeLogger({ level: "silent" });
  /** Whether `promise` settled within a few turns of the event loop. */
  const settles = async (promise: Promise<unknown>) => {
    let settled = false;
    void promise.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    return settled;
  };

  async function started(maxWaitMs?: number) {
    const clock = { now: 0 };
    const { cache, versions, lookups } = cacheWith(clock);
    const feed = heldSource();
    const links = withChangeFeed(cache, feed.source, 500, silent, { now: () => clock.now, maxWaitMs });
    const { ctx, done } = background();
    // The first get starts the feed (a new one names nothing) and caches "a".
    const first = links.get(DOMAIN, "a", undefined, ctx);
    await feed.answer({ cursor: "1.0", fresh: true, changes: [] });
    expect(await first).toMatchObject({ version: 1 });
    await done();
    return { clock, cache, versions, lookups, feed, links, ctx };
  }

  test("more than an interval after the last poll began, a cached link waits for a poll and gets the edit", async () => {
    const { clock, versions, feed, links, ctx } = await started();
    versions.set("a", 2);
    clock.now = 1_001;
    const answered = links.get(DOMAIN, "a", undefined, ctx);
    expect(await settles(answered)).toBe(false); // held by the poll
    await feed.answer({ cursor: "2.0", fresh: false, changes: [{ domain: DOMAIN, key: "a" }] });
    expect(await answered).toMatchObject({ version: 2 });
    expect(feed.asked).toEqual([null, "1.0"]);
  });

  test("a busy isolate (the last poll began less than an interval ago) answers from its cache while the next poll runs", async () => {
    const { clock, versions, feed, links, ctx } = await started();
    versions.set("a", 2);
    clock.now = 400; // past three quarters of the interval: a poll starts, in the background
    const answered = links.get(DOMAIN, "a", undefined, ctx);
    expect(await settles(answered)).toBe(true);
    expect(await answered).toMatchObject({ version: 1 });
    expect(feed.waiting()).toBe(1);
  });

  test("a link not in the cache is looked up at once: no wait for the feed", async () => {
    const { clock, feed, links, ctx, lookups } = await started();
    clock.now = 5_000;
    const answered = links.get(DOMAIN, "b", undefined, ctx);
    expect(await settles(answered)).toBe(true);
    expect(lookups()).toBe(2);
    expect(feed.waiting()).toBe(1); // the poll still runs, in the background
  });

  test("after a failed poll, requests are answered without waiting until a poll succeeds again", async () => {
    const { clock, feed, links, ctx } = await started();
    clock.now = 400;
    await links.get(DOMAIN, "a", undefined, ctx); // sets off a poll in the background
    await feed.answer(new Error("origin down"));
    await new Promise((resolve) => setTimeout(resolve, 0));
    clock.now = 5_000;
    const answered = links.get(DOMAIN, "a", undefined, ctx);
    expect(await settles(answered)).toBe(true);
    // The poll it set off succeeds: the next request that finds the feed behind waits again.
    await feed.answer({ cursor: "3.0", fresh: false, changes: [] });
    await new Promise((resolve) => setTimeout(resolve, 0));
    clock.now = 10_000;
    const later = links.get(DOMAIN, "a", undefined, ctx);
    expect(await settles(later)).toBe(false);
    await feed.answer({ cursor: "4.0", fresh: false, changes: [] });
    expect(await later).toMatchObject({ version: 1 });
  });

  test("a slow poll holds a request at most maxWaitMs, and no request after it", async () => {
    const { clock, feed, links, ctx } = await started(30);
    clock.now = 1_001;
    const asked = performance.now();
    expect(await links.get(DOMAIN, "a", undefined, ctx)).toMatchObject({ version: 1 });
    expect(performance.now() - asked).toBeGreaterThanOrEqual(25); // it did wait, for the poll's maxWaitMs
    expect(await settles(links.get(DOMAIN, "a", undefined, ctx))).toBe(true);
    expect(feed.waiting()).toBe(1);
  });
});
