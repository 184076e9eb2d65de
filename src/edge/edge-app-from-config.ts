import { edgeConfig, type EdgeConfig } from "@/config/env";
import { createEdgeApp } from "./app";
import { createBatchingClickSink } from "./click-sink";
import { extractFacts } from "./facts";
import { createCachedLinkStore } from "./link-cache";
import { createOriginLinkStore } from "./link-store";
import { createOriginClient } from "./origin-client";
import { createOriginGates } from "./origin-gates";

export interface HostHooks {
  /** Clicks held while the origin catches up (default 10,000: an isolate's share of memory). */
  clickBuffer?: number;
  /** The client address when the host knows it (the Node redirector's socket); used only without TRUSTED_IP_HEADER. */
  remoteAddress?(request: Request): string | null;
}

/**
 * The edge app wired for production from a config: a cached, signed origin link store, the
 * origin's gates, a batching click sink and request facts with the configured trust. Every host
 * (Next middleware, the Node redirector, the Cloudflare Worker) builds it here, so they cannot
 * drift apart.
 */
export function createEdgeAppFromConfig(config: EdgeConfig, hooks: HostHooks = {}) {
  const origin = createOriginClient({ originUrl: config.originUrl, secret: config.secret });
  const links = createCachedLinkStore(createOriginLinkStore(origin));
  const clicks = createBatchingClickSink(origin, {
    maxBuffered: hooks.clickBuffer,
    onDrop: (events, error) => console.error(JSON.stringify({ level: "error", msg: "clicks dropped", count: events.length, error: String(error) })),
  });
  const app = createEdgeApp({
    links,
    gates: createOriginGates(origin),
    clicks,
    options: {
      secret: config.secret,
      homeUrl: config.homeUrl,
      passwordTtlSeconds: config.linkPasswordTtlSeconds,
      facts: (request) =>
        extractFacts(request, { geo: config.geo, trustedIpHeader: config.trustedIpHeader, remoteAddress: hooks.remoteAddress?.(request) ?? null }),
    },
  });
  return { app, links, clicks };
}

let app: ReturnType<typeof createEdgeApp> | undefined;

/** The edge app for Next's middleware, from the environment, built once per isolate. */
export function edgeAppFromConfig() {
  app ??= createEdgeAppFromConfig(edgeConfig()).app;
  return app;
}
