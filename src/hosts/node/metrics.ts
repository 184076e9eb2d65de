/**
 * The standalone redirector's metrics port in direct mode (REDIRECTOR_METRICS_PORT): `GET /metrics`
 * in Prometheus text, behind `Authorization: Bearer <METRICS_TOKEN>` when that is set, as the app's
 * own /metrics. A single process serves its own registry; with REDIRECTOR_WORKERS > 1 the cluster
 * primary serves the sum of its workers' registries (prom-client's AggregatorRegistry asks each
 * worker over the cluster's IPC channel), so one scrape sees the whole redirector.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { AggregatorRegistry, type Registry } from "prom-client";
import { metricsAuthorized } from "./metrics-token";

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

function json(code: string, message: string): string {
  return `${JSON.stringify({ error: { code, message } })}\n`;
}

/** Serves `GET /metrics` on `port` (0: any free port) from `collect`. */
export async function serveMetrics(options: { port: number; hostname?: string; token?: string; collect: () => Promise<{ text: string; contentType: string }> }): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store", "content-length": Buffer.byteLength(body) });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    if (path !== "/metrics") return send(404, "application/json", json("not_found", "Only GET /metrics is served on this port"));
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, "application/json", json("method_not_allowed", "GET /metrics"));
    if (!metricsAuthorized(req.headers.authorization, options.token)) return send(401, "application/json", json("unauthorized", "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>"));
    options.collect().then(
      ({ text, contentType }) => send(200, contentType, text),
      (error: unknown) => send(503, "application/json", json("unavailable", `metrics could not be collected: ${String(error)}`)),
    );
  });
  server.listen(options.port, options.hostname);
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.once("listening", () => resolve((server.address() as AddressInfo).port));
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A registry's own figures, for a single redirector process. */
export function registryMetrics(registry: Registry): () => Promise<{ text: string; contentType: string }> {
  return async () => ({ text: await registry.metrics(), contentType: registry.contentType });
}

/** In the cluster primary: every worker's figures, summed. */
export function clusterMetrics(): () => Promise<{ text: string; contentType: string }> {
  const aggregator = new AggregatorRegistry();
  return async () => ({ text: await aggregator.clusterMetrics(), contentType: aggregator.contentType });
}

/** In a cluster worker: answer the primary's requests with this registry. */
export function answerClusterMetrics(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  // The constructor installs the worker's IPC listener; the instance itself is not needed.
  new AggregatorRegistry();
}
