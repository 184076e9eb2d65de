/**
 * Direct mode of the standalone redirector (DATABASE_URL set; docs/decisions/0015): the edge app
 * with its link store, gates and click sink backed by Postgres (and the Redis click stream)
 * through the origin's own server functions, instead of the signed origin protocol. Loaded only in
 * direct mode, so the origin-protocol redirector never loads database code.
 *
 * Everything else is the edge app exactly as the other hosts run it: the same in-process cache
 * (TTL, pub/sub eviction and the link-change feed), the same batching sink (buffer, coalescing, bound, retries, flushed on
 * shutdown), the same request facts.
 */
import type { RedirectorConfig } from "@/config/env";
import { createEdgeApp } from "@/edge/app";
import { withChangeFeed } from "@/edge/change-feed";
import { ClickBatchRejectedError, createBatchingClickSink, type ClickPoster } from "@/edge/click-sink";
import { countingLinkStore, type HostHooks } from "@/edge/edge-app-from-config";
import { extractFacts } from "@/edge/facts";
import { createCachedLinkStore } from "@/edge/link-cache";
import { createEdgeLogger } from "@/edge/log";
import type { LinkStore } from "@/edge/link-store";
import type { OriginGates } from "@/edge/origin-gates";
import type { EdgeStats } from "@/edge/stats";
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
 * Edge counters for a host with no origin to report to: each count goes straight into this
 * process's Prometheus counters (`signpost_edge_*_total{host}`), which its metrics port serves.
 * Nothing is held, so nothing is taken or restored.
 */
export function processEdgeStats(host: string, record: DirectStore["recordEdgeStats"]): EdgeStats {
  return {
    redirect: (outcome) => record({ host, redirects: { [outcome]: 1 } }),
    cacheLookup: (result) => record({ host, cacheLookups: { [result]: 1 } }),
    originLookup: (status) => record({ host, originLookups: { [status]: 1 } }),
    pending: () => false,
    take: () => null,
    restore: () => undefined,
  };
}

/**
 * The edge app on the direct store, wired like `createEdgeAppFromConfig` wires it on the origin
 * protocol. `close` closes the store; call it after the click buffer has been flushed.
 */
export async function createDirectEdgeApp(config: RedirectorConfig & { direct: NonNullable<RedirectorConfig["direct"]> }, hooks: HostHooks = {}) {
  const store = await openDirectStore({ ...config.direct, redisUrl: config.redisUrl });
  const log = createEdgeLogger({ level: config.logLevel, write: hooks.write, base: { host: hooks.host ?? "redirector", ...hooks.logFields } });
  // No origin to report edge counters to: they count into this process's registry, which the
  // metrics port serves (REDIRECTOR_METRICS_PORT; docs/observability.md). The database lookups
  // are its "origin lookups".
  const stats = processEdgeStats(hooks.host ?? "redirector", (report) => store.recordEdgeStats(report));
  // The link-change feed read straight from the database (docs/decisions/0032-link-change-feed.md).
  const links = withChangeFeed(createCachedLinkStore(countingLinkStore(directLinkStore(store), stats)), (cursor) => store.linkChanges(cursor), config.changesPollMs, log);
  const clicks = createBatchingClickSink(directClickPoster(store), {
    maxBuffered: hooks.clickBuffer,
    maxDelayMs: config.clickDelayMs ?? hooks.clickDelayMs,
    onDrop: (events, error) => log.error("clicks dropped", { count: events.length, error: String(error) }),
  });
  const app = createEdgeApp({
    log,
    stats,
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
  // This process's figures for the metrics port: edge counters, click ingest, its Postgres pool.
  return { app, links, clicks, metrics: () => store.metrics(), close: () => store.close() };
}
