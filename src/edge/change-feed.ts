import { z } from "zod";
import { DEFAULT_CHANGES_POLL_MS } from "@/config/env";
import type { EdgeLogger } from "./log";
import type { CachedLinkStore, WaitUntil } from "./link-cache";
import type { OriginClient } from "./origin-client";
import { detachedFromTrace } from "./tracing";

/**
 * The edge side of the link-change feed (docs/decisions/0032-link-change-feed.md): while requests
 * arrive, at most one poll per `intervalMs` asks which links changed since the last one, evicts
 * them, and tells the cache (`changesPolled`), which then keeps found links fresh for minutes
 * instead of refreshing every hot link every 30 s. Edits reach the edge within about one
 * interval. A failed poll changes nothing: once the last good one is older than the cache's TTL,
 * the cache is back on its TTL.
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
  /** Least time between two polls' starts (ms). */
  intervalMs?: number;
  now?: () => number;
  /** A poll failed (source unreachable or refusing); the next is tried an interval later. */
  onError?(error: unknown): void;
}

export interface ChangeFeed {
  /** Starts a poll in the background when one is due; `ctx` keeps the host alive for it. */
  poll(ctx?: WaitUntil): void;
}

export function createChangeFeed(source: ChangeSource, cache: Pick<CachedLinkStore, "evict" | "changesPolled">, options: ChangeFeedOptions = {}): ChangeFeed {
  const { intervalMs = DEFAULT_CHANGES_POLL_MS, now = Date.now, onError } = options;
  let cursor: string | null = null;
  let lastStart = -Infinity;
  let running = false;

  async function run(startedAt: number): Promise<void> {
    const page = await source(cursor);
    for (const change of page.changes) cache.evict(change.domain, change.key);
    cache.changesPolled(startedAt, page.fresh);
    cursor = page.cursor;
  }

  return {
    poll(ctx) {
      const at = now();
      if (running || at - lastStart < intervalMs) return;
      running = true;
      lastStart = at;
      // Not part of the request that happened to set it off: with tracing on, a trace of its own.
      const done = detachedFromTrace(() => run(at))
        .catch((error) => onError?.(error))
        .finally(() => {
          running = false;
        });
      ctx?.waitUntil(done);
    },
  };
}

/**
 * `cache` with the feed polled on every `get` (when due), as every host wires it; `cache` itself
 * when `intervalMs` is 0 (EDGE_CHANGES_POLL_MS=0). A failing feed is logged once a minute at most.
 */
export function withChangeFeed(cache: CachedLinkStore, source: ChangeSource, intervalMs: number, log: EdgeLogger): CachedLinkStore {
  if (intervalMs <= 0) return cache;
  let warnedAt = -Infinity;
  const feed = createChangeFeed(source, cache, {
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
      feed.poll(ctx);
      return cache.get(domain, key, trace, ctx);
    },
  };
}
