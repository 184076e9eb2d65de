// `npm run bench -- --report-only <results.json>` writes the report and its charts from a previous
// run's figures without running anything: checked here on the committed docs/benchmarks/results.json.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const results = path.join(root, "docs", "benchmarks", "results.json");
const run = JSON.parse(readFileSync(results, "utf8"));
const dir = mkdtempSync(path.join(tmpdir(), "signpost-bench-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run bench -- --report-only", () => {
  const out = path.join(dir, "benchmarks.md");
  execFileSync(process.execPath, [path.join(root, "scripts", "bench.mjs"), "--report-only", results, "--out", out], { env: { ...process.env, DATABASE_URL: "" }, stdio: "pipe" });
  const report = readFileSync(out, "utf8");

  it("describes the machine and every phase that ran, and says whether it was a quick run", () => {
    expect(report).toContain("## Machine");
    expect(report).toContain(run.machine.node);
    for (const phase of run.phases) expect(report).toMatch(new RegExp(`^\\| ${phase.name} \\| `, "m"));
    expect(report.includes("**Quick run**")).toBe(run.quick);
  });

  it("embeds charts that it wrote beside the report, as SVG", () => {
    const charts = [...report.matchAll(/!\[[^\]]*\]\(([^)]+\.svg)\)/g)].map((m) => m[1]!);
    expect(charts.length).toBeGreaterThan(0);
    for (const chart of charts) {
      const file = path.join(dir, chart);
      expect(existsSync(file), chart).toBe(true);
      expect(readFileSync(file, "utf8")).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*<\/svg>\n$/);
    }
  });

  it("has a where-the-time-goes table and the round-trip model when the timing part ran", () => {
    if (!run.order.includes("timing")) return;
    expect(report).toContain("## Where the time goes");
    expect(report).toContain("| total (client) |");
    expect(report).toContain("## When the user is far from the database region");
    expect(report).toMatch(/\*\*Measured here\*\*[\s\S]*\*\*Modelled\*\*/);
  });

  it("lists the goals with PASS or FAIL", () => {
    expect(report).toContain("## Goals");
    expect(report).toMatch(/\| (PASS|FAIL) \|/);
  });
});
