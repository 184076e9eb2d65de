import { z } from "zod";
import { DEFAULT_CHANGES_POLL_MS } from "@/config/env";
import type { EdgeLogger } from "./log";
import type { CachedLinkStore, WaitUntil } from "./link-cache";
import type { OriginClient } from "./origin-client";
import { detachedFromTrace } from "./tracing";

/**
 * The edge side of the link-change feed (docs/decisions/0032-link-change-feed.md): while requests
 * arrive, a poll asks which links changed since the last one, evicts them, and tells the cache
 * (`changesPolled`), which then keeps found links fresh for minutes instead of refreshing every
 * hot link every 30 s. `intervalMs` bounds how old a cached answer's view of changes may be: polls
 * start in the background a quarter interval before that, and a request that finds the last
 * applied poll older waits for one (`behind`, `catchUp`), so an edit reaches every request that
 * arrives an interval after it. A failed poll changes nothing: once the last good one is older
 * than the cache's TTL, the cache is back on its TTL.
 */
export { DEFAULT_CHANGES_POLL_MS };

/** One answer of the feed (`GET /api/internal/v1/links/changes`, docs/protocol.md). */
export interface ChangePage {
  cursor: string;
  /** The feed starts over at this cursor and names no changes. */
  fresh: boolean;
  changes: Array<{ domain: string; key: string }>;
}

/** Where a feed reads its pages: the origin over the signed protocol, or the database in direct mode. */
export type ChangeSource = (cursor: string | null) => Promise<ChangePage>;

const pageSchema = z.object({
  cursor: z.string().min(1).max(64),
  fresh: z.boolean(),
  changes: z.array(z.object({ domain: z.string(), key: z.string() })),
});

/** The origin's signed `GET /api/internal/v1/links/changes`. */
export function originChangeSource(origin: OriginClient): ChangeSource {
  return async (cursor) => {
    const response = await origin.request("GET", `/api/internal/v1/links/changes${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`);
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`origin answered ${response.status}`);
    }
    return pageSchema.parse(await response.json());
  };
}

export interface ChangeFeedOptions {
  /**
   * How far behind (ms since the last applied poll began) the feed may be before a request that
   * the cache would answer waits for a poll. Polls start in the background once three quarters of
   * it have passed since the last one began: a busy isolate's feed is never that far behind, and
   * its requests never wait; a quiet isolate's first request does.
   */
  intervalMs?: number;
  /**
   * Longest a request waits for that poll before it is answered from the cache anyway (ms); once a
   * wait ran out, later requests do not wait for the same poll. Default 500.
   */
  maxWaitMs?: number;
  now?: () => number;
  /** A poll failed (source unreachable or refusing); the next is tried when the next one is due. */
  onError?(error: unknown): void;
}

export interface ChangeFeed {
  /** Starts a poll in the background when one is due (see `intervalMs`); `ctx` keeps the host alive for it. */
  poll(ctx?: WaitUntil): void;
  /**
   * Whether the cache's answers may miss a change only a poll would show: the feed has started
   * (a first poll names no changes, so waiting for it would tell nothing), its last poll did not
   * fail (an unreachable origin must not hold every request), and the last applied poll began more
   * than `intervalMs` ago.
   */
  behind(): boolean;
  /**
   * Polls (if due; see `poll`) and returns a promise that settles once the running poll has been
   * applied or has failed, or after `maxWaitMs`; null when no poll is running, or when a wait for
   * the running one already ran out.
   */
  catchUp(ctx?: WaitUntil): Promise<void> | null;
}

export function createChangeFeed(source: ChangeSource, cache: Pick<CachedLinkStore, "evict" | "changesPolled">, options: ChangeFeedOptions = {}): ChangeFeed {
  const { intervalMs = DEFAULT_CHANGES_POLL_MS, maxWaitMs = 500, now = Date.now, onError } = options;
  const dueMs = intervalMs * 0.75;
  let cursor: string | null = null;
  let lastStart = -Infinity;
  // When the last applied poll began; whether the last poll failed.
  let appliedStart = -Infinity;
  let failing = false;
  // The running poll, settled (never rejected) when it has been applied or has failed.
  let running: Promise<void> | null = null;
  // The running poll already kept a request waiting maxWaitMs: no one else waits for it.
  let outwaited: Promise<void> | null = null;

  async function run(startedAt: number): Promise<void> {
    const page = await source(cursor);
    for (const change of page.changes) cache.evict(change.domain, change.key);
    cache.changesPolled(startedAt, page.fresh);
    cursor = page.cursor;
    appliedStart = Math.max(appliedStart, startedAt);
  }

  function poll(ctx?: WaitUntil): void {
    const at = now();
    if (running || at - lastStart < dueMs) return;
    lastStart = at;
    // Not part of the request that happened to set it off: with tracing on, a trace of its own.
    const done: Promise<void> = detachedFromTrace(() => run(at))
      .then(
        () => void (failing = false),
        (error) => {
          failing = true;
          onError?.(error);
        },
      )
      .finally(() => {
        if (running === done) running = null;
      });
    running = done;
    ctx?.waitUntil(done);
  }

  return {
    poll,
    behind: () => cursor !== null && !failing && now() - appliedStart > intervalMs,
    catchUp(ctx) {
      poll(ctx);
      const waiting = running;
      if (!waiting || waiting === outwaited) return null;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const patience = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          outwaited = waiting;
          resolve();
        }, maxWaitMs);
      });
      return Promise.race([waiting, patience]).finally(() => clearTimeout(timer));
    },
  };
}

/**
 * `cache` with the feed polled on every `get` (when due), as every host wires it; `cache` itself
 * when `intervalMs` is 0 (EDGE_CHANGES_POLL_MS=0). A get the cache would answer while the feed is
 * behind (`ChangeFeed.behind`: a quiet isolate) first waits for a poll, so an edit is seen by the
 * first request after it, not only once a request set off a poll. A failing feed is logged once a
 * minute at most.
 */
export function withChangeFeed(
  cache: CachedLinkStore,
  source: ChangeSource,
  intervalMs: number,
  log: EdgeLogger,
  options: Omit<ChangeFeedOptions, "intervalMs" | "onError"> = {},
): CachedLinkStore {
  if (intervalMs <= 0) return cache;
  let warnedAt = -Infinity;
  const feed = createChangeFeed(source, cache, {
    ...options,
    intervalMs,
    onError(error) {
      if (Date.now() - warnedAt < 60_000) return;
      warnedAt = Date.now();
      log.warn("link-change feed poll failed", { error: String(error) });
    },
  });
  return {
    ...cache,
    get(domain, key, trace, ctx) {
      // A quiet isolate: what the cache holds may predate an edit no poll has shown yet, so the
      // request waits for one (an edit made seconds ago is what its author clicks next).
      const waiting = feed.behind() && cache.answersFromCache(domain, key) ? feed.catchUp(ctx) : null;
      if (waiting) return waiting.then(() => cache.get(domain, key, trace, ctx));
      feed.poll(ctx);
      return cache.get(domain, key, trace, ctx);
    },
  };
}
