/**
 * Wall-clock dates and times in a named time zone, for the dashboard's date fields (the link
 * editor's expiry, the analytics range): "2026-03-29 02:30 in Europe/Berlin" to an instant and
 * back. Intl only, so the browser and the server compute the same thing.
 */
import { MAX_RANGE_DAYS, zoneOffsetMs } from "./analytics";

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** The IANA zones this runtime knows, UTC first. */
export function timeZoneNames(): string[] {
  const names = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return ["UTC", ...names.filter((name) => name !== "UTC")];
}

/** The date ("2026-12-31") and time ("23:59") a clock in `timeZone` shows at instant `at`. */
export function wallClock(timeZone: string, at: number): { date: string; time: string } {
  const iso = new Date(at + zoneOffsetMs(timeZone, at)).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

/** The UTC milliseconds of a calendar date ("2026-02-30" is no date: null). */
export function dayNumber(date: string): number | null {
  const match = DATE.exec(date);
  if (!match) return null;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(ms).toISOString().slice(0, 10) === date && Number(match[1]) >= 1970 ? ms : null;
}

/** The day after `date` ("2026-12-31" → "2027-01-01"). */
export function nextDay(date: string): string {
  return new Date(dayNumber(date)! + DAY_MS).toISOString().slice(0, 10);
}

/**
 * The instant a clock in `timeZone` shows `date` `time`. A time skipped by a DST change
 * (02:30 on a spring-forward night) is read with the offset from before the change, so it lands
 * just after it; a repeated one (autumn) is its first occurrence.
 */
export function instantOf(timeZone: string, date: string, time = "00:00"): number | null {
  const day = dayNumber(date);
  const clock = TIME.exec(time);
  if (day === null || !clock) return null;
  const local = day + (Number(clock[1]) * 60 + Number(clock[2])) * 60_000;
  const before = zoneOffsetMs(timeZone, local - DAY_MS / 2);
  const after = zoneOffsetMs(timeZone, local + DAY_MS / 2);
  // Try the earlier offset first: right for the repeated hour, and for every ordinary time.
  for (const offset of before === after ? [before] : [before, after]) {
    const at = local - offset;
    if (zoneOffsetMs(timeZone, at) === offset) return at;
  }
  return local - before;
}

export type DayRangeCheck = { ok: true; start: string; end: string } | { ok: false; field: "start" | "end"; message: string };

/**
 * A range of whole days as a person enters it (both inclusive), checked with messages for the
 * field at fault: both dates real, the end not before the start, at most the analytics API's
 * longest range, and not starting in the future (`today` in the same zone).
 */
export function checkDayRange(start: string, end: string, today: string): DayRangeCheck {
  const from = dayNumber(start);
  const to = dayNumber(end);
  if (from === null) return { ok: false, field: "start", message: start ? "Enter a real date (YYYY-MM-DD)." : "Choose the first day." };
  if (to === null) return { ok: false, field: "end", message: end ? "Enter a real date (YYYY-MM-DD)." : "Choose the last day." };
  if (to < from) return { ok: false, field: "end", message: "The last day is before the first day." };
  if (from > (dayNumber(today) ?? Infinity)) return { ok: false, field: "start", message: "The first day is in the future." };
  const days = (to - from) / DAY_MS + 1;
  if (days > MAX_RANGE_DAYS) return { ok: false, field: "end", message: `A range covers at most ${MAX_RANGE_DAYS} days (this one has ${days}).` };
  return { ok: true, start, end };
}
