import { describe, expect, test } from "vitest";
import { resolvePageRange } from "./analytics-range";

const NOW = Date.parse("2026-12-06T10:00:00Z");

describe("the analytics page's range", () => {
  test("presets end now; the last 24 hours are hourly, the rest daily; the date fields show the span", () => {
    expect(resolvePageRange({}, NOW)).toMatchObject({
      range: "30d",
      zone: "UTC",
      startDay: "2026-11-06",
      endDay: "2026-12-06",
      window: { start: "2026-11-06T10:00:00.000Z", end: "2026-12-06T10:00:00.000Z", interval: "day" },
      errors: {},
    });
    expect(resolvePageRange({ range: "24h" }, NOW).window).toMatchObject({ interval: "hour", start: "2026-12-05T10:00:00.000Z" });
    expect(resolvePageRange({ range: "toString" }, NOW).range).toBe("30d");
  });

  test("custom days are whole days in the zone; the last one ends at the next midnight or now", () => {
    expect(resolvePageRange({ range: "custom", start: "2026-11-01", end: "2026-11-30", tz: "America/New_York" }, NOW).window).toEqual({
      start: "2026-11-01T04:00:00.000Z", // EDT until 1 November, 02:00
      end: "2026-12-01T05:00:00.000Z",
      interval: "day",
    });
    expect(resolvePageRange({ range: "custom", start: "2026-12-05", end: "2026-12-06", tz: "Europe/Berlin" }, NOW).window).toEqual({
      start: "2026-12-04T23:00:00.000Z",
      end: "2026-12-06T10:00:00.000Z",
      interval: "hour",
    });
  });

  test("a bad range names its field and asks the API nothing", () => {
    expect(resolvePageRange({ range: "custom", start: "2026-12-05", end: "2026-12-01" }, NOW)).toMatchObject({
      window: null,
      errors: { end: "The last day is before the first day." },
      startDay: "2026-12-05",
      endDay: "2026-12-01",
    });
    expect(resolvePageRange({ range: "custom", start: "2020-01-01", end: "2026-12-01" }, NOW).errors.end).toMatch(/^A range covers at most 1096 days/);
    expect(resolvePageRange({ range: "custom", end: "2026-12-01" }, NOW).errors).toEqual({ start: "Choose the first day." });
    expect(resolvePageRange({ range: "7d", tz: "Mars/Olympus" }, NOW)).toMatchObject({ window: null, errors: { tz: expect.stringMatching(/IANA/) } });
  });

  test("'today' is the zone's: past midnight in Tokyo the next day is no longer in the future", () => {
    expect(resolvePageRange({ range: "custom", start: "2026-12-06", end: "2026-12-06", tz: "UTC" }, Date.parse("2026-12-05T20:00:00Z")).errors.start).toBe("The first day is in the future.");
    expect(resolvePageRange({ range: "custom", start: "2026-12-06", end: "2026-12-06", tz: "Asia/Tokyo" }, Date.parse("2026-12-05T20:00:00Z")).errors).toEqual({});
  });
});
