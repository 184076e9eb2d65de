import type { EdgeStatsReport } from "@/core/edge-stats";

/**
 * The edge's own counters, kept per isolate/process and handed to the origin with the next click
 * batch (or a stats-only post): the origin adds them to `signpost_edge_*_total{host,…}`.
 * `take()` empties them; `restore()` puts a report back when its post failed for good, so counts
 * are not lost while the origin is away (they are bounded: one number per label).
 */
export interface EdgeStats {
  redirect(outcome: string): void;
  cacheLookup(result: string): void;
  originLookup(status: string): void;
  /** True when something was counted since the last take. */
  pending(): boolean;
  take(): EdgeStatsReport | null;
  restore(report: EdgeStatsReport): void;
}

type Counts = Record<string, number>;

export function createEdgeStats(host: string): EdgeStats {
  let redirects: Counts = {};
  let cacheLookups: Counts = {};
  let originLookups: Counts = {};
  let dirty = false;
  const add = (into: Counts, name: string, n = 1) => {
    into[name] = (into[name] ?? 0) + n;
    dirty = true;
  };
  return {
    redirect: (outcome) => add(redirects, outcome),
    cacheLookup: (result) => add(cacheLookups, result),
    originLookup: (status) => add(originLookups, status),
    pending: () => dirty,
    take() {
      if (!dirty) return null;
      const report = { host, redirects, cacheLookups, originLookups };
      redirects = {};
      cacheLookups = {};
      originLookups = {};
      dirty = false;
      return report;
    },
    restore(report) {
      for (const [name, n] of Object.entries(report.redirects ?? {})) add(redirects, name, n);
      for (const [name, n] of Object.entries(report.cacheLookups ?? {})) add(cacheLookups, name, n);
      for (const [name, n] of Object.entries(report.originLookups ?? {})) add(originLookups, name, n);
    },
  };
}
