import cluster from "node:cluster";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import type { RedirectorConfig } from "@/config/env";
import type { Background, EdgeApp, EdgeRequest } from "@/edge/app";
import { createEdgeAppFromConfig } from "@/edge/edge-app-from-config";
import { createEdgeLogger, type EdgeLogLevel, type LogWrite } from "@/edge/log";
import { isShortHost } from "@/edge/route-request";
// Types only: ioredis (link events) and prom-client (the metrics port) load when configured, which
// keeps them out of every other redirector's start.
import type { LinkEventSubscription } from "./link-events";
import type { MetricsServer } from "./metrics";

export type Log = (level: "info" | "warn" | "error", msg: string, extra?: Record<string, unknown>) => void;

const held = { out: "", err: "" };
let flushScheduled = false;

/** Writes the log lines held for this event-loop turn (see stdWrite); exit paths call it. */
export function flushLogs(): void {
  flushScheduled = false;
  const { out, err } = held;
  held.out = held.err = "";
  if (out) process.stdout.write(out);
  if (err) process.stderr.write(err);
}

/**
 * Warnings and errors to stderr, the rest to stdout: one JSON line each (src/edge/log.ts). Lines are
 * gathered and written once per event-loop turn: stdout on a pipe or file is synchronous in Node,
 * and one write(2) per request was a visible share of a busy redirector's time. Order is kept
 * within each stream; the process's exit writes whatever is still held.
 */
export const stdWrite: LogWrite = (line, level) => {
  if (level === "warn" || level === "error") held.err += `${line}\n`;
  else held.out += `${line}\n`;
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushLogs);
  }
};
process.on("exit", flushLogs);

const base = () => ({ host: "redirector", pid: process.pid });
let processLog = createEdgeLogger({ write: stdWrite, base: base() });

/** Applies LOG_LEVEL to the process's own lines (request lines take it from the config directly). */
export function setLogLevel(level: EdgeLogLevel): void {
  processLog = createEdgeLogger({ level, write: stdWrite, base: base() });
}

export const log: Log = (level, msg, extra = {}) => processLog[level](msg, extra);

export interface RunningRedirector {
  port: number;
  /** The metrics port (direct mode with REDIRECTOR_METRICS_PORT, one process), else null. */
  metricsPort: number | null;
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
  const remoteAddresses = new WeakMap<EdgeRequest, string | null>();
  // The socket's address stands in when TRUSTED_IP_HEADER is unset.
  const hooks = {
    remoteAddress: (request: EdgeRequest) => remoteAddresses.get(request) ?? null,
    clickBuffer: config.clickBuffer,
    // A long-lived process: batches every 100 ms (or 500 clicks) instead of 25 ms, a quarter of the
    // origin requests (or stream entries) at the same click rate; shutdown still flushes them all.
    // EDGE_CLICK_DELAY_MS overrides it.
    clickDelayMs: 100,
    host: "redirector",
    write: stdWrite,
    logFields: { pid: process.pid },
  };
  const { direct } = config;
  // Direct mode (DATABASE_URL): links, gates and clicks in the database; its code is loaded only then.
  // Otherwise wired exactly like every other host, on the origin protocol.
  const { app, links: cache, clicks, metrics, close: closeStore } = direct
    ? await (await import("./direct")).createDirectEdgeApp({ ...config, direct }, hooks)
    : { ...createEdgeAppFromConfig(config, hooks), metrics: null, close: async () => {} };

  // Background work the app hands over (click batches, cache refreshes), awaited on shutdown.
  const pending = new Set<Promise<unknown>>();
  const background: Background = {
    waitUntil(promise) {
      const tracked = promise.catch(() => undefined).finally(() => pending.delete(tracked));
      pending.add(tracked);
    },
  };

  let subscription: LinkEventSubscription | null = null;
  if (config.redisUrl) {
    const { subscribeLinkChanges } = await import("./link-events");
    // While subscribed, links stay fresh longer: edits arrive as evictions (link-cache.ts).
    subscription = subscribeLinkChanges(
      config.redisUrl,
      (domain, key) => cache.evict(domain, key),
      log,
      (live) => cache.setChangesPushed(live),
    );
  }

  /** A start that failed part-way gives back what it opened before the listeners. */
  const abandon = async () => {
    await subscription?.close();
    await closeStore();
  };

  const server = createServer(nodeListener(app, { isShortHost: (host) => isShortHost(host, config), remoteAddresses, background }));
  server.listen(options.port ?? config.port, options.hostname);

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.once("listening", () => resolve((server.address() as AddressInfo).port));
    });
  } catch (error) {
    await abandon();
    throw error;
  }

  // Direct mode's metrics port: served here by a single process; in a cluster the primary serves
  // the workers' sum (src/hosts/node/main.ts) and each worker answers it over IPC.
  let metricsServer: MetricsServer | null = null;
  if (config.metrics && metrics) {
    const { answerClusterMetrics, registryMetrics, serveMetrics } = await import("./metrics");
    if (cluster.isWorker) answerClusterMetrics(metrics());
    else {
      try {
        metricsServer = await serveMetrics({ port: config.metrics.port, hostname: options.hostname, token: config.metrics.token, collect: registryMetrics(metrics()) });
      } catch (error) {
        server.close();
        await abandon();
        throw error;
      }
    }
  }

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    // 1. Stop accepting; idle keep-alive connections are closed, busy ones finish their response.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if ("closeIdleConnections" in server) server.closeIdleConnections();
    const force = setTimeout(() => "closeAllConnections" in server && server.closeAllConnections(), 5_000);
    await closed;
    clearTimeout(force);
    await metricsServer?.close();
    // 2. Background work, including work started by the last requests (loop: it may add more).
    while (pending.size > 0) await Promise.allSettled([...pending]);
    await subscription?.close();
    // 3. The direct store's pool and click-stream connection, once nothing can need them.
    await closeStore();
    log("info", "redirector stopped", { clicks: clicks.stats(), cache: cache.stats() });
  }

  return {
    port,
    metricsPort: metricsServer?.port ?? null,
    close: () => (closing ??= close()),
  };
}

/** The `node:http` request listener that serves `app` (exported for benchmarks and profiling harnesses). */
export function nodeListener(app: EdgeApp, deps: AdapterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    answer(app, req, res, deps).catch((error: unknown) => {
      // A header Node refuses to write (writeHead validates names and values) must not end the process.
      log("error", "redirector response failed", { error: String(error) });
      if (!res.headersSent) send(res, 500, [["content-type", TEXT], ["cache-control", "no-store"]], "Internal Server Error\n");
      else res.destroy();
    });
  };
}

export interface AdapterDeps {
  isShortHost(host: string): boolean;
  /** Filled with each request's socket address, for the app's `remoteAddress` hook. */
  remoteAddresses: WeakMap<EdgeRequest, string | null>;
  background: Background;
}

const TEXT = "text/plain; charset=utf-8";

/**
 * The minimal Node HTTP adapter: Node's request is read through a small EdgeRequest view (header
 * lookups straight from Node's parsed headers, the body only when the app reads it) and the app's
 * answer is written with one writeHead and end. No Web Request, Headers or Response is built on
 * the hot path: that translation cost more than the redirect decision itself.
 */
async function answer(app: EdgeApp, req: IncomingMessage, res: ServerResponse, deps: AdapterDeps): Promise<void> {
  let url: URL;
  try {
    // Validated here so the app never sees a URL it cannot parse (a Host with spaces, a bad path).
    // An origin-form target ("/abc", also "//abc") goes under the Host header; an absolute-form
    // one ("GET http://short.example/abc") names its own host, which then wins (RFC 9112, 3.2.2).
    // Whichever it is, the host checked below is the host the app looks the link up on.
    const target = req.url ?? "";
    const host = req.headers.host ?? "";
    // A Host is a name or address and a port: anything that would end the authority ("/", "?", "#")
    // or add userinfo ("@") would make the URL say something the client did not.
    if (target.startsWith("/") && host && !/[\s/?#@\\]/.test(host)) url = new URL(`http://${host}${target}`);
    else if (/^https?:\/\//i.test(target)) url = new URL(target);
    else throw new Error("not a request target for a short link");
  } catch {
    return send(res, 400, [["content-type", TEXT], ["cache-control", "no-store"]], "Bad request.\n");
  }
  if (!deps.isShortHost(url.host)) {
    return send(res, 404, [["content-type", TEXT], ["cache-control", "no-store"]], "Not a short link host of this redirector.\n", req.method === "HEAD");
  }
  let body: ReadableStream<Uint8Array> | null | undefined;
  const request: EdgeRequest = {
    method: req.method ?? "GET",
    url: url.href,
    headers: {
      get(name) {
        const value = req.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
      },
      keys: () => Object.keys(req.headers),
    },
    get body() {
      if (body === undefined) body = req.method === "GET" || req.method === "HEAD" ? null : (Readable.toWeb(req) as ReadableStream<Uint8Array>);
      return body;
    },
  };
  deps.remoteAddresses.set(request, plainAddress(req.socket.remoteAddress));
  let response;
  try {
    response = await app.handle(request, deps.background);
  } catch (error) {
    // handle() answers its own errors; this is a last line for a bug in the adapter's view.
    log("error", "redirector request failed", { error: String(error) });
    response = { status: 500, headers: [["content-type", TEXT], ["cache-control", "no-store"]] as [string, string][], body: "Internal Server Error\n" };
  }
  // A request body the app did not read (a POST to a redirecting link) is drained by Node once the
  // response ends.
  send(res, response.status, response.headers, response.body, req.method === "HEAD");
}

function send(res: ServerResponse, status: number, headers: [string, string][], body: string | null, head = false): void {
  const flat: string[] = [];
  for (const [name, value] of headers) flat.push(name, value);
  const bytes = body === null ? null : Buffer.from(body, "utf8");
  flat.push("content-length", String(bytes?.byteLength ?? 0));
  res.writeHead(status, flat);
  res.end(head ? undefined : bytes);
}
