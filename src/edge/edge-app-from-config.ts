import { edgeConfig, type EdgeConfig } from "@/config/env";
import { createEdgeApp, type EdgeRequest } from "./app";
import { originChangeSource, withChangeFeed } from "./change-feed";
import { createBatchingClickSink } from "./click-sink";
import { extractFacts } from "./facts";
import { createCachedLinkStore } from "./link-cache";
import { createOriginLinkStore, type LinkStore } from "./link-store";
import { createEdgeLogger, type LogWrite } from "./log";
import { createOriginClient } from "./origin-client";
import { createOriginGates } from "./origin-gates";
import { createEdgeStats, type EdgeStats } from "./stats";

export interface HostHooks {
  /** Clicks held while the origin catches up (default 10,000: an isolate's share of memory). */
  clickBuffer?: number;
  /**
   * The host's longest wait before a partial click batch goes out (default 25 ms), unless
   * EDGE_CLICK_DELAY_MS sets one. A long-lived process with many clicks a second sends fewer,
   * fuller batches with a longer one: each batch costs the origin a signed request, a route and a
   * transaction or stream entry.
   */
  clickDelayMs?: number;
  /** The client address when the host knows it (the Node redirector's socket); used only without TRUSTED_IP_HEADER. */
  remoteAddress?(request: EdgeRequest): string | null;
  /** Which host this is, on log lines and the origin's edge metrics: next (default), redirector, worker. */
  host?: string;
  /** Where log lines go (default: console by level). */
  write?: LogWrite;
  /** Fields on every log line besides `host` (the Node redirector's `pid`, which tells its worker processes apart). */
  logFields?: Record<string, unknown>;
}

/** Counts the inner store's lookups by how they ended: found, not_found, error. */
export function countingLinkStore(inner: LinkStore, stats: EdgeStats): LinkStore {
  return {
    async get(domain, key, trace) {
      try {
        const link = await inner.get(domain, key, trace);
        stats.originLookup(link ? "found" : "not_found");
        return link;
      } catch (error) {
        stats.originLookup("error");
        throw error;
      }
    },
  };
}

/**
 * The edge app wired for production from a config: a cached, signed origin link store, the
 * origin's gates, a batching click sink and request facts with the configured trust. Every host
 * (Next middleware, the Node redirector, the Cloudflare Worker) builds it here, so they cannot
 * drift apart.
 */
export function createEdgeAppFromConfig(config: EdgeConfig, hooks: HostHooks = {}) {
  const host = hooks.host ?? "next";
  const log = createEdgeLogger({ level: config.logLevel, write: hooks.write, base: { host, ...hooks.logFields } });
  const stats = createEdgeStats(host);
  const origin = createOriginClient({ originUrl: config.originUrl, secret: config.secret });
  // The link-change feed, polled as requests arrive (docs/decisions/0032-link-change-feed.md).
  const links = withChangeFeed(createCachedLinkStore(countingLinkStore(createOriginLinkStore(origin), stats)), originChangeSource(origin), config.changesPollMs, log);
  const clicks = createBatchingClickSink(origin, {
    maxBuffered: hooks.clickBuffer,
    maxDelayMs: config.clickDelayMs ?? hooks.clickDelayMs,
    stats,
    onDrop: (events, error) => log.error("clicks dropped", { count: events.length, error: String(error) }),
  });
  const app = createEdgeApp({
    log,
    stats,
    links,
    gates: createOriginGates(origin),
    clicks,
    options: {
      secret: config.secret,
      homeUrl: config.homeUrl,
      passwordTtlSeconds: config.linkPasswordTtlSeconds,
      facts: (request, url) =>
        extractFacts(request, { geo: config.geo, trustedIpHeader: config.trustedIpHeader, remoteAddress: hooks.remoteAddress?.(request) ?? null }, url),
    },
  });
  return { app, links, clicks, log };
}

let app: ReturnType<typeof createEdgeApp> | undefined;

/** The edge app for Next's middleware, from the environment, built once per isolate. */
export function edgeAppFromConfig() {
  app ??= createEdgeAppFromConfig(edgeConfig()).app;
  return app;
}
