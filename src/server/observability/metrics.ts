import "server-only";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Redis } from "ioredis";
import type { EdgeStatsReport } from "@/core/edge-stats";
import { clicksOverLimit } from "@/server/billing/clicks";
import { ingestCounters } from "@/server/clicks/pipeline";
import { clickStreamStats, type ClickStreamKeys } from "@/server/clicks/stream";
import type { Database } from "@/server/db/client";

/**
 * The Node side's Prometheus metrics. One registry per process, kept on globalThis: Next may
 * evaluate this module once per route bundle, and every bundle must report the same figures.
 * Process-wide figures are collected when scraped; nothing here costs anything between scrapes.
 */
export interface MetricsSources {
  database: () => Promise<Database>;
  redis: Redis | null;
  keys: ClickStreamKeys;
}

const GLOBAL_KEY = Symbol.for("signpost.metrics");
interface ProcessMetrics {
  registry: Registry;
  http: Histogram<"method" | "route" | "status">;
  edgeRedirects: Counter<"host" | "outcome">;
  edgeCacheLookups: Counter<"host" | "result">;
  edgeOriginLookups: Counter<"host" | "status">;
  collectors: boolean;
}
type Holder = { [GLOBAL_KEY]?: ProcessMetrics };

function processMetrics() {
  const holder = globalThis as Holder;
  if (!holder[GLOBAL_KEY]) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: "signpost_" });
    const http = new Histogram({
      name: "signpost_http_request_duration_seconds",
      help: "API and internal route handlers: time from request to response, by method, route template and status",
      labelNames: ["method", "route", "status"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    // Counted by the edge hosts and reported with their click batches (docs/protocol.md, "stats").
    const edgeRedirects = new Counter({
      name: "signpost_edge_redirects_total",
      help: "Short-link requests answered by edge hosts, by host (next, redirector, worker) and outcome (redirect, not_found, password, unavailable, ...)",
      labelNames: ["host", "outcome"] as const,
      registers: [registry],
    });
    const edgeCacheLookups = new Counter({
      name: "signpost_edge_cache_lookups_total",
      help: "Edge link-cache lookups by host and result: hit, negative (a cached not-found), stale (served while refreshing), miss",
      labelNames: ["host", "result"] as const,
      registers: [registry],
    });
    const edgeOriginLookups = new Counter({
      name: "signpost_edge_origin_lookups_total",
      help: "Edge -> origin link lookups (cache misses and refreshes) by host and status: found, not_found, error",
      labelNames: ["host", "status"] as const,
      registers: [registry],
    });
    holder[GLOBAL_KEY] = { registry, http, edgeRedirects, edgeCacheLookups, edgeOriginLookups, collectors: false };
  }
  return holder[GLOBAL_KEY];
}

/** Ids in paths become `:id`, so a route has one series however many links there are. */
export function routeTemplate(pathname: string): string {
  return pathname
    .split("/")
    .map((segment) =>
      /^[0-9]+$/.test(segment) || /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(segment) || /^[a-z]{2,5}_[A-Za-z0-9_-]{6,}$/.test(segment) || segment.length >= 24 ? ":id" : segment,
    )
    .join("/");
}

/** Records one handled request (called by the API handler wrapper). */
export function observeRequest(method: string, pathname: string, status: number, seconds: number): void {
  processMetrics().http.observe({ method, route: routeTemplate(pathname), status: String(status) }, seconds);
}

/** Adds an edge host's counters (the `stats` of a click batch) to the process's edge metrics. */
export function recordEdgeStats(report: EdgeStatsReport): void {
  const metrics = processMetrics();
  for (const [outcome, n] of Object.entries(report.redirects ?? {})) if (n > 0) metrics.edgeRedirects.inc({ host: report.host, outcome }, n);
  for (const [result, n] of Object.entries(report.cacheLookups ?? {})) if (n > 0) metrics.edgeCacheLookups.inc({ host: report.host, result }, n);
  for (const [status, n] of Object.entries(report.originLookups ?? {})) if (n > 0) metrics.edgeOriginLookups.inc({ host: report.host, status }, n);
}

/** The app's /metrics: this process's figures, plus the click stream's and the job queue's. */
export function metricsRegistry(sources: MetricsSources): Registry {
  const metrics = processMetrics();
  if (metrics.collectors) return metrics.registry;
  metrics.collectors = true;
  const registry = metrics.registry;
  registerProcessCollectors(registry, sources.database);

  if (sources.redis) {
    const redis = sources.redis;
    new Gauge({
      name: "signpost_click_stream",
      help: "The Redis click stream: entries (batches) in it, pending (taken, not acknowledged), lag (not yet taken), consumers, dead letters",
      labelNames: ["figure"],
      registers: [registry],
      async collect() {
        try {
          const stats = await clickStreamStats(redis, sources.keys);
          for (const [figure, value] of Object.entries(stats)) this.set({ figure }, value);
        } catch {
          this.reset(); // Redis unavailable: no figures rather than stale ones
        }
      },
    });
  }

  new Gauge({
    name: "signpost_jobs",
    help: "Background jobs (pg-boss) by queue and state; state=failed counts job failures kept for inspection",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const database = await sources.database();
        const { rows } = await database.query("select name, state::text as state, count(*)::int as n from pgboss.job group by name, state");
        for (const row of rows) this.set({ queue: String(row.name), state: String(row.state) }, Number(row.n));
      } catch {
        // pg-boss not installed yet, or the database is down: /readyz says which.
      }
    },
  });

  return registry;
}

/**
 * The standalone redirector's metrics port in direct mode: this process's edge counters (recorded
 * as it counts them: recordEdgeStats), click ingest counters and pool, without the app-wide
 * figures (click stream, jobs) that the app's /metrics already shows.
 */
export function redirectorMetricsRegistry(database: () => Promise<Database>): Registry {
  const metrics = processMetrics();
  if (!metrics.collectors) {
    metrics.collectors = true;
    registerProcessCollectors(metrics.registry, database);
  }
  return metrics.registry;
}

/** Figures of this process's own work: click ingest, plan-limit drops, its Postgres pool. */
function registerProcessCollectors(registry: Registry, database: () => Promise<Database>): void {
  new Counter({
    name: "signpost_click_ingest_batches_total",
    help: "Click batches accepted by the ingest endpoint, by where they went: queued on the stream, stored in the database, stored because Redis failed",
    labelNames: ["mode"],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ mode: "queued" }, ingestCounters.queuedBatches);
      this.inc({ mode: "stored" }, ingestCounters.storedBatches);
      this.inc({ mode: "redis_fallback" }, ingestCounters.redisFallbacks);
    },
  });
  new Counter({
    name: "signpost_click_ingest_clicks_total",
    help: "Clicks accepted by the ingest endpoint (queued, or newly stored)",
    labelNames: ["mode"],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ mode: "queued" }, ingestCounters.queuedClicks);
      this.inc({ mode: "stored" }, ingestCounters.storedClicks);
    },
  });
  new Counter({
    name: "signpost_click_ingest_unavailable_total",
    help: "Click batches answered 503 because the database was unavailable (the edge retries them)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(ingestCounters.unavailable);
    },
  });
  new Counter({
    name: "signpost_clicks_over_plan_limit_total",
    help: "Human clicks redirected but not stored because their workspace was past its plan's monthly tracked-click limit (docs/billing.md)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(clicksOverLimit.dropped);
    },
  });

  new Gauge({
    name: "signpost_db_pool_connections",
    help: "Postgres connection pool of this process: total connections, idle ones, and queries waiting for a connection (no series on embedded PGlite)",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const pool = (await database()).poolStats?.();
        if (!pool) return;
        this.set({ state: "total" }, pool.total);
        this.set({ state: "idle" }, pool.idle);
        this.set({ state: "waiting" }, pool.waiting);
      } catch {
        // The database cannot be opened: /readyz says why.
      }
    },
  });
}
