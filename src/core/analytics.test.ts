import { describe, expect, test } from "vitest";
import {
  analyticsQuerySchema,
  exportQuerySchema,
  formatInZone,
  isTimeZone,
  MAX_RANGE_DAYS,
  nextInterval,
  resolveAnalyticsWindow,
  resolveRange,
  startOfInterval,
  topQuerySchema,
  variantsQuerySchema,
  zoneOffsetMs,
  type AnalyticsInterval,
  type AnalyticsWindow,
} from "./analytics";

const HOUR = 3_600_000;
const DAY = 86_400_000;
const t = (iso: string) => Date.parse(iso);

function windowOf(start: string, end: string, timezone: string, interval: AnalyticsInterval = "day"): AnalyticsWindow {
  const resolved = resolveAnalyticsWindow({ start, end, timezone, interval }, t("2026-01-01T00:00:00Z"));
  if (!resolved.ok) throw new Error(`${resolved.field}: ${resolved.message}`);
  return resolved.value;
}
const lengths = (window: AnalyticsWindow) => window.boundaries.slice(1).map((b, i) => (b - window.boundaries[i]!) / HOUR);
const starts = (window: AnalyticsWindow) => window.boundaries.slice(0, -1).map((b) => formatInZone(window.timezone, b));

describe("time zones", () => {
  test("isTimeZone takes IANA names (any case) and refuses offsets and nonsense", () => {
    for (const zone of ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Etc/GMT+5", "america/new_york"]) expect(isTimeZone(zone), zone).toBe(true);
    for (const zone of ["", "+05:30", "GMT+5:30", "Mars/Olympus_Mons", "Europe/Berlin ", "../etc/passwd", "x".repeat(65)]) expect(isTimeZone(zone), zone).toBe(false);
  });

  test("zoneOffsetMs reads whole, half and quarter hours, DST, and historic seconds", () => {
    expect(zoneOffsetMs("UTC", t("2025-03-09T12:00:00Z"))).toBe(0);
    expect(zoneOffsetMs("America/New_York", t("2025-03-09T06:59:59Z"))).toBe(-5 * HOUR);
    expect(zoneOffsetMs("America/New_York", t("2025-03-09T07:00:00Z"))).toBe(-4 * HOUR);
    expect(zoneOffsetMs("Asia/Kolkata", t("2025-03-09T12:00:00Z"))).toBe(5.5 * HOUR);
    expect(zoneOffsetMs("Asia/Kathmandu", t("2025-03-09T12:00:00Z"))).toBe(5.75 * HOUR);
    expect(zoneOffsetMs("Africa/Monrovia", t("1971-06-01T00:00:00Z"))).toBe(-(44 * 60 + 30) * 1000);
  });

  test("formatInZone writes local time with the offset", () => {
    expect(formatInZone("America/New_York", t("2025-03-09T05:00:00Z"))).toBe("2025-03-09T00:00:00-05:00");
    expect(formatInZone("America/New_York", t("2025-03-09T07:00:00Z"))).toBe("2025-03-09T03:00:00-04:00");
    expect(formatInZone("Asia/Kolkata", t("2025-03-05T18:30:00Z"))).toBe("2025-03-06T00:00:00+05:30");
    expect(formatInZone("UTC", t("2025-03-05T18:30:00Z"))).toBe("2025-03-05T18:30:00+00:00");
  });

  test("startOfInterval and nextInterval across New York's changes", () => {
    expect(startOfInterval("America/New_York", "day", t("2025-03-09T20:00:00Z"))).toBe(t("2025-03-09T05:00:00Z"));
    expect(nextInterval("America/New_York", "day", t("2025-03-09T05:00:00Z"))).toBe(t("2025-03-10T04:00:00Z"));
    expect(nextInterval("America/New_York", "day", t("2025-11-02T04:00:00Z"))).toBe(t("2025-11-03T05:00:00Z"));
    // The repeated hour: 01:00 EDT and 01:00 EST are two buckets.
    expect(nextInterval("America/New_York", "hour", t("2025-11-02T05:00:00Z"))).toBe(t("2025-11-02T06:00:00Z"));
    expect(startOfInterval("America/New_York", "hour", t("2025-11-02T06:30:00Z"))).toBe(t("2025-11-02T06:00:00Z"));
    expect(startOfInterval("Asia/Kathmandu", "hour", t("2025-03-09T15:14:00Z"))).toBe(t("2025-03-09T14:15:00Z"));
  });

  test("a zone whose clocks skip midnight starts that day at the first instant that exists", () => {
    // Chile moved its clocks from 00:00 to 01:00 on 2024-09-08.
    const start = startOfInterval("America/Santiago", "day", t("2024-09-08T15:00:00Z"));
    expect(formatInZone("America/Santiago", start)).toBe("2024-09-08T01:00:00-03:00");
    expect(nextInterval("America/Santiago", "day", t("2024-09-07T04:00:00Z"))).toBe(start);
  });
});

describe("resolveAnalyticsWindow", () => {
  test("days in New York: 23 hours on 2025-03-09, 25 on 2025-11-02, each starting at local midnight", () => {
    const spring = windowOf("2025-03-08T00:00:00-05:00", "2025-03-11T00:00:00-04:00", "America/New_York");
    expect(lengths(spring)).toEqual([24, 23, 24]);
    expect(starts(spring)).toEqual(["2025-03-08T00:00:00-05:00", "2025-03-09T00:00:00-05:00", "2025-03-10T00:00:00-04:00"]);
    expect(lengths(windowOf("2025-11-01T00:00:00-04:00", "2025-11-04T00:00:00-05:00", "America/New_York"))).toEqual([24, 25, 24]);
  });

  test("hours in Berlin: 23 on 2025-03-30 (no 02:00), 25 on 2025-10-26 (02:00 twice)", () => {
    const spring = windowOf("2025-03-30T00:00:00+01:00", "2025-03-31T00:00:00+02:00", "Europe/Berlin", "hour");
    expect(spring.boundaries).toHaveLength(24);
    expect(starts(spring).slice(1, 3)).toEqual(["2025-03-30T01:00:00+01:00", "2025-03-30T03:00:00+02:00"]);
    const fall = windowOf("2025-10-26T00:00:00+02:00", "2025-10-27T00:00:00+01:00", "Europe/Berlin", "hour");
    expect(fall.boundaries).toHaveLength(26);
    expect(starts(fall).slice(2, 4)).toEqual(["2025-10-26T02:00:00+02:00", "2025-10-26T02:00:00+01:00"]);
  });

  test("Kolkata hours start at half past the UTC hour", () => {
    const window = windowOf("2025-03-06T00:00:00+05:30", "2025-03-06T03:00:00+05:30", "Asia/Kolkata", "hour");
    expect(window.boundaries.map((b) => new Date(b).toISOString())).toEqual([
      "2025-03-05T18:30:00.000Z",
      "2025-03-05T19:30:00.000Z",
      "2025-03-05T20:30:00.000Z",
      "2025-03-05T21:30:00.000Z",
    ]);
  });

  test("the range is widened to whole intervals; an aligned range stays as it is", () => {
    const widened = windowOf("2025-03-09T15:17:00Z", "2025-03-10T12:00:00Z", "America/New_York");
    expect(formatInZone("America/New_York", widened.start)).toBe("2025-03-09T00:00:00-05:00");
    expect(formatInZone("America/New_York", widened.end)).toBe("2025-03-11T00:00:00-04:00");
    const aligned = windowOf("2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z", "UTC");
    expect([aligned.start, aligned.end]).toEqual([t("2025-03-01T00:00:00Z"), t("2025-03-02T00:00:00Z")]);
  });

  test("defaults: end is now, start 30 days earlier", () => {
    const now = t("2025-06-15T13:45:00Z");
    const resolved = resolveAnalyticsWindow({ timezone: "UTC", interval: "day" }, now);
    expect(resolved.ok && [resolved.value.start, resolved.value.end]).toEqual([t("2025-05-16T00:00:00Z"), t("2025-06-16T00:00:00Z")]);
    const onlyEnd = resolveRange({ end: "2025-06-15T00:00:00Z" }, now);
    expect(onlyEnd.ok && onlyEnd.value.start).toBe(t("2025-05-16T00:00:00Z"));
  });

  test("errors name the parameter", () => {
    const now = t("2025-06-15T13:45:00Z");
    const fail = (input: Parameters<typeof resolveAnalyticsWindow>[0]) => {
      const resolved = resolveAnalyticsWindow(input, now);
      return resolved.ok ? null : resolved.field;
    };
    expect(fail({ start: "2025-03-02T00:00:00Z", end: "2025-03-01T00:00:00Z", timezone: "UTC", interval: "day" })).toBe("end");
    expect(fail({ start: "2025-03-01T00:00:00Z", end: "2025-03-01T00:00:00Z", timezone: "UTC", interval: "day" })).toBe("end");
    expect(fail({ start: "2026-01-01T00:00:00Z", timezone: "UTC", interval: "day" })).toBe("start");
    expect(fail({ start: "2020-01-01T00:00:00Z", end: "2023-01-02T00:00:00Z", timezone: "UTC", interval: "day" })).toBe("start");
    expect(fail({ start: "2025-01-01T00:00:00Z", end: "2025-02-02T00:00:00Z", timezone: "UTC", interval: "hour" })).toBe("interval");
    // The limits themselves are allowed.
    expect(fail({ start: "2025-01-01T00:00:00Z", end: "2025-02-01T00:00:00Z", timezone: "UTC", interval: "hour" })).toBeNull();
    expect(fail({ start: "2022-01-01T00:00:00Z", end: new Date(t("2022-01-01T00:00:00Z") + MAX_RANGE_DAYS * DAY).toISOString(), timezone: "UTC", interval: "day" })).toBeNull();
  });
});

describe("query schemas", () => {
  test("defaults and conversions", () => {
    expect(analyticsQuerySchema.parse({})).toEqual({ timezone: "UTC", interval: "day", includeBots: false });
    expect(analyticsQuerySchema.parse({ includeBots: "true", linkId: " lnk_1 " })).toMatchObject({ includeBots: true, linkId: "lnk_1" });
    expect(topQuerySchema.parse({ dimension: "country" })).toMatchObject({ dimension: "country", limit: 10 });
    expect(topQuerySchema.parse({ dimension: "region", limit: "25" }).limit).toBe(25);
    expect(exportQuerySchema.parse({ domain: "Go.Example.COM" })).toEqual({ domain: "go.example.com", includeBots: false });
  });

  test.each([
    [analyticsQuerySchema, { start: "2025-03-01" }, "start"],
    [analyticsQuerySchema, { timezone: "Nowhere/Special" }, "timezone"],
    [analyticsQuerySchema, { interval: "week" }, "interval"],
    [analyticsQuerySchema, { includeBots: "1" }, "includeBots"],
    [analyticsQuerySchema, { other: "x" }, ""],
    [topQuerySchema, { dimension: "planet" }, "dimension"],
    [topQuerySchema, { dimension: "os", limit: "1.5" }, "limit"],
    [variantsQuerySchema, {}, "linkId"],
    [variantsQuerySchema, { linkId: "l", domain: "a.example" }, ""],
    [exportQuerySchema, { interval: "day" }, ""],
  ] as const)("%# refuses %j", (schema, input, path) => {
    const result = schema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path.join(".")).toBe(path);
  });
});
