import { describe, expect, it } from "vitest";
import { fmt, markdownTable, parseServerTiming, percentile, ratio, rttModel, stageSummary, summarize } from "./report.mjs";
import { barChartSvg, escapeXml, niceMax } from "./svg-chart.mjs";

describe("percentile (nearest rank)", () => {
  it("picks the value at rank ⌈p/100 · n⌉ of the sorted values, whatever the input order", () => {
    const values = [9, 1, 8, 2, 7, 3, 6, 4, 5, 10];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 95)).toBe(10);
    expect(percentile(values, 10)).toBe(1);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 100)).toBe(10);
    expect(values[0]).toBe(9); // the input is not sorted in place
  });

  it("is NaN for no values, and the one value for one", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(percentile([4.2], 99)).toBe(4.2);
  });

  it("summarizes 1…100 as p50 50, p95 95, p99 99, max 100", () => {
    expect(summarize(Array.from({ length: 100 }, (_, i) => 100 - i))).toEqual({ n: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  });
});

describe("parseServerTiming", () => {
  it("reads the edge app's stages with durations and descriptions, in order", () => {
    expect(parseServerTiming('cache;dur=0.1;desc="hit", facts;dur=0.0, decide;dur=0.2;desc="destination", edge;dur=0.4')).toEqual([
      { name: "cache", dur: 0.1, desc: "hit" },
      { name: "facts", dur: 0, desc: undefined },
      { name: "decide", dur: 0.2, desc: "destination" },
      { name: "edge", dur: 0.4, desc: undefined },
    ]);
  });

  it("reads API stages whatever their parameter order, and several headers joined with commas", () => {
    expect(parseServerTiming('app;desc="route handler";dur=12.5, db;dur=9.25;desc="3 queries", queue;dur=1')).toEqual([
      { name: "app", dur: 12.5, desc: "route handler" },
      { name: "db", dur: 9.25, desc: "3 queries" },
      { name: "queue", dur: 1, desc: undefined },
    ]);
  });

  it("keeps commas, semicolons and escaped quotes inside quoted descriptions", () => {
    expect(parseServerTiming('db;desc="select a, b; from \\"t\\"";dur=3, cache;dur=1')).toEqual([
      { name: "db", dur: 3, desc: 'select a, b; from "t"' },
      { name: "cache", dur: 1, desc: undefined },
    ]);
  });

  it("gives NaN for a metric without a duration, and nothing for an empty header", () => {
    expect(parseServerTiming("miss, total;dur=5")).toEqual([
      { name: "miss", dur: NaN, desc: undefined },
      { name: "total", dur: 5, desc: undefined },
    ]);
    expect(parseServerTiming("")).toEqual([]);
    expect(parseServerTiming(null)).toEqual([]);
  });
});

describe("stageSummary", () => {
  it("summarizes every stage present, in first-seen order, adding a stage named twice in one response", () => {
    const samples = [
      { totalMs: 10, timing: parseServerTiming("cache;dur=1, origin;dur=2, origin;dur=3, edge;dur=8") },
      { totalMs: 20, timing: parseServerTiming("cache;dur=2, edge;dur=9, db;dur=4") },
      { totalMs: 30, timing: parseServerTiming("cache;dur=3, edge;dur=7, note") },
    ];
    const summary = stageSummary(samples);
    expect(summary.requests).toBe(3);
    expect(summary.total).toMatchObject({ n: 3, p50: 20, max: 30 });
    expect(summary.stages.map((s) => s.name)).toEqual(["cache", "origin", "edge", "db"]);
    expect(summary.stages.find((s) => s.name === "origin")).toMatchObject({ n: 1, p50: 5 });
    expect(summary.stages.find((s) => s.name === "cache")).toMatchObject({ n: 3, p50: 2, p95: 3 });
    expect(summary.stages.find((s) => s.name === "db")).toMatchObject({ n: 1, p50: 4 });
  });
});

describe("rttModel", () => {
  it("adds no region round trip to a hit, one to a miss and to an API call, N to a page of N sequential calls", () => {
    const [near, far] = rttModel({ measured: { hitMs: 0.5, missMs: 12, apiMs: 8 }, userEdgeRttMs: 10, regionRttsMs: [10, 150], pageCalls: 5 });
    expect(near).toEqual({ regionRttMs: 10, hitMs: 10.5, missMs: 32, apiMs: 18, pageMs: 90, pageNearDataMs: 50 });
    expect(far).toEqual({ regionRttMs: 150, hitMs: 10.5, missMs: 172, apiMs: 158, pageMs: 790, pageNearDataMs: 190 });
  });
});

describe("markdown helpers", () => {
  it("writes a table with aligned columns and escaped pipes", () => {
    expect(markdownTable(["a", "b"], [["x|y", 1]])).toBe("| a | b |\n|---|---:|\n| x\\|y | 1 |");
  });

  it("formats numbers and ratios, with a dash for what is missing", () => {
    expect(fmt(12345.678, 1)).toBe("12,345.7");
    expect(fmt(NaN)).toBe("—");
    expect(fmt(undefined)).toBe("—");
    expect(ratio(3, 4)).toBe("0.75×");
    expect(ratio(3, 0)).toBe("—");
  });
});

describe("barChartSvg", () => {
  const svg = barChartSvg({
    title: "Redirects <per host>",
    panels: [
      { title: "Throughput", unit: "req/s", categories: ["ceiling", "redirector", "next"], series: [{ name: "req/s", values: [40_000, 4_000, null] }] },
      { title: "Latency", unit: "ms", categories: ["ceiling", "redirector"], series: [{ name: "p50", values: [1, 10] }, { name: "p99", values: [2, 30] }], goal: { value: 15 } },
    ],
  });
  const bars = [...svg.matchAll(/<rect class="bar" data-series="([^"]*)" data-category="([^"]*)" data-value="([^"]*)" x="[^"]*" y="[^"]*" width="([^"]*)"/g)].map((m) => ({
    series: m[1],
    category: m[2],
    value: Number(m[3]),
    width: Number(m[4]),
  }));

  it("is one SVG document with its text escaped", () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<svg/g)).toHaveLength(1);
    expect(svg).toContain("Redirects &lt;per host&gt;");
    expect(svg).not.toContain("<per host>");
    expect(escapeXml(`a&"'`)).toBe("a&amp;&quot;&#39;");
  });

  it("draws one bar per present value, none for a missing one, and a goal line", () => {
    expect(bars.map((b) => `${b.series}:${b.category}`)).toEqual(["req/s:ceiling", "req/s:redirector", "p50:ceiling", "p99:ceiling", "p50:redirector", "p99:redirector"]);
    expect(svg.match(/class="goal"/g)).toHaveLength(1);
  });

  it("scales bars linearly within a panel, from zero", () => {
    const [ceiling, redirector] = bars;
    expect(redirector!.width / ceiling!.width).toBeCloseTo(0.1, 2);
    const latency = bars.slice(2);
    const p99Redirector = latency.find((b) => b.series === "p99" && b.category === "redirector")!;
    const p50Ceiling = latency.find((b) => b.series === "p50" && b.category === "ceiling")!;
    expect(p99Redirector.width / p50Ceiling.width).toBeCloseTo(30, 0);
  });

  it("rounds the axis up to a round number", () => {
    expect(niceMax(40_000)).toBe(40_000);
    expect(niceMax(12_668)).toBe(15_000);
    expect(niceMax(31)).toBe(40);
    expect(niceMax(101)).toBe(120);
    expect(niceMax(0.7)).toBe(0.8);
    expect(niceMax(0)).toBe(1);
  });
});
