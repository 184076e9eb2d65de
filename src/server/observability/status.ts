import "server-only";
import type { Registry } from "prom-client";
import { metricsRegistry, type MetricsSources } from "@/server/observability/metrics";
import type { Point, Sample } from "@/server/observability/status-figures";

/**
 * History for the status page: every `intervalMs` the process's Prometheus registry (the one
 * /metrics serves) is read and the series the page charts are kept in a bounded ring, by default
 * the last hour at 15 s. The history is this process's own: it starts empty when the process
 * starts and is not shared between instances (Prometheus scraping /metrics is the durable record).
 * Kept on globalThis because Next may load this module once per route bundle.
 */
export const SAMPLE_INTERVAL_MS = 15_000;
export const SAMPLE_CAPACITY = 240;

/** The series the status page reads; everything else in the registry is left out of the history. */
export const SAMPLED_METRICS = [
  "signpost_http_request_duration_seconds",
  "signpost_edge_redirects_total",
  "signpost_edge_cache_lookups_total",
  "signpost_click_ingest_clicks_total",
  "signpost_click_stream",
  "signpost_jobs",
  "signpost_db_pool_connections",
  "signpost_process_resident_memory_bytes",
  "signpost_nodejs_heap_size_used_bytes",
  "signpost_nodejs_eventloop_lag_p99_seconds",
] as const;

const SAMPLED = new Set<string>(SAMPLED_METRICS);

/** A fixed-size ring of samples, oldest first. */
export class SampleRing {
  private readonly items: Sample[] = [];
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new Error("a sample ring holds at least 2 samples");
  }
  push(sample: Sample): void {
    this.items.push(sample);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
  }
  samples(): Sample[] {
    return [...this.items];
  }
}

/** One reading of `registry`: the sampled series with their labels, histograms as _bucket/_sum/_count. */
export async function takeSample(registry: Registry, at = Date.now()): Promise<Sample> {
  const metrics = await registry.getMetricsAsJSON();
  const points: Point[] = [];
  for (const metric of metrics) {
    if (!SAMPLED.has(metric.name)) continue;
    for (const value of metric.values) {
      const labels: Record<string, string> = {};
      for (const [key, label] of Object.entries(value.labels)) if (label !== undefined) labels[key] = String(label);
      // Histogram values carry their series name (x_bucket, x_sum, x_count); others are the metric's.
      const name = (value as { metricName?: string }).metricName ?? metric.name;
      if (name.endsWith("_sum")) continue; // not charted
      points.push({ name, labels, value: value.value });
    }
  }
  return { at, points };
}

interface Sampler {
  ring: SampleRing;
  intervalMs: number;
  timer: NodeJS.Timeout;
}

const GLOBAL_KEY = Symbol.for("signpost.statusSampler");
type Holder = { [GLOBAL_KEY]?: Sampler };

/**
 * Starts this process's sampler (once; later calls return the running one). It takes a sample at
 * once and then every `intervalMs`; the timer is unref'd so it never keeps a process alive. A
 * failed reading (the database down while collecting job figures) is skipped, not fatal.
 */
export function startStatusSampler(sources: MetricsSources, options: { intervalMs?: number; capacity?: number } = {}): Sampler {
  const holder = globalThis as Holder;
  if (holder[GLOBAL_KEY]) return holder[GLOBAL_KEY];
  const intervalMs = options.intervalMs ?? SAMPLE_INTERVAL_MS;
  const ring = new SampleRing(options.capacity ?? SAMPLE_CAPACITY);
  const registry = metricsRegistry(sources);
  let running = false;
  const tick = () => {
    if (running) return; // a slow collection (database timeout) never piles up readings
    running = true;
    takeSample(registry)
      .then((sample) => ring.push(sample))
      .catch(() => {})
      .finally(() => {
        running = false;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  holder[GLOBAL_KEY] = { ring, intervalMs, timer };
  return holder[GLOBAL_KEY];
}

/** Stops the sampler and forgets its history (tests; a process simply exits). */
export function stopStatusSampler(): void {
  const holder = globalThis as Holder;
  if (holder[GLOBAL_KEY]) clearInterval(holder[GLOBAL_KEY].timer);
  delete holder[GLOBAL_KEY];
}

/** The sampled history (oldest first) and its interval; empty when no sampler runs in this process. */
export function statusHistory(): { samples: Sample[]; intervalMs: number | null; capacity: number | null } {
  const sampler = (globalThis as Holder)[GLOBAL_KEY];
  return sampler ? { samples: sampler.ring.samples(), intervalMs: sampler.intervalMs, capacity: sampler.ring.capacity } : { samples: [], intervalMs: null, capacity: null };
}
