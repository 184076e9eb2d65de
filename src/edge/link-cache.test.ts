import { describe, expect, test } from "vitest";
import type { EdgeLink } from "@/core/link";
import { createCachedLinkStore, type CacheOptions, type WaitUntil } from "./link-cache";
import { OriginUnavailableError, type LinkStore } from "./link-store";

const DOMAIN = "sgn.test";
const TTL = 1_000;
const STALE = 5_000;
const NEGATIVE_TTL = 500;

/** The cache treats links as opaque objects; `version` only lets the tests tell answers apart. */
function link(key: string, version = 1): EdgeLink {
  return { id: `lnk_${key}`, key, url: `https://example.com/${key}`, version } as unknown as EdgeLink;
}

/**
 * Stands in for the remote origin: answers from `links`, counts every call, and can be made slow
 * (`hold()` parks calls until the returned release function runs) or failing (`failure`). Both are
 * read when a call completes, so a test can change them while calls are parked.
 */
class CountingOrigin implements LinkStore {
  readonly calls: Array<{ domain: string; key: string; requestId?: string }> = [];
  readonly links = new Map<string, EdgeLink>();
  failure: Error | null = null;
  private gate: Promise<void> | null = null;

  put(value: EdgeLink, domain = DOMAIN): EdgeLink {
    this.links.set(`${domain}/${(value as unknown as { key: string }).key}`, value);
    return value;
  }

  hold(): () => void {
    let release!: () => void;
    this.gate = new Promise((resolve) => (release = resolve));
    return () => {
      this.gate = null;
      release();
    };
  }

  async get(domain: string, key: string, trace?: { requestId: string }): Promise<EdgeLink | null> {
    this.calls.push({ domain, key, requestId: trace?.requestId });
    if (this.gate) await this.gate;
    if (this.failure) throw this.failure;
    return this.links.get(`${domain}/${key}`) ?? null;
  }
}

/** A cache over a fresh origin with a hand-driven clock (`clock.now`, starting at 0). */
function setup(options: CacheOptions = {}) {
  const origin = new CountingOrigin();
  const clock = { now: 0 };
  const cache = createCachedLinkStore(origin, { ttlMs: TTL, staleMs: STALE, negativeTtlMs: NEGATIVE_TTL, now: () => clock.now, ...options });
  return { origin, clock, cache };
}

/** Records what the cache handed to `waitUntil`, like a Workers ExecutionContext. */
function executionContext() {
  const waited: Promise<unknown>[] = [];
  const ctx: WaitUntil = { waitUntil: (promise) => void waited.push(promise) };
  return { ctx, waited };
}

/** Lets already-settled promise chains (e.g. a background refresh) run to completion. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("createCachedLinkStore", () => {
  test("serves a link from the cache within the ttl: 5 gets, 1 origin lookup", async () => {
    const { origin, clock, cache } = setup();
    const abc = origin.put(link("abc"));

    for (let i = 0; i < 5; i++) {
      clock.now = i * 200; // the last get is at 800 ms, inside the 1 s ttl
      expect(await cache.get(DOMAIN, "abc", { requestId: `req-${i}` })).toBe(abc);
    }

    expect(origin.calls).toEqual([{ domain: DOMAIN, key: "abc", requestId: "req-0" }]);
    expect(cache.stats()).toMatchObject({ hits: 4, misses: 1, originLookups: 1, size: 1 });
  });

  test("folds the domain's case into one entry and keeps domains and keys apart", async () => {
    const { origin, cache } = setup();
    const abc = origin.put(link("abc"));
    const other = origin.put(link("abc", 2), "other.test");

    expect(await cache.get("SGN.Test", "abc")).toBe(abc);
    expect(await cache.get(DOMAIN, "abc")).toBe(abc);
    expect(await cache.get("other.test", "abc")).toBe(other);
    expect(await cache.get(DOMAIN, "ABC")).toBeNull(); // keys are case-sensitive

    expect(origin.calls.map((call) => `${call.domain} ${call.key}`)).toEqual([`${DOMAIN} abc`, "other.test abc", `${DOMAIN} ABC`]);
  });

  test("after the ttl serves the stale link at once and starts exactly one refresh, handed to waitUntil", async () => {
    const { origin, clock, cache } = setup();
    origin.put(link("abc", 1));
    const v1 = await cache.get(DOMAIN, "abc");
    origin.put(link("abc", 2));

    clock.now = TTL; // fresh ends here
    const release = origin.hold(); // the origin is slow: a stale get must not wait for it
    const { ctx, waited } = executionContext();
    const stale = await Promise.all([cache.get(DOMAIN, "abc", { requestId: "r1" }, ctx), cache.get(DOMAIN, "abc", { requestId: "r2" }, ctx), cache.get(DOMAIN, "abc", { requestId: "r3" }, ctx)]);

    expect(stale).toEqual([v1, v1, v1]);
    expect(origin.calls).toHaveLength(2); // the first lookup + one refresh
    expect(origin.calls[1]).toEqual({ domain: DOMAIN, key: "abc", requestId: "r1" });
    expect(waited).toHaveLength(1);

    release();
    await waited[0];
    const refreshed = await cache.get(DOMAIN, "abc");
    expect(refreshed).toEqual(link("abc", 2));
    expect(origin.calls).toHaveLength(2); // served fresh from the refreshed entry
    expect(cache.stats()).toMatchObject({ hits: 1, staleHits: 3, misses: 1, originLookups: 2, size: 1 });
  });

  test("a refreshed entry gets a whole new ttl", async () => {
    const { origin, clock, cache } = setup();
    origin.put(link("abc", 1));
    await cache.get(DOMAIN, "abc");
    origin.put(link("abc", 2));

    clock.now = TTL + 100;
    const { ctx, waited } = executionContext();
    await cache.get(DOMAIN, "abc", undefined, ctx);
    await waited[0];

    clock.now = TTL + 100 + TTL - 1; // still fresh, counted from the refresh
    expect(await cache.get(DOMAIN, "abc")).toEqual(link("abc", 2));
    expect(origin.calls).toHaveLength(2);
    expect(cache.stats().hits).toBe(1);
  });

  test("a failed refresh keeps the stale link until the stale window ends, then a get waits for the origin", async () => {
    const { origin, clock, cache } = setup();
    const v1 = origin.put(link("abc", 1));
    await cache.get(DOMAIN, "abc");

    origin.failure = new OriginUnavailableError(503);
    clock.now = TTL;
    const first = executionContext();
    expect(await cache.get(DOMAIN, "abc", undefined, first.ctx)).toBe(v1);
    await expect(first.waited[0]).resolves.toBeUndefined(); // the failure is absorbed, not cached

    clock.now = TTL + STALE - 1; // last millisecond of the stale window: still served, refresh retried
    const last = executionContext();
    expect(await cache.get(DOMAIN, "abc", undefined, last.ctx)).toBe(v1);
    await last.waited[0];
    expect(origin.calls).toHaveLength(3);

    clock.now = TTL + STALE; // the stale window is over: a miss that goes to the origin and fails
    const expired = executionContext();
    await expect(cache.get(DOMAIN, "abc", undefined, expired.ctx)).rejects.toBe(origin.failure);
    expect(expired.waited).toHaveLength(0);
    expect(cache.stats()).toMatchObject({ staleHits: 2, misses: 2, originLookups: 4, size: 0 });

    origin.failure = null;
    const v2 = origin.put(link("abc", 2));
    expect(await cache.get(DOMAIN, "abc", undefined, expired.ctx)).toBe(v2); // synchronous, no stale value
    expect(expired.waited).toHaveLength(0);
    expect(origin.calls).toHaveLength(5);
  });

  test("a refresh without an execution context still runs and its failure is not an unhandled rejection", async () => {
    const { origin, clock, cache } = setup();
    const v1 = origin.put(link("abc", 1));
    await cache.get(DOMAIN, "abc");

    clock.now = TTL;
    origin.failure = new OriginUnavailableError(500);
    expect(await cache.get(DOMAIN, "abc")).toBe(v1);
    await settle();
    expect(origin.calls).toHaveLength(2);

    origin.failure = null;
    const v2 = origin.put(link("abc", 2));
    expect(await cache.get(DOMAIN, "abc")).toBe(v1);
    await settle();
    expect(await cache.get(DOMAIN, "abc")).toBe(v2);
  });

  test("caches 'not found' for negativeTtlMs and never serves it stale", async () => {
    const { origin, clock, cache } = setup();

    expect(await cache.get(DOMAIN, "new")).toBeNull();
    clock.now = NEGATIVE_TTL - 1;
    expect(await cache.get(DOMAIN, "new")).toBeNull();
    expect(origin.calls).toHaveLength(1);
    expect(cache.stats()).toMatchObject({ negativeHits: 1, hits: 0, misses: 1 });

    // Once expired the next get waits for the origin (well inside what would be a stale window).
    const created = origin.put(link("new"));
    clock.now = NEGATIVE_TTL;
    const { ctx, waited } = executionContext();
    expect(await cache.get(DOMAIN, "new", undefined, ctx)).toBe(created);
    expect(waited).toHaveLength(0);
    expect(origin.calls).toHaveLength(2);
    expect(cache.stats()).toMatchObject({ negativeHits: 1, staleHits: 0, misses: 2 });
  });

  test("a link deleted at the origin is cached as 'not found' by the refresh", async () => {
    const { origin, clock, cache } = setup();
    origin.put(link("abc"));
    await cache.get(DOMAIN, "abc");
    origin.links.clear();

    clock.now = TTL;
    const { ctx, waited } = executionContext();
    await cache.get(DOMAIN, "abc", undefined, ctx);
    await waited[0];
    expect(await cache.get(DOMAIN, "abc")).toBeNull();
    expect(cache.stats()).toMatchObject({ negativeHits: 1, originLookups: 2 });
  });

  test("100 concurrent gets of an uncached link share one origin lookup", async () => {
    const { origin, cache } = setup();
    const abc = origin.put(link("abc"));
    const release = origin.hold();

    const pending = Array.from({ length: 100 }, (_, i) => cache.get(DOMAIN, "abc", { requestId: `req-${i}` }));
    await settle();
    expect(origin.calls).toHaveLength(1);
    release();

    const results = await Promise.all(pending);
    expect(results.every((result) => result === abc)).toBe(true);
    expect(origin.calls).toHaveLength(1);
    expect(cache.stats()).toMatchObject({ misses: 100, originLookups: 1, size: 1 });
  });

  test("100 concurrent gets of a missing link share one origin lookup and cache the null", async () => {
    const { origin, cache } = setup();
    const release = origin.hold();

    const pending = Array.from({ length: 100 }, () => cache.get(DOMAIN, "nope"));
    await settle();
    release();

    expect(await Promise.all(pending)).toEqual(Array(100).fill(null));
    expect(await cache.get(DOMAIN, "nope")).toBeNull();
    expect(origin.calls).toHaveLength(1);
    expect(cache.stats()).toMatchObject({ misses: 100, negativeHits: 1, originLookups: 1 });
  });

  test("a failed shared lookup rejects all concurrent callers with the same error and caches nothing", async () => {
    const { origin, cache } = setup();
    const release = origin.hold();
    const failure = new OriginUnavailableError(502);

    const pending = Array.from({ length: 100 }, () => cache.get(DOMAIN, "abc"));
    await settle();
    origin.failure = failure;
    release();

    const settled = await Promise.allSettled(pending);
    expect(settled.every((result) => result.status === "rejected" && result.reason === failure)).toBe(true);
    expect(origin.calls).toHaveLength(1);
    expect(cache.stats().size).toBe(0);

    origin.failure = null;
    const abc = origin.put(link("abc"));
    expect(await cache.get(DOMAIN, "abc")).toBe(abc); // the next call tries again
    expect(origin.calls).toHaveLength(2);
  });

  test("a cold miss propagates the origin's error", async () => {
    const { origin, cache } = setup();
    origin.failure = new OriginUnavailableError(503);

    const error = await cache.get(DOMAIN, "abc").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OriginUnavailableError);
    expect((error as OriginUnavailableError).status).toBe(503);
  });

  test("evicts the least recently used entry at maxEntries; a get refreshes recency", async () => {
    const { origin, cache } = setup({ maxEntries: 3 });
    for (const key of ["a", "b", "c", "d"]) origin.put(link(key));

    await cache.get(DOMAIN, "a");
    await cache.get(DOMAIN, "b");
    await cache.get(DOMAIN, "c");
    await cache.get(DOMAIN, "a"); // a is now the most recently used; b the least
    await cache.get(DOMAIN, "d"); // over capacity: b goes
    expect(cache.stats()).toMatchObject({ evictions: 1, size: 3 });
    expect(origin.calls).toHaveLength(4);

    await cache.get(DOMAIN, "a");
    await cache.get(DOMAIN, "c");
    await cache.get(DOMAIN, "d");
    expect(origin.calls).toHaveLength(4); // all three still cached
    await cache.get(DOMAIN, "b");
    expect(origin.calls.map((call) => call.key)).toEqual(["a", "b", "c", "d", "b"]);
    expect(cache.stats()).toMatchObject({ evictions: 2, size: 3 }); // b's return pushed out a (least recently used)
  });

  test("evict forgets one link (any domain case) and clear forgets all", async () => {
    const { origin, cache } = setup();
    origin.put(link("a"));
    origin.put(link("b"));
    await cache.get(DOMAIN, "a");
    await cache.get(DOMAIN, "b");

    cache.evict("SGN.TEST", "a");
    expect(cache.stats().size).toBe(1);
    await cache.get(DOMAIN, "a");
    await cache.get(DOMAIN, "b");
    expect(origin.calls.map((call) => call.key)).toEqual(["a", "b", "a"]);

    cache.clear();
    expect(cache.stats().size).toBe(0);
    await cache.get(DOMAIN, "a");
    await cache.get(DOMAIN, "b");
    expect(origin.calls.map((call) => call.key)).toEqual(["a", "b", "a", "a", "b"]);
    expect(cache.stats().evictions).toBe(0); // explicit removals are not capacity evictions
  });

  test("evict during a lookup still answers its callers but does not cache the possibly outdated answer", async () => {
    const { origin, cache } = setup();
    const v1 = origin.put(link("abc", 1));
    const release = origin.hold();

    const pending = cache.get(DOMAIN, "abc");
    await settle();
    cache.evict(DOMAIN, "abc"); // e.g. the link was edited while the lookup was in flight
    release();
    expect(await pending).toBe(v1);

    const v2 = origin.put(link("abc", 2));
    expect(await cache.get(DOMAIN, "abc")).toBe(v2); // a cached v1 would have answered without the origin
    expect(origin.calls).toHaveLength(2);
  });

  test("stats count every kind of answer", async () => {
    const { origin, clock, cache } = setup({ maxEntries: 2 });
    origin.put(link("a"));
    origin.put(link("b"));
    expect(cache.stats()).toEqual({ hits: 0, staleHits: 0, misses: 0, negativeHits: 0, originLookups: 0, evictions: 0, size: 0 });

    await cache.get(DOMAIN, "a"); // miss
    await cache.get(DOMAIN, "a"); // hit
    await cache.get(DOMAIN, "none"); // miss (null)
    await cache.get(DOMAIN, "none"); // negative hit
    await cache.get(DOMAIN, "b"); // miss, evicts a
    clock.now = TTL;
    const { ctx, waited } = executionContext();
    await cache.get(DOMAIN, "b", undefined, ctx); // stale hit + refresh
    await waited[0];
    await cache.get(DOMAIN, "b"); // hit

    expect(cache.stats()).toEqual({ hits: 2, staleHits: 1, misses: 3, negativeHits: 1, originLookups: 4, evictions: 1, size: 2 });
  });

  test("defaults: 30 s ttl, 5 min stale window, 10 s negative ttl, 10,000 entries", async () => {
    const origin = new CountingOrigin();
    let now = 0;
    const cache = createCachedLinkStore(origin, { now: () => now });
    for (const key of ["fresh", "stale", "expired"]) {
      origin.put(link(key));
      await cache.get(DOMAIN, key);
    }
    await cache.get(DOMAIN, "none");

    now = 9_999;
    await cache.get(DOMAIN, "none");
    expect(cache.stats()).toMatchObject({ negativeHits: 1, misses: 4 });
    now = 10_000;
    await cache.get(DOMAIN, "none");
    expect(cache.stats()).toMatchObject({ negativeHits: 1, misses: 5 });

    now = 29_999;
    await cache.get(DOMAIN, "fresh");
    expect(cache.stats()).toMatchObject({ hits: 1, staleHits: 0, misses: 5 });
    now = 30_000 + 299_999; // last millisecond of the stale window
    await cache.get(DOMAIN, "stale");
    expect(cache.stats()).toMatchObject({ hits: 1, staleHits: 1, misses: 5 });
    now = 30_000 + 300_000;
    await cache.get(DOMAIN, "expired");
    expect(cache.stats()).toMatchObject({ hits: 1, staleHits: 1, misses: 6 });
    await settle(); // let the "stale" refresh (no ctx) finish

    const filler = createCachedLinkStore(origin, { now: () => now });
    for (let i = 0; i < 10_000; i++) await filler.get(DOMAIN, `k${i}`);
    expect(filler.stats()).toMatchObject({ size: 10_000, evictions: 0 });
    await filler.get(DOMAIN, "one-more");
    expect(filler.stats()).toMatchObject({ size: 10_000, evictions: 1 });
  });

  test("rejects a maxEntries below 1", () => {
    expect(() => createCachedLinkStore(new CountingOrigin(), { maxEntries: 0 })).toThrow(RangeError);
  });
});

describe("cache status reporting (for Server-Timing)", () => {
  test("each get reports how it was answered: miss, hit, stale, negative", async () => {
    const { origin, clock, cache } = setup();
    origin.put(link("a"));
    const seen: string[] = [];
    const ctx = { waitUntil: () => {}, cacheStatus: (status: string) => void seen.push(status) };
    await cache.get(DOMAIN, "a", undefined, ctx);
    await cache.get(DOMAIN, "a", undefined, ctx);
    clock.now = TTL + 1;
    await cache.get(DOMAIN, "a", undefined, ctx);
    await cache.get(DOMAIN, "gone", undefined, ctx);
    await cache.get(DOMAIN, "gone", undefined, ctx);
    expect(seen).toEqual(["miss", "hit", "stale", "miss", "negative"]);
  });
});

describe("while link changes are pushed (setChangesPushed)", () => {
  const PUSHED_TTL = 60_000;

  test("found links stay fresh for pushedTtlMs; back to ttlMs, for entries cached meanwhile too, once pushes stop", async () => {
    const { origin, clock, cache } = setup({ pushedTtlMs: PUSHED_TTL });
    origin.put(link("a"));
    cache.setChangesPushed(true);
    await cache.get(DOMAIN, "a");
    clock.now = PUSHED_TTL - 1;
    await cache.get(DOMAIN, "a");
    expect(origin.calls).toHaveLength(1);
    expect(cache.stats()).toMatchObject({ hits: 1, staleHits: 0 });
    // Pushes on, the link refreshed: that answer is fresh until pushedTtlMs later, still.
    clock.now = PUSHED_TTL;
    await cache.get(DOMAIN, "a");
    await settle();
    expect(origin.calls).toHaveLength(2);
    clock.now = PUSHED_TTL + TTL + STALE - 1;
    await cache.get(DOMAIN, "a");
    expect(cache.stats()).toMatchObject({ hits: 2, staleHits: 1 });

    // The subscription drops: an entry older than ttlMs is stale at once (served, refreshed).
    cache.setChangesPushed(false);
    await cache.get(DOMAIN, "a");
    await settle();
    expect(cache.stats()).toMatchObject({ hits: 2, staleHits: 2 });
    expect(origin.calls).toHaveLength(3);
    clock.now += TTL - 1;
    await cache.get(DOMAIN, "a");
    clock.now += 1;
    await cache.get(DOMAIN, "a");
    await settle();
    expect(cache.stats()).toMatchObject({ hits: 3, staleHits: 3 });
    expect(origin.calls).toHaveLength(4);
  });

  test("each (re)subscription makes what was looked up before it stale: a change made meanwhile is picked up", async () => {
    const { origin, clock, cache } = setup({ pushedTtlMs: PUSHED_TTL });
    origin.put(link("a", 1));
    cache.setChangesPushed(true);
    expect(await cache.get(DOMAIN, "a")).toMatchObject({ version: 1 });
    // Disconnected: the edit's push is lost. Reconnected shortly after, well within both TTLs.
    cache.setChangesPushed(false);
    origin.put(link("a", 2));
    clock.now = 10;
    cache.setChangesPushed(true);
    const { ctx, waited } = executionContext();
    expect(await cache.get(DOMAIN, "a", undefined, ctx)).toMatchObject({ version: 1 }); // stale, once
    await Promise.all(waited);
    expect(await cache.get(DOMAIN, "a")).toMatchObject({ version: 2 });
    expect(cache.stats()).toMatchObject({ staleHits: 1, hits: 1 });
  });

  test("a lookup in flight across a resubscription is stored stale; a cached 'not found' from before it is asked again", async () => {
    const { origin, clock, cache } = setup({ pushedTtlMs: PUSHED_TTL });
    origin.put(link("a", 1));
    const release = origin.hold();
    const first = cache.get(DOMAIN, "a");
    await settle();
    clock.now = 5;
    cache.setChangesPushed(true); // the lookup above started before it
    release();
    expect(await first).toMatchObject({ version: 1 });
    origin.put(link("a", 2));
    const { ctx, waited } = executionContext();
    expect(await cache.get(DOMAIN, "a", undefined, ctx)).toMatchObject({ version: 1 });
    await Promise.all(waited);
    expect(await cache.get(DOMAIN, "a")).toMatchObject({ version: 2 });

    expect(await cache.get(DOMAIN, "new")).toBeNull();
    origin.put(link("new"));
    clock.now = 6;
    cache.setChangesPushed(true);
    expect(await cache.get(DOMAIN, "new")).toMatchObject({ key: "new" });
    expect(cache.stats()).toMatchObject({ negativeHits: 0 });
  });
});

describe("with a change feed (changesPolled)", () => {
  const PUSHED_TTL = 60_000;

  test("found links stay fresh for pushedTtlMs while the last poll began less than ttlMs ago; back to ttlMs once polls stop", async () => {
    const { origin, clock, cache } = setup({ pushedTtlMs: PUSHED_TTL });
    origin.put(link("a"));
    cache.changesPolled(0, true);
    await cache.get(DOMAIN, "a");
    // Polled every half TTL: the entry stays fresh well past ttlMs.
    for (let at = TTL / 2; at < 4 * TTL; at += TTL / 2) {
      clock.now = at;
      cache.changesPolled(at, false);
      await cache.get(DOMAIN, "a");
    }
    expect(origin.calls).toHaveLength(1);
    expect(cache.stats()).toMatchObject({ hits: 7, staleHits: 0 });

    // Polls stop (origin unreachable, say): once the last one began ttlMs ago, the entry is past its TTL.
    const lastPoll = clock.now;
    clock.now = lastPoll + TTL - 1;
    await cache.get(DOMAIN, "a");
    expect(cache.stats()).toMatchObject({ hits: 8, staleHits: 0 });
    clock.now = lastPoll + TTL;
    const { ctx, waited } = executionContext();
    await cache.get(DOMAIN, "a", undefined, ctx);
    await Promise.all(waited);
    expect(cache.stats()).toMatchObject({ hits: 8, staleHits: 1 });
    expect(origin.calls).toHaveLength(2);
  });

  test("pushedTtlMs still bounds an entry's age while polls go on (a lost feed row is picked up)", async () => {
    const { origin, clock, cache } = setup({ pushedTtlMs: PUSHED_TTL });
    origin.put(link("a", 1));
    cache.changesPolled(0, true);
    await cache.get(DOMAIN, "a");
    origin.put(link("a", 2)); // changed, but no feed row names it
    clock.now = PUSHED_TTL;
    cache.changesPolled(PUSHED_TTL, false);
    const { ctx, waited } = executionContext();
    expect(await cache.get(DOMAIN, "a", undefined, ctx)).toMatchObject({ version: 1 }); // stale, once
    await Promise.all(waited);
    expect(await cache.get(DOMAIN, "a")).toMatchObject({ version: 2 });
  });

  test("a new feed covers only lookups made after its first poll was applied; earlier entries keep the TTL", async () => {
    const { origin, clock, cache } = setup({ pushedTtlMs: PUSHED_TTL });
    origin.put(link("a", 1));
    origin.put(link("b", 1));
    await cache.get(DOMAIN, "a"); // before the feed: its first cursor may be past a change to "a"
    clock.now = 10;
    cache.changesPolled(5, true);
    await cache.get(DOMAIN, "b");
    origin.put(link("a", 2));
    origin.put(link("b", 2));
    clock.now = TTL + 10;
    cache.changesPolled(TTL + 10, false);
    const { ctx, waited } = executionContext();
    expect(await cache.get(DOMAIN, "a", undefined, ctx)).toMatchObject({ version: 1 }); // past its TTL: served stale, refreshed
    expect(await cache.get(DOMAIN, "b", undefined, ctx)).toMatchObject({ version: 1 }); // covered: a change would have come as an eviction
    await Promise.all(waited);
    expect(await cache.get(DOMAIN, "a")).toMatchObject({ version: 2 });
    expect(cache.stats()).toMatchObject({ staleHits: 1, hits: 2 });

    // The feed starts over (it could not continue): "b" is no longer covered, and is past its TTL.
    clock.now = TTL + 20;
    cache.changesPolled(TTL + 20, true);
    expect(await cache.get(DOMAIN, "b", undefined, ctx)).toMatchObject({ version: 1 });
    expect(cache.stats()).toMatchObject({ staleHits: 2 });
  });
});

describe("answersFromCache (the change feed waits only for links the cache would answer)", () => {
  test("true while get would answer without the origin, fresh or stale; false for a miss, an expired 'not found', or while changes are pushed", async () => {
    const { origin, clock, cache } = setup();
    origin.put(link("a"));
    expect(cache.answersFromCache(DOMAIN, "a")).toBe(false);
    await cache.get(DOMAIN, "a");
    await cache.get(DOMAIN, "gone");
    expect(cache.answersFromCache("SGN.test", "a")).toBe(true);
    expect(cache.answersFromCache(DOMAIN, "gone")).toBe(true);

    clock.now = TTL + 1; // stale, still served
    expect(cache.answersFromCache(DOMAIN, "a")).toBe(true);
    expect(cache.answersFromCache(DOMAIN, "gone")).toBe(false); // "not found" is never served stale
    clock.now = TTL + STALE; // past the stale window
    expect(cache.answersFromCache(DOMAIN, "a")).toBe(false);

    clock.now = 0;
    expect(cache.answersFromCache(DOMAIN, "a")).toBe(true);
    cache.setChangesPushed(true);
    expect(cache.answersFromCache(DOMAIN, "a")).toBe(false);
    // Asking changes nothing: no lookup, no counts.
    expect(origin.calls).toHaveLength(2);
    expect(cache.stats()).toMatchObject({ hits: 0, staleHits: 0, misses: 2 });
  });
});
