/**
 * Figures for the status page, derived from samples of the Prometheus registry: rates from counter
 * deltas, percentiles from histogram bucket deltas (Prometheus' `histogram_quantile` rule), gauges
 * as they were. Pure functions over plain data, so they are tested against hand-computed values.
 */

export type Labels = Record<string, string>;

/** One value of one series at sample time (`name` is the series name, e.g. `x_bucket`). */
export interface Point {
  name: string;
  labels: Labels;
  value: number;
}

/** The registry as it was at `at` (ms since the epoch). */
export interface Sample {
  at: number;
  points: Point[];
}

export interface SeriesPoint {
  at: number;
  /** null: no figure for this step (no traffic for a percentile, series absent). */
  value: number | null;
}

export interface Series {
  label: string;
  points: SeriesPoint[];
}

type Match = (labels: Labels) => boolean;
const all: Match = () => true;

function seriesKey(point: Point): string {
  return `${point.name}{${Object.keys(point.labels)
    .sort()
    .map((key) => `${key}=${point.labels[key]}`)
    .join(",")}}`;
}

function select(sample: Sample, name: string, match: Match): Point[] {
  return sample.points.filter((point) => point.name === name && match(point.labels));
}

/** Whether any sample has the series at all ("no data yet" otherwise). */
export function hasSeries(samples: readonly Sample[], name: string, match: Match = all): boolean {
  return samples.some((sample) => select(sample, name, match).length > 0);
}

/** A counter's increase between two readings; a drop means it restarted from zero (Prometheus' rule). */
export function counterIncrease(before: number, after: number): number {
  return after >= before ? after - before : after;
}

/**
 * Per-series increases of counter `name` from `before` to `after`, grouped by `group(labels)`. A
 * series absent before started within the interval (it counts from zero); one absent after is
 * gone and contributes nothing.
 */
function increases(before: Sample, after: Sample, name: string, match: Match, group: (labels: Labels) => string): Map<string, number> {
  const previous = new Map(select(before, name, match).map((point) => [seriesKey(point), point.value]));
  const totals = new Map<string, number>();
  for (const point of select(after, name, match)) {
    const key = group(point.labels);
    totals.set(key, (totals.get(key) ?? 0) + counterIncrease(previous.get(seriesKey(point)) ?? 0, point.value));
  }
  return totals;
}

/**
 * Per-second rates of counter `name` between consecutive samples, one series per value of label
 * `by` (or one series "total"). Each point is stamped with the later sample's time.
 */
export function counterRates(samples: readonly Sample[], name: string, by: string | null, match: Match = all): Series[] {
  const group = (labels: Labels) => (by ? (labels[by] ?? "") : "total");
  const byGroup = new Map<string, SeriesPoint[]>();
  const steps: { at: number; rates: Map<string, number> }[] = [];
  for (let i = 1; i < samples.length; i++) {
    const seconds = (samples[i]!.at - samples[i - 1]!.at) / 1000;
    if (seconds <= 0) continue;
    const rates = new Map([...increases(samples[i - 1]!, samples[i]!, name, match, group)].map(([key, n]) => [key, n / seconds]));
    for (const key of rates.keys()) if (!byGroup.has(key)) byGroup.set(key, []);
    steps.push({ at: samples[i]!.at, rates });
  }
  for (const [key, points] of byGroup) for (const step of steps) points.push({ at: step.at, value: step.rates.get(key) ?? 0 });
  return [...byGroup].map(([label, points]) => ({ label, points })).sort((a, b) => a.label.localeCompare(b.label));
}

/** Sum of counter increases of `name` from the first sample to the last, by label `by`. */
export function counterTotals(samples: readonly Sample[], name: string, by: string | null, match: Match = all): Map<string, number> {
  const totals = new Map<string, number>();
  const group = (labels: Labels) => (by ? (labels[by] ?? "") : "total");
  for (let i = 1; i < samples.length; i++) {
    for (const [key, n] of increases(samples[i - 1]!, samples[i]!, name, match, group)) totals.set(key, (totals.get(key) ?? 0) + n);
  }
  return totals;
}

/** Each sample's value of gauge `name`, summed per value of label `by` (or "total"). Absent: null. */
export function gaugeSeries(samples: readonly Sample[], name: string, by: string | null, match: Match = all): Series[] {
  const labels = new Set<string>();
  for (const sample of samples) for (const point of select(sample, name, match)) labels.add(by ? (point.labels[by] ?? "") : "total");
  return [...labels].sort().map((label) => ({
    label,
    points: samples.map((sample) => {
      const points = select(sample, name, match).filter((point) => (by ? (point.labels[by] ?? "") : "total") === label);
      return { at: sample.at, value: points.length === 0 ? null : points.reduce((sum, point) => sum + point.value, 0) };
    }),
  }));
}

export interface Bucket {
  /** Upper bound; Infinity for `+Inf`. */
  le: number;
  /** Cumulative count of observations ≤ le. */
  count: number;
}

/**
 * The q-quantile of a histogram's cumulative buckets, as Prometheus' `histogram_quantile` does it:
 * find the bucket holding rank q·total and interpolate linearly within it (from 0 for the first
 * bucket); a rank in the +Inf bucket answers the highest finite bound. Null without observations.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (sorted.length === 0 || sorted.at(-1)!.le !== Infinity || total <= 0) return null;
  const rank = q * total;
  const index = sorted.findIndex((bucket) => bucket.count >= rank);
  const bucket = sorted[index]!;
  if (bucket.le === Infinity) return sorted.length > 1 ? sorted[sorted.length - 2]!.le : null;
  const lower = index === 0 ? 0 : sorted[index - 1]!.le;
  const below = index === 0 ? 0 : sorted[index - 1]!.count;
  const inBucket = bucket.count - below;
  return inBucket === 0 ? lower : lower + (bucket.le - lower) * ((rank - below) / inBucket);
}

function parseLe(value: string | undefined): number {
  return value === "+Inf" ? Infinity : Number(value);
}

/**
 * Bucket increases of histogram `name` between two samples, per value of label `by`, summed over
 * the other labels (method, status…) and merged by bound.
 */
function bucketIncreases(before: Sample, after: Sample, name: string, by: string): Map<string, Bucket[]> {
  const bucketName = `${name}_bucket`;
  const increase = increases(before, after, bucketName, all, (labels) => `${labels[by] ?? ""}\u0000${labels.le}`);
  const groups = new Map<string, Map<number, number>>();
  for (const [key, n] of increase) {
    const [group, le] = key.split("\u0000") as [string, string];
    const bounds = groups.get(group) ?? new Map<number, number>();
    bounds.set(parseLe(le), (bounds.get(parseLe(le)) ?? 0) + n);
    groups.set(group, bounds);
  }
  return new Map([...groups].map(([group, bounds]) => [group, [...bounds].map(([le, count]) => ({ le, count }))]));
}

/** The q-quantile of histogram `name` per value of `by` in each interval between samples. */
export function histogramQuantileSeries(samples: readonly Sample[], name: string, by: string, q: number): Series[] {
  const byGroup = new Map<string, SeriesPoint[]>();
  const steps: { at: number; values: Map<string, number | null> }[] = [];
  for (let i = 1; i < samples.length; i++) {
    const values = new Map<string, number | null>();
    for (const [group, buckets] of bucketIncreases(samples[i - 1]!, samples[i]!, name, by)) {
      values.set(group, histogramQuantile(q, buckets));
      if (!byGroup.has(group)) byGroup.set(group, []);
    }
    steps.push({ at: samples[i]!.at, values });
  }
  for (const [group, points] of byGroup) for (const step of steps) points.push({ at: step.at, value: step.values.get(group) ?? null });
  return [...byGroup].map(([label, points]) => ({ label, points })).sort((a, b) => a.label.localeCompare(b.label));
}

/** The q-quantile of histogram `name` per value of `by` over the whole span of `samples`. */
export function histogramQuantileOverall(samples: readonly Sample[], name: string, by: string, q: number): Map<string, number | null> {
  const merged = new Map<string, Map<number, number>>();
  for (let i = 1; i < samples.length; i++) {
    for (const [group, buckets] of bucketIncreases(samples[i - 1]!, samples[i]!, name, by)) {
      const bounds = merged.get(group) ?? new Map<number, number>();
      for (const bucket of buckets) bounds.set(bucket.le, (bounds.get(bucket.le) ?? 0) + bucket.count);
      merged.set(group, bounds);
    }
  }
  return new Map([...merged].map(([group, bounds]) => [group, histogramQuantile(q, [...bounds].map(([le, count]) => ({ le, count })))]));
}

/**
 * The share of counter `name` (e.g. cache lookups) whose label `by` is in `hits`, per interval:
 * hits / all increases, null for an interval without any.
 */
export function ratioSeries(samples: readonly Sample[], name: string, by: string, hits: readonly string[]): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  for (let i = 1; i < samples.length; i++) {
    const totals = increases(samples[i - 1]!, samples[i]!, name, all, (labels) => labels[by] ?? "");
    const total = [...totals.values()].reduce((sum, n) => sum + n, 0);
    const hit = hits.reduce((sum, key) => sum + (totals.get(key) ?? 0), 0);
    points.push({ at: samples[i]!.at, value: total > 0 ? hit / total : null });
  }
  return points;
}
