/**
 * The analytics page's range as its URL carries it (`range=7d` or `range=custom&start=…&end=…`,
 * `tz=…`), resolved to the API's query window, with a message for the field at fault. Pure, so
 * the page and its tests read the same rules.
 */
import { isTimeZone, MAX_HOURLY_RANGE_DAYS } from "./analytics";
import { checkDayRange, instantOf, nextDay, wallClock } from "./zoned-time";

export const PRESET_RANGES = {
  "24h": { days: 1, label: "Last 24 hours" },
  "7d": { days: 7, label: "Last 7 days" },
  "30d": { days: 30, label: "Last 30 days" },
  "90d": { days: 90, label: "Last 90 days" },
} as const;
export type RangeKey = keyof typeof PRESET_RANGES | "custom";

/** Custom ranges of up to this many days get hourly buckets. */
const HOURLY_UP_TO_DAYS = 3;
const DAY_MS = 86_400_000;

export interface PageRange {
  range: RangeKey;
  zone: string;
  /** The days shown in the date fields (the preset's, or the custom ones as entered). */
  startDay: string;
  endDay: string;
  /** The API's window, or null when a field is at fault. */
  window: { start: string; end: string; interval: "hour" | "day" } | null;
  errors: { start?: string; end?: string; tz?: string };
}

export function resolvePageRange(params: { range?: string; start?: string; end?: string; tz?: string }, now: number): PageRange {
  const zoneParam = params.tz || "UTC";
  const zoneOk = isTimeZone(zoneParam);
  const zone = zoneOk ? zoneParam : "UTC";
  const today = wallClock(zone, now).date;
  const range: RangeKey = params.range === "custom" || Object.hasOwn(PRESET_RANGES, params.range ?? "") ? (params.range as RangeKey) : "30d";
  const errors: PageRange["errors"] = zoneOk ? {} : { tz: "must be an IANA time zone name, e.g. Europe/Berlin" };

  if (range !== "custom") {
    const { days } = PRESET_RANGES[range];
    const start = now - days * DAY_MS;
    return {
      range,
      zone: zoneParam,
      startDay: wallClock(zone, start).date,
      endDay: today,
      window: zoneOk ? { start: new Date(start).toISOString(), end: new Date(now).toISOString(), interval: days === 1 ? "hour" : "day" } : null,
      errors,
    };
  }
  const startDay = params.start ?? "";
  const endDay = params.end ?? "";
  const checked = checkDayRange(startDay, endDay, today);
  if (!checked.ok) errors[checked.field] = checked.message;
  if (!checked.ok || !zoneOk) return { range, zone: zoneParam, startDay, endDay, window: null, errors };
  const start = instantOf(zone, startDay)!;
  // The last day runs to the next midnight, or to now when that is still ahead.
  const end = Math.min(instantOf(zone, nextDay(endDay))!, now);
  const days = (instantOf("UTC", endDay)! - instantOf("UTC", startDay)!) / DAY_MS + 1;
  const interval = days <= Math.min(HOURLY_UP_TO_DAYS, MAX_HOURLY_RANGE_DAYS) ? "hour" : "day";
  return { range, zone: zoneParam, startDay, endDay, window: { start: new Date(start).toISOString(), end: new Date(end).toISOString(), interval }, errors };
}
