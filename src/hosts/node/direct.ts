/**
 * Direct mode of the standalone redirector (DATABASE_URL set; docs/decisions/0015): the edge app
 * with its link store, gates and click sink backed by Postgres (and the Redis click stream)
 * through the origin's own server functions, instead of the signed origin protocol. Loaded only in
 * direct mode, so the origin-protocol redirector never loads database code.
 *
 * Everything else is the edge app exactly as the other hosts run it: the same in-process cache
 * (TTL + pub/sub eviction), the same batching sink (buffer, coalescing, bound, retries, flushed on
 * shutdown), the same request facts.
 */
import type { RedirectorConfig } from "@/config/env";
import { createEdgeApp } from "@/edge/app";
import { ClickBatchRejectedError, createBatchingClickSink, type ClickPoster } from "@/edge/click-sink";
import type { HostHooks } from "@/edge/edge-app-from-config";
import { extractFacts } from "@/edge/facts";
import { createCachedLinkStore } from "@/edge/link-cache";
import { createEdgeLogger } from "@/edge/log";
import type { LinkStore } from "@/edge/link-store";
import type { OriginGates } from "@/edge/origin-gates";
import { InvalidClickBatchError, openDirectStore, type DirectStore } from "@/server/internal/direct";

/** Links straight from the database (the lookup endpoint's query). */
export function directLinkStore(store: DirectStore): LinkStore {
  return { get: (domain, key) => store.lookup(domain, key) };
}

/** The exact `maxClicks` and password-attempt counters, in the database. */
export function directGates(store: DirectStore): OriginGates {
  return {
    reserveClick: (linkId) => store.reserveClick(linkId),
    recordPasswordAttempt: (linkId, visitor) => store.recordPasswordAttempt(linkId, visitor),
  };
}

/** Batches go through the ingest pipeline in process; an invalid batch is not retried (the endpoint's 400). */
export function directClickPoster(store: DirectStore): ClickPoster {
  return async (batch) => {
    try {
      await store.ingest(batch);
    } catch (error) {
      if (error instanceof InvalidClickBatchError) throw new ClickBatchRejectedError(error.message);
      throw error;
    }
  };
}

/**
 * The edge app on the direct store, wired like `createEdgeAppFromConfig` wires it on the origin
 * protocol. `close` closes the store; call it after the click buffer has been flushed.
 */
export async function createDirectEdgeApp(config: RedirectorConfig & { direct: NonNullable<RedirectorConfig["direct"]> }, hooks: HostHooks = {}) {
  const store = await openDirectStore({ ...config.direct, redisUrl: config.redisUrl });
  const log = createEdgeLogger({ level: config.logLevel, write: hooks.write, base: { host: hooks.host ?? "redirector" } });
  // Direct mode has no origin to report edge counters to: its outcomes and cache results show in
  // its request log lines only (docs/observability.md).
  const links = createCachedLinkStore(directLinkStore(store));
  const clicks = createBatchingClickSink(directClickPoster(store), {
    maxBuffered: hooks.clickBuffer,
    maxDelayMs: hooks.clickDelayMs,
    onDrop: (events, error) => log.error("clicks dropped", { count: events.length, error: String(error) }),
  });
  const app = createEdgeApp({
    log,
    links,
    gates: directGates(store),
    clicks,
    options: {
      secret: config.secret,
      homeUrl: config.homeUrl,
      passwordTtlSeconds: config.linkPasswordTtlSeconds,
      facts: (request, url) =>
        extractFacts(request, { geo: config.geo, trustedIpHeader: config.trustedIpHeader, remoteAddress: hooks.remoteAddress?.(request) ?? null }, url),
    },
  });
  return { app, links, clicks, close: () => store.close() };
}
