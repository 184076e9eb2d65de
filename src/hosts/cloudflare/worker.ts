/**
 * Cloudflare Workers host for the edge app (src/edge): short links answered in workerd, in front
 * of the Node origin (docs/protocol.md). Deployment: README "Deployment", wrangler.toml.
 *
 * Config comes from the Worker's `env` bindings ([vars] plus the SIGNPOST_SECRET secret), not
 * process.env. Defaults differ from the Node hosts where Cloudflare tells us more: only
 * Cloudflare's geo headers are trusted (GEO_HEADERS=cloudflare) and the client IP is
 * `cf-connecting-ip` (TRUSTED_IP_HEADER), both of which Cloudflare sets and overwrites itself.
 */
import { ConfigError, parseEdgeConfig, type EdgeConfig } from "@/config/env";
import { createEdgeAppFromConfig } from "@/edge/edge-app-from-config";
import { createEdgeLogger } from "@/edge/log";
import { isShortHost } from "@/edge/route-request";

/** The Worker's bindings: string vars and secrets (other bindings, if any, are ignored). */
export type WorkerEnv = Record<string, unknown>;

/** The part of Cloudflare's ExecutionContext the edge app uses. */
export interface WorkerContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
}

/** Edge config from Worker bindings, with this host's defaults. */
export function workerConfig(env: WorkerEnv): EdgeConfig {
  const vars = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
  const missing = [
    ...(vars.SHORT_DOMAINS ? [] : [{ variable: "SHORT_DOMAINS", problem: "is required on Cloudflare Workers (the hosts this Worker answers)" }]),
    ...(vars.ORIGIN_URL || vars.APP_URL ? [] : [{ variable: "ORIGIN_URL", problem: "is required on Cloudflare Workers (where the Node origin is)" }]),
  ];
  if (missing.length > 0) throw new ConfigError(missing);
  return parseEdgeConfig({ GEO_HEADERS: "cloudflare", TRUSTED_IP_HEADER: "cf-connecting-ip", ...vars });
}

function buildApp(config: EdgeConfig) {
  return createEdgeAppFromConfig(config, { host: "worker" }).app;
}

/** Built on the first request of each isolate (bindings are not available before). */
let instance: { app: ReturnType<typeof buildApp>; config: EdgeConfig } | undefined;

const worker = {
  async fetch(request: Request, env: WorkerEnv, ctx: WorkerContext): Promise<Response> {
    if (!instance) {
      try {
        const config = workerConfig(env);
        instance = { app: buildApp(config), config };
      } catch (error) {
        // Logged for `wrangler tail`; visitors get no detail. Not cached: the next request retries.
        createEdgeLogger({ base: { host: "worker" } }).error("signpost worker misconfigured", { error: String(error instanceof Error ? error.message : error) });
        return new Response("Signpost is misconfigured.\n", { status: 500, headers: { "cache-control": "no-store" } });
      }
    }
    // A route on the app host or origin, or no domain name: answer here rather than query the origin.
    // Custom domains (Cloudflare for SaaS, or a route per domain) reach the edge app like SHORT_DOMAINS.
    if (!isShortHost(new URL(request.url).host, instance.config)) {
      return new Response("Not found.\n", { status: 404, headers: { "cache-control": "no-store", "x-robots-tag": "noindex" } });
    }
    // Bound, not spread: workerd's ExecutionContext methods live on its prototype.
    return instance.app.fetch(request, env, { waitUntil: (p) => ctx.waitUntil(p) });
  },
} satisfies { fetch(request: Request, env: WorkerEnv, ctx: WorkerContext): Promise<Response> };

export default worker;
