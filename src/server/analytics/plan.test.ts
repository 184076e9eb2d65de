import { describe, expect, test } from "vitest";
import { planSources, planUniqueSources, type DaySpan, type SourcePlan, type TimeRange, type UniquesPlan } from "./plan";

const HOUR = 3_600_000;
const DAY = 86_400_000;
const t = (iso: string) => Date.parse(iso);
const r = (from: string, to: string): TimeRange => ({ from: t(from), to: t(to) });

/** Every range of the plan is disjoint from the others and together they cover [start, end) exactly. */
function expectExactCover(plan: SourcePlan, start: number, end: number): void {
  const all = [...plan.days, ...plan.hours, ...plan.raw].sort((a, b) => a.from - b.from);
  expect(all[0]?.from).toBe(start);
  expect(all.at(-1)?.to).toBe(end);
  for (let i = 1; i < all.length; i++) expect(all[i]!.from, `gap or overlap before range ${i}`).toBe(all[i - 1]!.to);
}

/** No bucket edge lies strictly inside a rollup range's days/hours, and rollup ranges are aligned. */
function expectRollupsUncut(plan: SourcePlan, boundaries: number[]): void {
  const inside = (from: number, to: number) => boundaries.some((b) => b > from && b < to);
  for (const range of plan.days) {
    expect(range.from % DAY).toBe(0);
    expect(range.to % DAY).toBe(0);
    for (let day = range.from; day < range.to; day += DAY) expect(inside(day, day + DAY)).toBe(false);
  }
  for (const range of plan.hours) {
    expect(range.from % HOUR).toBe(0);
    expect(range.to % HOUR).toBe(0);
    for (let hour = range.from; hour < range.to; hour += HOUR) expect(inside(hour, hour + HOUR)).toBe(false);
  }
  // Raw only where needed: each raw range's hours hold an edge that is not on the hour.
  for (const range of plan.raw) {
    for (let hour = Math.floor(range.from / HOUR) * HOUR; hour < range.to; hour += HOUR) {
      expect(boundaries.some((b) => b % HOUR !== 0 && b >= hour && b < hour + HOUR), `raw hour ${new Date(hour).toISOString()}`).toBe(true);
    }
  }
}

describe("planSources", () => {
  test("UTC days read the daily rollup only", () => {
    const boundaries = [t("2025-03-01T00:00:00Z"), t("2025-03-02T00:00:00Z"), t("2025-03-03T00:00:00Z"), t("2025-03-04T00:00:00Z")];
    expect(planSources(boundaries, { useDays: true })).toEqual({ days: [r("2025-03-01T00:00:00Z", "2025-03-04T00:00:00Z")], hours: [], raw: [] });
    expect(planSources(boundaries, { useDays: false })).toEqual({ days: [], hours: [r("2025-03-01T00:00:00Z", "2025-03-04T00:00:00Z")], raw: [] });
  });

  test("days at or after daysBefore (not yet compacted) read hours", () => {
    const boundaries = [t("2025-03-01T00:00:00Z"), t("2025-03-02T00:00:00Z"), t("2025-03-03T00:00:00Z"), t("2025-03-04T00:00:00Z")];
    const plan = planSources(boundaries, { useDays: true, daysBefore: t("2025-03-02T00:00:00Z") });
    expect(plan).toEqual({ days: [r("2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z")], hours: [r("2025-03-02T00:00:00Z", "2025-03-04T00:00:00Z")], raw: [] });
    expectExactCover(plan, boundaries[0]!, boundaries.at(-1)!);
    // A mark mid-day (never written, but harmless) leaves that day hourly too.
    expect(planSources(boundaries, { useDays: true, daysBefore: t("2025-03-02T12:00:00Z") }).days).toEqual([r("2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z")]);
  });

  test("New York days (edges at 05:00 or 04:00 UTC) read hours: no UTC day lies inside one of them", () => {
    const boundaries = [t("2025-03-08T05:00:00Z"), t("2025-03-09T05:00:00Z"), t("2025-03-10T04:00:00Z")];
    expect(planSources(boundaries, { useDays: true })).toEqual({ days: [], hours: [r("2025-03-08T05:00:00Z", "2025-03-10T04:00:00Z")], raw: [] });
  });

  test("one New York bucket over several days: whole UTC days from the daily rollup, the ends hourly", () => {
    const plan = planSources([t("2025-03-01T05:00:00Z"), t("2025-03-10T04:00:00Z")], { useDays: true });
    expect(plan).toEqual({
      days: [r("2025-03-02T00:00:00Z", "2025-03-10T00:00:00Z")],
      hours: [r("2025-03-01T05:00:00Z", "2025-03-02T00:00:00Z"), r("2025-03-10T00:00:00Z", "2025-03-10T04:00:00Z")],
      raw: [],
    });
  });

  test("Kolkata days: the hours holding the :30 edges from raw clicks, clipped to the range; the rest hourly", () => {
    const boundaries = [t("2025-03-04T18:30:00Z"), t("2025-03-05T18:30:00Z"), t("2025-03-06T18:30:00Z")];
    const plan = planSources(boundaries, { useDays: true });
    expect(plan).toEqual({
      days: [],
      hours: [r("2025-03-04T19:00:00Z", "2025-03-05T18:00:00Z"), r("2025-03-05T19:00:00Z", "2025-03-06T18:00:00Z")],
      raw: [r("2025-03-04T18:30:00Z", "2025-03-04T19:00:00Z"), r("2025-03-05T18:00:00Z", "2025-03-05T19:00:00Z"), r("2025-03-06T18:00:00Z", "2025-03-06T18:30:00Z")],
    });
  });

  test("Kolkata hours: every hour is cut, so all raw, in one merged range", () => {
    const boundaries = Array.from({ length: 25 }, (_, i) => t("2025-03-04T18:30:00Z") + i * HOUR);
    expect(planSources(boundaries, { useDays: true })).toEqual({ days: [], hours: [], raw: [r("2025-03-04T18:30:00Z", "2025-03-05T18:30:00Z")] });
  });

  test("a range inside one hour is raw", () => {
    expect(planSources([t("2025-03-04T10:15:00Z"), t("2025-03-04T10:45:00Z")], { useDays: true })).toEqual({
      days: [],
      hours: [],
      raw: [r("2025-03-04T10:15:00Z", "2025-03-04T10:45:00Z")],
    });
  });

  test("refuses fewer than two edges", () => {
    expect(() => planSources([t("2025-03-04T10:15:00Z")], { useDays: true })).toThrow(/start and an end/);
  });

  test("random edges: always an exact, disjoint cover, rollups never cut, raw only where an edge is off the hour", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const steps = [15 * 60_000, 30 * 60_000, HOUR, 23 * HOUR, DAY, 25 * HOUR, 3 * DAY];
    for (let run = 0; run < 300; run++) {
      const boundaries = [t("2025-03-01T00:00:00Z") + Math.floor(random() * 96) * 15 * 60_000];
      const count = 1 + Math.floor(random() * 12);
      for (let i = 0; i < count; i++) boundaries.push(boundaries.at(-1)! + steps[Math.floor(random() * steps.length)]!);
      for (const useDays of [true, false]) {
        const plan = planSources(boundaries, { useDays });
        expectExactCover(plan, boundaries[0]!, boundaries.at(-1)!);
        expectRollupsUncut(plan, boundaries);
        if (!useDays) expect(plan.days).toEqual([]);
      }
    }
  });
});

/** The part of its day a span stands for, as `[from, to)`. */
const spanPart = (span: DaySpan): TimeRange => (span.beforeHour ? { from: span.day, to: span.day + span.hour * HOUR } : { from: span.day + span.hour * HOUR, to: span.day + DAY });

/** Every part of a uniques plan as `[from, to)`: ranges, and each span as the part of its day it stands for. */
function uniquesParts(plan: UniquesPlan): TimeRange[] {
  const spans = plan.spans.map(spanPart);
  return [...plan.days, ...spans, ...plan.hours, ...plan.raw].sort((a, b) => a.from - b.from);
}

describe("planUniqueSources", () => {
  test("New York days: the end of one UTC day and the start of the next, each from the span counts", () => {
    const boundaries = [t("2025-03-08T05:00:00Z"), t("2025-03-09T05:00:00Z"), t("2025-03-10T04:00:00Z")];
    expect(planUniqueSources(boundaries)).toEqual({
      days: [],
      spans: [
        { at: t("2025-03-08T05:00:00Z"), day: t("2025-03-08T00:00:00Z"), hour: 5, beforeHour: false },
        { at: t("2025-03-09T00:00:00Z"), day: t("2025-03-09T00:00:00Z"), hour: 5, beforeHour: true },
        { at: t("2025-03-09T05:00:00Z"), day: t("2025-03-09T00:00:00Z"), hour: 5, beforeHour: false },
        { at: t("2025-03-10T00:00:00Z"), day: t("2025-03-10T00:00:00Z"), hour: 4, beforeHour: true },
      ],
      hours: [],
      raw: [],
    });
  });

  test("one bucket over several days: whole days from the daily counts, its ends from the span counts", () => {
    expect(planUniqueSources([t("2025-03-01T05:00:00Z"), t("2025-03-10T04:00:00Z")])).toEqual({
      days: [r("2025-03-02T00:00:00Z", "2025-03-10T00:00:00Z")],
      spans: [
        { at: t("2025-03-01T05:00:00Z"), day: t("2025-03-01T00:00:00Z"), hour: 5, beforeHour: false },
        { at: t("2025-03-10T00:00:00Z"), day: t("2025-03-10T00:00:00Z"), hour: 4, beforeHour: true },
      ],
      hours: [],
      raw: [],
    });
  });

  test("hours inside a day and edges off the hour are planned as for the visitor rows", () => {
    // UTC hours: the day's first and last hour are its start and end; the others lie inside it.
    const hourly = Array.from({ length: 25 }, (_, i) => t("2025-03-04T00:00:00Z") + i * HOUR);
    const plan = planUniqueSources(hourly);
    expect(plan.days).toEqual([]);
    expect(plan.spans).toEqual([
      { at: t("2025-03-04T00:00:00Z"), day: t("2025-03-04T00:00:00Z"), hour: 1, beforeHour: true },
      { at: t("2025-03-04T23:00:00Z"), day: t("2025-03-04T00:00:00Z"), hour: 23, beforeHour: false },
    ]);
    expect(plan.hours).toEqual([r("2025-03-04T01:00:00Z", "2025-03-04T23:00:00Z")]);
    // Kolkata days: no part of a UTC day is cut at a whole hour.
    const kolkata = planUniqueSources([t("2025-03-04T18:30:00Z"), t("2025-03-05T18:30:00Z")]);
    expect(kolkata).toEqual({ ...planSources([t("2025-03-04T18:30:00Z"), t("2025-03-05T18:30:00Z")], { useDays: false }), spans: [] });
  });

  test("days without counts (not closed yet, or stale) come from the visitor rows", () => {
    // New York days of 2025-03-08 and -09, with counts for the UTC days before 2025-03-09 only.
    const boundaries = [t("2025-03-08T05:00:00Z"), t("2025-03-09T05:00:00Z"), t("2025-03-10T04:00:00Z")];
    expect(planUniqueSources(boundaries, (day) => day < t("2025-03-09T00:00:00Z"))).toEqual({
      days: [],
      spans: [{ at: t("2025-03-08T05:00:00Z"), day: t("2025-03-08T00:00:00Z"), hour: 5, beforeHour: false }],
      hours: [r("2025-03-09T00:00:00Z", "2025-03-10T04:00:00Z")],
      raw: [],
    });
    // Whole UTC days: the one without counts (a stale day between two counted ones) is read by the hour.
    const stale = t("2025-03-02T00:00:00Z");
    expect(planUniqueSources([t("2025-03-01T00:00:00Z"), t("2025-03-04T00:00:00Z")], (day) => day !== stale)).toEqual({
      days: [r("2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z"), r("2025-03-03T00:00:00Z", "2025-03-04T00:00:00Z")],
      spans: [],
      hours: [r("2025-03-02T00:00:00Z", "2025-03-03T00:00:00Z")],
      raw: [],
    });
  });

  test("random edges: an exact, disjoint cover in which no part crosses a bucket edge", () => {
    let seed = 11;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const steps = [15 * 60_000, 30 * 60_000, HOUR, 5 * HOUR, 23 * HOUR, DAY, 25 * HOUR, 3 * DAY];
    for (let run = 0; run < 300; run++) {
      const boundaries = [t("2025-03-01T00:00:00Z") + Math.floor(random() * 96) * 15 * 60_000];
      const count = 1 + Math.floor(random() * 12);
      for (let i = 0; i < count; i++) boundaries.push(boundaries.at(-1)! + steps[Math.floor(random() * steps.length)]!);
      // With counts for every day, and with counts only for some days (closed before a random
      // midnight, and not one random stale day).
      const mark = Math.floor((boundaries[0]! + random() * (boundaries.at(-1)! - boundaries[0]!)) / DAY) * DAY;
      const stale = mark - DAY * Math.floor(random() * 3);
      const counted = run % 2 === 0 ? undefined : (day: number) => day < mark && day !== stale;
      const plan = planUniqueSources(boundaries, counted);
      const countedDays = [...plan.days.flatMap((range) => Array.from({ length: (range.to - range.from) / DAY }, (_, k) => range.from + k * DAY)), ...plan.spans.map((span) => span.day)];
      for (const day of countedDays) expect(counted?.(day) ?? true, new Date(day).toISOString()).toBe(true);
      const parts = uniquesParts(plan);
      expect(parts[0]?.from).toBe(boundaries[0]);
      expect(parts.at(-1)?.to).toBe(boundaries.at(-1));
      for (let i = 1; i < parts.length; i++) expect(parts[i]!.from, `gap or overlap before part ${i}`).toBe(parts[i - 1]!.to);
      // Spans and days stand for their whole part, so none may straddle an edge (hours and raw rows
      // carry their own time and may); each span starts (`at`) where its part does.
      const countedWhole = [...plan.days.flatMap((range) => Array.from({ length: (range.to - range.from) / DAY }, (_, k) => ({ from: range.from + k * DAY, to: range.from + (k + 1) * DAY })))];
      for (const span of plan.spans) {
        const part = spanPart(span);
        expect(span.at).toBe(part.from);
        expect(span.hour).toBeGreaterThan(0);
        expect(span.hour).toBeLessThan(24);
        countedWhole.push(part);
      }
      for (const part of countedWhole) expect(boundaries.some((b) => b > part.from && b < part.to), `${new Date(part.from).toISOString()} is cut`).toBe(false);
      expectRollupsUncut({ days: plan.days, hours: plan.hours, raw: plan.raw }, boundaries);
    }
  });
});
