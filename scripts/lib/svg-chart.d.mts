// Types for svg-chart.mjs (plain ESM, run by node without a build step).
export interface Panel {
  title: string;
  unit?: string;
  categories: string[];
  series: Array<{ name: string; values: Array<number | null>; color?: string }>;
  goal?: { value: number; label?: string };
}
export function escapeXml(text: unknown): string;
export function niceMax(max: number): number;
export function barChartSvg(chart: { title: string; panels: Panel[]; plotWidth?: number }): string;
