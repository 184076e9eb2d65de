// Types for report.mjs (plain ESM, run by node without a build step).
export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}
export interface TimingMetric {
  name: string;
  dur: number;
  desc: string | undefined;
}
export interface StageSummary {
  requests: number;
  total: Summary;
  stages: Array<Summary & { name: string }>;
}
export interface RttRow {
  regionRttMs: number;
  hitMs: number;
  missMs: number;
  apiMs: number;
  pageMs: number;
  pageNearDataMs: number;
}
export function percentile(values: number[], p: number): number;
export function summarize(values: number[]): Summary;
export function parseServerTiming(header: string | null | undefined): TimingMetric[];
export function stageSummary(samples: Array<{ totalMs: number; timing: TimingMetric[] }>): StageSummary;
export function rttModel(input: { measured: { hitMs: number; missMs: number; apiMs: number }; userEdgeRttMs: number; regionRttsMs: number[]; pageCalls: number }): RttRow[];
export function markdownTable(header: string[], rows: Array<Array<string | number>>, align?: Array<"l" | "r">): string;
export function fmt(n: unknown, digits?: number): string;
export function ratio(a: number, b: number, digits?: number): string;
export function passFail(ok: boolean | null | undefined): string;
