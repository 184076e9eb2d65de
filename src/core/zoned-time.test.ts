import { describe, expect, test } from "vitest";
import { checkDayRange, dayNumber, instantOf, nextDay, timeZoneNames, wallClock } from "./zoned-time";

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());

describe("wall clocks in a zone", () => {
  test("an ordinary time in New York, Kolkata and UTC", () => {
    expect(iso(instantOf("America/New_York", "2026-07-04", "09:30"))).toBe("2026-07-04T13:30:00.000Z");
    expect(iso(instantOf("America/New_York", "2026-01-04", "09:30"))).toBe("2026-01-04T14:30:00.000Z");
    expect(iso(instantOf("Asia/Kolkata", "2026-01-01", "00:00"))).toBe("2025-12-31T18:30:00.000Z");
    expect(iso(instantOf("UTC", "2026-12-31", "23:59"))).toBe("2026-12-31T23:59:00.000Z");
  });

  test("round trips: the clock shows what was entered", () => {
    for (const zone of ["Europe/Berlin", "America/Los_Angeles", "Australia/Lord_Howe", "Asia/Kathmandu"]) {
      for (const [date, time] of [["2026-03-29", "12:00"], ["2026-10-25", "23:45"], ["2026-06-01", "00:00"]] as const) {
        expect(wallClock(zone, instantOf(zone, date, time)!), `${zone} ${date} ${time}`).toEqual({ date, time });
      }
    }
  });

  test("DST: a skipped time lands after the jump; a repeated one is its first occurrence", () => {
    // Berlin springs forward 02:00 → 03:00 on 2026-03-29; 02:30 does not exist.
    expect(iso(instantOf("Europe/Berlin", "2026-03-29", "02:30"))).toBe("2026-03-29T01:30:00.000Z");
    expect(wallClock("Europe/Berlin", instantOf("Europe/Berlin", "2026-03-29", "02:30")!)).toEqual({ date: "2026-03-29", time: "03:30" });
    // Berlin falls back 03:00 → 02:00 on 2026-10-25; 02:30 happens twice (CEST first).
    expect(iso(instantOf("Europe/Berlin", "2026-10-25", "02:30"))).toBe("2026-10-25T00:30:00.000Z");
  });

  test("invalid dates and times are null", () => {
    expect(instantOf("UTC", "2026-02-30", "10:00")).toBeNull();
    expect(instantOf("UTC", "2026-02-10", "24:00")).toBeNull();
    expect(instantOf("UTC", "10/02/2026", "10:00")).toBeNull();
    expect(dayNumber("1969-12-31")).toBeNull();
    expect(nextDay("2028-02-28")).toBe("2028-02-29");
    expect(nextDay("2026-12-31")).toBe("2027-01-01");
  });

  test("the zone list is the runtime's, UTC first and once", () => {
    const names = timeZoneNames();
    expect(names[0]).toBe("UTC");
    expect(names.filter((n) => n === "UTC")).toHaveLength(1);
    expect(names).toContain("Europe/Berlin");
    expect(names.length).toBeGreaterThan(300);
  });
});

describe("checkDayRange", () => {
  const today = "2026-12-06";
  test.each([
    ["", "2026-12-01", "start", "Choose the first day."],
    ["2026-12-01", "", "end", "Choose the last day."],
    ["2026-13-01", "2026-12-01", "start", "Enter a real date (YYYY-MM-DD)."],
    ["2026-12-05", "2026-12-01", "end", "The last day is before the first day."],
    ["2026-12-07", "2026-12-08", "start", "The first day is in the future."],
    ["2020-01-01", "2026-12-01", "end", "A range covers at most 1096 days (this one has 2527)."],
  ])("%s .. %s → %s: %s", (start, end, field, message) => {
    expect(checkDayRange(start, end, today)).toEqual({ ok: false, field, message });
  });
  test("a single day and the longest range pass", () => {
    expect(checkDayRange("2026-12-06", "2026-12-06", today)).toEqual({ ok: true, start: "2026-12-06", end: "2026-12-06" });
    expect(checkDayRange("2023-12-07", "2026-12-06", today).ok).toBe(true);
    expect(checkDayRange("2023-12-06", "2026-12-06", today).ok).toBe(false);
  });
});
