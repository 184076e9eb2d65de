/**
 * The status page's derived figures, on samples read from a real prom-client registry by the same
 * takeSample the sampler uses. Expected values are worked out by hand in each test from the
 * observations it makes, never by calling the code under test.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { describe, expect, test } from "vitest";
import { SampleRing, takeSample } from "./status";
import {
  counterIncrease,
  counterRates,
  counterTotals,
  gaugeSeries,
  hasSeries,
  histogramQuantile,
  histogramQuantileOverall,
  histogramQuantileSeries,
  ratioSeries,
  type Sample,
} from "./status-figures";

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

function registry() {
  const registry = new Registry();
  const http = new Histogram({ name: "signpost_http_request_duration_seconds", help: "h", labelNames: ["method", "route", "status"], buckets: BUCKETS, registers: [registry] });
  const redirects = new Counter({ name: "signpost_edge_redirects_total", help: "r", labelNames: ["host", "outcome"], registers: [registry] });
  const lookups = new Counter({ name: "signpost_edge_cache_lookups_total", help: "c", labelNames: ["host", "result"], registers: [registry] });
  const stream = new Gauge({ name: "signpost_click_stream", help: "s", labelNames: ["figure"], registers: [registry] });
  const ignored = new Counter({ name: "something_else_total", help: "x", registers: [registry] });
  return { registry, http, redirects, lookups, stream, ignored };
}

describe("histogramQuantile (Prometheus' rule)", () => {
  test("interpolates inside the bucket that holds the rank", () => {
    // 100 observations: 90 ≤ 0.005, 10 in (0.05, 0.1]. Rank 95 is the 5th of the 10 in
    // (0.05, 0.1], so p95 = 0.05 + 0.05 × 5/10 = 0.075.
    const buckets = [
      { le: 0.005, count: 90 },
      { le: 0.01, count: 90 },
      { le: 0.05, count: 90 },
      { le: 0.1, count: 100 },
      { le: Infinity, count: 100 },
    ];
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(0.075, 12);
    // Median: rank 50 of 90 in [0, 0.005] → 0.005 × 50/90.
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo((0.005 * 50) / 90, 12);
  });

  test("a rank in the +Inf bucket answers the highest finite bound; no observations answer null", () => {
    expect(histogramQuantile(0.95, [{ le: 1, count: 1 }, { le: Infinity, count: 10 }])).toBe(1);
    expect(histogramQuantile(0.95, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }])).toBeNull();
    expect(histogramQuantile(0.95, [])).toBeNull();
  });

  test("counters that drop restarted from zero", () => {
    expect(counterIncrease(10, 14)).toBe(4);
    expect(counterIncrease(10, 3)).toBe(3);
  });
});

describe("figures from registry samples", () => {
  test("request rates and p95 by route from the latency histogram", async () => {
    const m = registry();
    const s0 = await takeSample(m.registry, T0);
    // Interval 1 (15 s): /links gets 30 requests (GET 200 × 20 at 3 ms, POST 201 × 10 at 40 ms);
    // /tags gets 3 at 300 ms.
    for (let i = 0; i < 20; i++) m.http.observe({ method: "GET", route: "/api/v1/links", status: "200" }, 0.003);
    for (let i = 0; i < 10; i++) m.http.observe({ method: "POST", route: "/api/v1/links", status: "201" }, 0.04);
    for (let i = 0; i < 3; i++) m.http.observe({ method: "GET", route: "/api/v1/tags", status: "200" }, 0.3);
    const s1 = await takeSample(m.registry, T0 + 15_000);
    // Interval 2 (30 s): /links 6 requests at 700 ms (404s, a new series); /tags none.
    for (let i = 0; i < 6; i++) m.http.observe({ method: "GET", route: "/api/v1/links", status: "404" }, 0.7);
    const s2 = await takeSample(m.registry, T0 + 45_000);
    const samples = [s0, s1, s2];

    const rates = counterRates(samples, "signpost_http_request_duration_seconds_count", "route");
    expect(rates).toEqual([
      { label: "/api/v1/links", points: [{ at: T0 + 15_000, value: 30 / 15 }, { at: T0 + 45_000, value: 6 / 30 }] },
      { label: "/api/v1/tags", points: [{ at: T0 + 15_000, value: 3 / 15 }, { at: T0 + 45_000, value: 0 }] },
    ]);

    // Interval 1, /links: 30 observations, 20 in [0, 0.005], 10 in (0.025, 0.05]. Rank 28.5 is the
    // 8.5th of those 10: 0.025 + 0.025 × 8.5/10 = 0.04625. /tags: rank 2.85 of 3, all in
    // (0.25, 0.5]: 0.25 + 0.25 × 2.85/3 = 0.4875. Interval 2, /links: 6 in (0.5, 1]: rank 5.7 →
    // 0.5 + 0.5 × 5.7/6 = 0.975; /tags had no requests: no figure.
    const p95 = histogramQuantileSeries(samples, "signpost_http_request_duration_seconds", "route", 0.95);
    expect(p95.map((s) => s.label)).toEqual(["/api/v1/links", "/api/v1/tags"]);
    expect(p95[0]!.points[0]!.value).toBeCloseTo(0.04625, 12);
    expect(p95[0]!.points[1]!.value).toBeCloseTo(0.975, 12);
    expect(p95[1]!.points[0]!.value).toBeCloseTo(0.4875, 12);
    expect(p95[1]!.points[1]!.value).toBeNull();

    // Over both intervals, /links: 36 observations (20 ≤ 0.005, 10 in (0.025, 0.05], 6 in
    // (0.5, 1]); rank 34.2 is the 4.2th of the 6: 0.5 + 0.5 × 4.2/6 = 0.85.
    const overall = histogramQuantileOverall(samples, "signpost_http_request_duration_seconds", "route", 0.95);
    expect(overall.get("/api/v1/links")).toBeCloseTo(0.85, 12);
    expect(counterTotals(samples, "signpost_http_request_duration_seconds_count", "route")).toEqual(
      new Map([
        ["/api/v1/links", 36],
        ["/api/v1/tags", 3],
      ]),
    );
  });

  test("redirects by outcome over hosts, a counter reset, and the cache hit ratio", async () => {
    const m = registry();
    m.redirects.inc({ host: "next", outcome: "redirect" }, 100);
    const s0 = await takeSample(m.registry, T0);
    m.redirects.inc({ host: "next", outcome: "redirect" }, 20);
    m.redirects.inc({ host: "node", outcome: "redirect" }, 10);
    m.redirects.inc({ host: "node", outcome: "not_found" }, 5);
    m.lookups.inc({ host: "next", result: "hit" }, 9);
    m.lookups.inc({ host: "next", result: "miss" }, 3);
    const s1 = await takeSample(m.registry, T0 + 10_000);
    // The process restarted: the counter starts again from zero and reads 4.
    m.redirects.reset();
    m.redirects.inc({ host: "next", outcome: "redirect" }, 4);
    const s2 = await takeSample(m.registry, T0 + 20_000);
    const rates = counterRates([s0, s1, s2], "signpost_edge_redirects_total", "outcome");
    expect(rates).toEqual([
      { label: "not_found", points: [{ at: T0 + 10_000, value: 0.5 }, { at: T0 + 20_000, value: 0 }] },
      // (20 + 10) / 10 s, then 4 / 10 s after the reset.
      { label: "redirect", points: [{ at: T0 + 10_000, value: 3 }, { at: T0 + 20_000, value: 0.4 }] },
    ]);
    // 9 hits of 12 lookups; none in the second interval.
    expect(ratioSeries([s0, s1, s2], "signpost_edge_cache_lookups_total", "result", ["hit"])).toEqual([
      { at: T0 + 10_000, value: 0.75 },
      { at: T0 + 20_000, value: null },
    ]);
  });

  test("gauges as sampled; absent series are told apart from zero", async () => {
    const m = registry();
    const s0 = await takeSample(m.registry, T0);
    m.stream.set({ figure: "lag" }, 7);
    m.stream.set({ figure: "dead" }, 0);
    const s1 = await takeSample(m.registry, T0 + 15_000);
    expect(gaugeSeries([s0, s1], "signpost_click_stream", "figure")).toEqual([
      { label: "dead", points: [{ at: T0, value: null }, { at: T0 + 15_000, value: 0 }] },
      { label: "lag", points: [{ at: T0, value: null }, { at: T0 + 15_000, value: 7 }] },
    ]);
    expect(hasSeries([s0, s1], "signpost_click_stream")).toBe(true);
    expect(hasSeries([s0, s1], "signpost_db_pool_connections")).toBe(false);
    // Only the metrics the page charts are kept.
    m.ignored.inc();
    const s2 = await takeSample(m.registry, T0 + 30_000);
    expect(s2.points.some((p) => p.name.startsWith("something_else"))).toBe(false);
    expect(s2.points.some((p) => p.name.endsWith("_sum"))).toBe(false);
  });

  test("a sample ring keeps the newest `capacity` samples in order", () => {
    const ring = new SampleRing(3);
    const sample = (at: number): Sample => ({ at, points: [] });
    for (let i = 1; i <= 5; i++) ring.push(sample(i));
    expect(ring.samples().map((s) => s.at)).toEqual([3, 4, 5]);
    expect(() => new SampleRing(1)).toThrow();
  });
});
