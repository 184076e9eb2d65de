import type { AddressInfo } from "node:net";
import { serve, type Http2Bindings, type HttpBindings } from "@hono/node-server";
import type { RedirectorConfig } from "@/config/env";
import { createEdgeAppFromConfig } from "@/edge/edge-app-from-config";
import { createEdgeLogger, type EdgeLogLevel, type LogWrite } from "@/edge/log";
import { isShortHost } from "@/edge/route-request";
import { subscribeLinkChanges, type LinkEventSubscription } from "./link-events";

export type Log = (level: "info" | "warn" | "error", msg: string, extra?: Record<string, unknown>) => void;

/** Warnings and errors to stderr, the rest to stdout: one JSON line each (src/edge/log.ts). */
export const stdWrite: LogWrite = (line, level) => {
  (level === "warn" || level === "error" ? process.stderr : process.stdout).write(`${line}\n`);
};

const base = () => ({ host: "redirector", pid: process.pid });
let processLog = createEdgeLogger({ write: stdWrite, base: base() });

/** Applies LOG_LEVEL to the process's own lines (request lines take it from the config directly). */
export function setLogLevel(level: EdgeLogLevel): void {
  processLog = createEdgeLogger({ level, write: stdWrite, base: base() });
}

export const log: Log = (level, msg, extra = {}) => processLog[level](msg, extra);

export interface RunningRedirector {
  port: number;
  /** Stops accepting, lets in-flight requests finish, then awaits background work (click flushes). */
  close(): Promise<void>;
}

/** "::ffff:203.0.113.7" (an IPv4 client on a dual-stack socket) as "203.0.113.7". */
function plainAddress(address: string | undefined): string | null {
  if (!address) return null;
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/**
 * The standalone redirector: the edge app on a minimal Node HTTP adapter, answering every path on
 * the configured short hosts and on custom domains (a bare 404 on the app host, the origin and
 * anything that is not a domain name: it serves short links only).
 * Throws when it cannot start: the port is taken, or in direct mode the database is unreachable or
 * not migrated to this code's schema (`SchemaNotCurrentError`, src/server/internal/direct.ts).
 */
export async function startRedirector(config: RedirectorConfig, options: { port?: number; hostname?: string } = {}): Promise<RunningRedirector> {
  const remoteAddresses = new WeakMap<Request, string | null>();
  // The socket's address stands in when TRUSTED_IP_HEADER is unset.
  const hooks = { remoteAddress: (request: Request) => remoteAddresses.get(request) ?? null, clickBuffer: config.clickBuffer, host: "redirector", write: stdWrite };
  const { direct } = config;
  // Direct mode (DATABASE_URL): links, gates and clicks in the database; its code is loaded only then.
  // Otherwise wired exactly like every other host, on the origin protocol.
  const { app, links: cache, clicks, close: closeStore } = direct
    ? await (await import("./direct")).createDirectEdgeApp({ ...config, direct }, hooks)
    : { ...createEdgeAppFromConfig(config, hooks), close: async () => {} };

  // Background work the app hands over (click batches, cache refreshes), awaited on shutdown.
  const pending = new Set<Promise<unknown>>();
  const executionCtx = {
    waitUntil(promise: Promise<unknown>) {
      const tracked = promise.catch(() => undefined).finally(() => pending.delete(tracked));
      pending.add(tracked);
    },
    passThroughOnException() {},
    props: {},
  };

  let subscription: LinkEventSubscription | null = null;
  if (config.redisUrl) {
    subscription = subscribeLinkChanges(config.redisUrl, (domain, key) => cache.evict(domain, key), log);
  }

  const server = serve({
    port: options.port ?? config.port,
    hostname: options.hostname,
    fetch: (request: Request, env: HttpBindings | Http2Bindings) => {
      const host = new URL(request.url).host.toLowerCase();
      if (!isShortHost(host, config)) {
        return new Response("Not a short link host of this redirector.\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
      }
      remoteAddresses.set(request, plainAddress(env.incoming.socket?.remoteAddress));
      return app.fetch(request, env, executionCtx);
    },
  });

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.once("listening", () => resolve((server.address() as AddressInfo).port));
    });
  } catch (error) {
    await subscription?.close();
    await closeStore();
    throw error;
  }

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    // 1. Stop accepting; idle keep-alive connections are closed, busy ones finish their response.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if ("closeIdleConnections" in server) server.closeIdleConnections();
    const force = setTimeout(() => "closeAllConnections" in server && server.closeAllConnections(), 5_000);
    await closed;
    clearTimeout(force);
    // 2. Background work, including work started by the last requests (loop: it may add more).
    while (pending.size > 0) await Promise.allSettled([...pending]);
    await subscription?.close();
    // 3. The direct store's pool and click-stream connection, once nothing can need them.
    await closeStore();
    log("info", "redirector stopped", { clicks: clicks.stats(), cache: cache.stats() });
  }

  return {
    port,
    close: () => (closing ??= close()),
  };
}
