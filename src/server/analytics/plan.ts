import "server-only";

/**
 * Which table answers which part of a query. Clicks are kept three ways: raw rows (`click`), hourly
 * rollups (UTC hour starts) and daily rollups (UTC midnights); distinct visitors only raw and
 * hourly. A query's buckets (local hours or days of any zone) are cut into:
 *
 * - whole UTC days that lie inside one bucket: read from the daily rollup (when allowed),
 * - whole UTC hours that lie inside one bucket: read from the hourly rollup,
 * - the rest, hours that a bucket edge cuts (the :30 edges of Asia/Kolkata, the :45 of
 *   Asia/Kathmandu): read from raw clicks, clipped to the range.
 *
 * So UTC and every whole-hour zone (New York, Berlin, across DST) never touch raw rows; a UTC-daily
 * series or a long total mostly reads one row per link, day and value; and a half-hour zone reads
 * raw rows only for the hours its bucket edges fall in (all of them for hourly buckets). Each part
 * keeps the bucket it belongs to: a rollup row's bucket start, or a raw click's time, falls in the
 * right query bucket, so the parts can be unioned and bucketed together.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** `[from, to)` in ms since the epoch. */
export interface TimeRange {
  from: number;
  to: number;
}

export interface SourcePlan {
  /** Whole UTC days, for the daily rollup. */
  days: TimeRange[];
  /** Whole UTC hours, for the hourly rollup (or the hourly visitor table). */
  hours: TimeRange[];
  /** Parts of hours that a bucket edge cuts, for raw clicks. */
  raw: TimeRange[];
}

/** Appends `[from, to)`, merging it into the previous range when they touch. */
function append(ranges: TimeRange[], from: number, to: number): void {
  const last = ranges.at(-1);
  if (last && last.to === from) last.to = to;
  else ranges.push({ from, to });
}

/**
 * Cuts the range `[boundaries[0], boundaries[last])` into the parts each source can answer exactly
 * (see above). `boundaries` are the bucket edges, ascending; pass just `[start, end]` when only the
 * whole range matters (totals, top values). `useDays: false` when there is no daily table to read
 * (distinct visitors of a link, tag or domain); `daysBefore` when the daily table is complete only
 * before that instant (per-link rollups: src/server/clicks/daily-rollups.ts).
 */
export function planSources(boundaries: readonly number[], options: { useDays: boolean; daysBefore?: number }): SourcePlan {
  if (boundaries.length < 2) throw new Error("planSources needs at least a start and an end");
  const start = boundaries[0]!;
  const end = boundaries.at(-1)!;
  /** Whether a bucket edge lies strictly inside `(from, to)`: then that span straddles two buckets. */
  const cut = (from: number, to: number): boolean => {
    let low = 0;
    let high = boundaries.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (boundaries[middle]! <= from) low = middle + 1;
      else high = middle;
    }
    return low < boundaries.length && boundaries[low]! < to;
  };

  const daysBefore = options.daysBefore ?? Number.POSITIVE_INFINITY;
  const plan: SourcePlan = { days: [], hours: [], raw: [] };
  for (let day = Math.floor(start / DAY_MS) * DAY_MS; day < end; day += DAY_MS) {
    if (options.useDays && day >= start && day + DAY_MS <= end && day + DAY_MS <= daysBefore && !cut(day, day + DAY_MS)) {
      append(plan.days, day, day + DAY_MS);
      continue;
    }
    const firstHour = Math.max(day, Math.floor(start / HOUR_MS) * HOUR_MS);
    for (let hour = firstHour; hour < day + DAY_MS && hour < end; hour += HOUR_MS) {
      if (hour >= start && hour + HOUR_MS <= end && !cut(hour, hour + HOUR_MS)) append(plan.hours, hour, hour + HOUR_MS);
      else append(plan.raw, Math.max(hour, start), Math.min(hour + HOUR_MS, end));
    }
  }
  return plan;
}

/**
 * The start or the end of one UTC day, cut at a whole hour: `[day, day + hour h)` when `beforeHour`,
 * else `[day + hour h, day + 24 h)`. `at` is its first instant (inside the bucket it belongs to).
 */
export interface DaySpan {
  at: number;
  day: number;
  hour: number;
  beforeHour: boolean;
}

export interface UniquesPlan extends SourcePlan {
  /** Day starts and ends, for the span counts (click_uniques_span, click_link_uniques_span). */
  spans: DaySpan[];
}

/**
 * Where a workspace's or a link's unique visitors per bucket come from. Visitor ids rotate at 00:00 UTC, so a
 * bucket's uniques are the sum over the UTC days it touches of the visitors of its part of each day,
 * and that part is
 *
 * - the whole day: the daily count;
 * - the day's start or end, cut at a whole hour (a New York day is the end of one UTC day and the
 *   start of the next): the span counts, by the hour of each visitor's first or last click;
 * - anything else (an hour inside a day, half-hour zones' edges): planned as planSources would,
 *   for the hourly visitor rows and raw clicks.
 *
 * A day for which `counted(day)` (its UTC midnight) is false has no counts (a link's open days, and
 * its closed days that late clicks made stale): its parts come from the visitor rows too.
 */
export function planUniqueSources(boundaries: readonly number[], counted: (day: number) => boolean = () => true): UniquesPlan {
  if (boundaries.length < 2) throw new Error("planUniqueSources needs at least a start and an end");
  const plan: UniquesPlan = { days: [], spans: [], hours: [], raw: [] };
  for (let i = 0; i + 1 < boundaries.length; i++) {
    const from = boundaries[i]!;
    const to = boundaries[i + 1]!;
    for (let day = Math.floor(from / DAY_MS) * DAY_MS; day < to; day += DAY_MS) {
      const start = Math.max(from, day);
      const end = Math.min(to, day + DAY_MS);
      const hasCounts = counted(day);
      if (hasCounts && start === day && end === day + DAY_MS) append(plan.days, start, end);
      else if (hasCounts && start === day && (end - day) % HOUR_MS === 0) plan.spans.push({ at: start, day, hour: (end - day) / HOUR_MS, beforeHour: true });
      else if (hasCounts && end === day + DAY_MS && (start - day) % HOUR_MS === 0) plan.spans.push({ at: start, day, hour: (start - day) / HOUR_MS, beforeHour: false });
      else {
        const part = planSources([start, end], { useDays: false });
        for (const range of part.hours) append(plan.hours, range.from, range.to);
        for (const range of part.raw) append(plan.raw, range.from, range.to);
      }
    }
  }
  return plan;
}
