import type { EdgeLink } from "@/core/link";
import type { LinkStore } from "./link-store";
import type { Trace } from "./origin-client";

/** How a lookup was answered, for Server-Timing and the cache counters. */
export type CacheStatus = "hit" | "negative" | "stale" | "miss";

/** The part of a request's background hand-over the cache needs (the edge app's `Background`, Workers' `ctx`). */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
  /** Told how this get was answered, for Server-Timing. */
  cacheStatus?(status: CacheStatus): void;
}

/** Tuning for {@link createCachedLinkStore}; every field is optional. */
export interface CacheOptions {
  /** Most entries kept (found links and "not found" alike); the least recently used goes first. Default 10,000. */
  maxEntries?: number;
  /**
   * How long a found link is served without asking the origin. Default 30 s. It also bounds how
   * long a change goes unseen through the change feed (see `changesPolled`).
   */
  ttlMs?: number;
  /**
   * The same while link changes reach `evict`, pushed (`setChangesPushed`) or polled within the
   * last `ttlMs` (`changesPolled`): the TTL then only bounds how long a change whose event was lost
   * goes unseen. Default 5 min.
   */
  pushedTtlMs?: number;
  /** How long after `ttlMs` a found link may still be served while one background refresh runs. Default 5 min. */
  staleMs?: number;
  /** How long "no such link" is remembered; never served stale. Default 10 s. */
  negativeTtlMs?: number;
  /** The clock, in milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** Counters since creation (`size` is the current entry count). */
export interface CacheStats {
  /** Found links served fresh from the cache. */
  hits: number;
  /** Found links served stale while a refresh runs. */
  staleHits: number;
  /** `get`s the cache could not answer (they waited for an origin lookup, their own or a shared one). */
  misses: number;
  /** "Not found" answers served from the cache. */
  negativeHits: number;
  /** Calls to the inner store, background refreshes included. */
  originLookups: number;
  /** Entries dropped to stay within `maxEntries` (not `evict`/`clear`). */
  evictions: number;
  size: number;
}

/** A {@link LinkStore} with an in-isolate cache; `get`'s optional 4th argument receives background refreshes. */
export interface CachedLinkStore extends LinkStore {
  get(domain: string, key: string, trace?: Trace, ctx?: WaitUntil): Promise<EdgeLink | null>;
  stats(): CacheStats;
  /** Forgets one link (e.g. after it was edited), including a lookup still in flight for it. */
  evict(domain: string, key: string): void;
  clear(): void;
  /**
   * Whether every link change now reaches `evict` (the Node redirector's Redis subscription is up).
   * While it does, found links stay fresh for `pushedTtlMs`; otherwise for `ttlMs`, entries cached
   * earlier included. Turning it on also makes every entry looked up before this moment stale: a
   * change made while no push could arrive is picked up by the next get's background refresh.
   */
  setChangesPushed(pushed: boolean): void;
  /**
   * A poll of the link-change feed that started at `startedAt` (this cache's clock) has been
   * applied: every change it returned was evicted, and it returns every change committed before it
   * began. Until `ttlMs` after that start, found links stay fresh for `pushedTtlMs`: a change made
   * since goes unseen no longer than the TTL would let it. `fresh`: the feed started over (first
   * poll, or it could not continue), so it covers only entries looked up from now on; earlier ones
   * keep `ttlMs`.
   */
  changesPolled(startedAt: number, fresh: boolean): void;
  /**
   * Whether `get` would answer this link from the cache (fresh or stale) and only a change feed
   * could tell it changed: it is cached, and changes are not pushed (`setChangesPushed`).
   */
  answersFromCache(domain: string, key: string): boolean;
}

interface Entry {
  value: EdgeLink | null;
  /** When the lookup that found it started: freshness counts from what the origin could have known. */
  askedAt: number;
}

/**
 * Puts an LRU cache with stale-while-revalidate, negative caching and single-flight lookups in
 * front of `inner` (normally the origin). Origin failures are never cached: a cold miss rethrows
 * them, a failed refresh keeps the stale value until its stale window ends.
 */
export function createCachedLinkStore(inner: LinkStore, options: CacheOptions = {}): CachedLinkStore {
  const { maxEntries = 10_000, ttlMs = 30_000, pushedTtlMs = 300_000, staleMs = 300_000, negativeTtlMs = 10_000, now = Date.now } = options;
  if (!(maxEntries >= 1)) throw new RangeError("maxEntries must be at least 1");
  let pushed = false;
  // Entries whose lookup started before this are stale, whatever their age (setChangesPushed).
  let staleBefore = -Infinity;
  // The change feed (changesPolled): when the last applied poll started, and since when the feed
  // has run without a break (entries looked up before that are not covered by it).
  let polledAt = -Infinity;
  let feedSince = Infinity;
  const covered = (entry: Entry, at: number) => pushed || (at - polledAt < ttlMs && entry.askedAt >= feedSince);
  const freshFor = (entry: Entry, at: number) => (entry.value ? (covered(entry, at) ? pushedTtlMs : ttlMs) : negativeTtlMs);
  // Only found links are served stale; "not found" is asked again once it expires.
  const servable = (entry: Entry, at: number, freshUntil: number) => (entry.value ? at < freshUntil + staleMs : at < freshUntil && entry.askedAt >= staleBefore);

  // A Map iterates in insertion order, so re-inserting on use keeps the least recently used first.
  const entries = new Map<string, Entry>();
  /** An entry's key: the domain (lower case) and the link's key. */
  const idOf = (lowerDomain: string, key: string) => `${lowerDomain}\n${key}`;
  const inflight = new Map<string, Promise<EdgeLink | null>>();
  const counts = { hits: 0, staleHits: 0, misses: 0, negativeHits: 0, originLookups: 0, evictions: 0 };

  function store(id: string, value: EdgeLink | null, askedAt: number): void {
    entries.delete(id);
    entries.set(id, { value, askedAt });
    for (const oldest of entries.keys()) {
      if (entries.size <= maxEntries) break;
      entries.delete(oldest);
      counts.evictions++;
    }
  }

  /** One origin lookup per key at a time: later callers (misses or refreshes) share the running one. */
  function lookup(id: string, domain: string, key: string, trace: Trace | undefined): Promise<EdgeLink | null> {
    const running = inflight.get(id);
    if (running) return running;
    counts.originLookups++;
    const askedAt = now();
    // Starting from a resolved promise turns a synchronous throw in `inner` into a rejection and
    // guarantees `inflight.set` below runs before the `finally` that removes it.
    const pending: Promise<EdgeLink | null> = Promise.resolve()
      .then(() => inner.get(domain, key, trace))
      .then((value) => {
        // evict()/clear() during the lookup dropped it from `inflight`: its answer may predate the
        // change, so hand it to the callers that waited but do not cache it.
        if (inflight.get(id) === pending) store(id, value, askedAt);
        return value;
      })
      .finally(() => {
        if (inflight.get(id) === pending) inflight.delete(id);
      });
    inflight.set(id, pending);
    return pending;
  }

  return {
    async get(domain, key, trace, ctx) {
      domain = domain.toLowerCase();
      const id = idOf(domain, key);
      const entry = entries.get(id);
      const at = now();
      const freshUntil = entry ? entry.askedAt + freshFor(entry, at) : 0;
      if (entry && servable(entry, at, freshUntil)) {
        entries.delete(id); // mark as most recently used
        entries.set(id, entry);
        if (at < freshUntil && entry.askedAt >= staleBefore) {
          if (entry.value) counts.hits++;
          else counts.negativeHits++;
          ctx?.cacheStatus?.(entry.value ? "hit" : "negative");
          return entry.value;
        }
        counts.staleHits++;
        ctx?.cacheStatus?.("stale");
        if (!inflight.has(id)) {
          // The refresh outlives this request; a failure keeps the stale entry, so swallow it here
          // (the host would otherwise see an unhandled rejection) and let a later get retry.
          const refresh = lookup(id, domain, key, trace).then(
            () => undefined,
            () => undefined,
          );
          ctx?.waitUntil(refresh);
        }
        return entry.value;
      }
      if (entry) entries.delete(id); // past its stale window: useless, free the slot
      counts.misses++;
      ctx?.cacheStatus?.("miss");
      return lookup(id, domain, key, trace);
    },
    stats: () => ({ ...counts, size: entries.size }),
    evict(domain, key) {
      const id = idOf(domain.toLowerCase(), key);
      entries.delete(id);
      inflight.delete(id);
    },
    clear() {
      entries.clear();
      inflight.clear();
    },
    setChangesPushed(on) {
      // Every (re)subscription: what was looked up before it may have missed a push.
      if (on) staleBefore = now();
      pushed = on;
    },
    answersFromCache(domain, key) {
      if (pushed) return false;
      const entry = entries.get(idOf(domain.toLowerCase(), key));
      if (!entry) return false;
      const at = now();
      return servable(entry, at, entry.askedAt + freshFor(entry, at));
    },
    changesPolled(startedAt, fresh) {
      // A new feed covers lookups from now on: one that began earlier may have read the origin
      // before a change the feed's first cursor is already past.
      if (fresh) feedSince = now();
      polledAt = Math.max(polledAt, startedAt);
    },
  };
}
