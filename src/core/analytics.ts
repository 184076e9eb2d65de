/**
 * Click analytics vocabulary shared by the click store, the analytics API and the dashboard: the
 * dimensions, the API's query and response schemas, and the time-zone arithmetic that turns a
 * query into buckets. Runtime-neutral: zod and Intl only, no Node or database imports.
 */
import { z } from "zod";
import { dateTimeSchema } from "./destination";
import { domainSchema } from "./link";

/** The dimensions clicks are rolled up and broken down by. */
export const CLICK_DIMENSIONS = ["country", "region", "city", "device", "os", "browser", "referrer", "language", "rule", "variant"] as const;
export type ClickDimension = (typeof CLICK_DIMENSIONS)[number];

/** The rollup dimension that holds the plain count (value ""). */
export const TOTAL_DIMENSION = "all";

/** How an unknown value (no referrer, no geo header, no rule matched) is stored in rollups. */
export const UNKNOWN_VALUE = "";

// ---- Limits ------------------------------------------------------------------------------------

export const ANALYTICS_INTERVALS = ["hour", "day"] as const;
export type AnalyticsInterval = (typeof ANALYTICS_INTERVALS)[number];

/** Without `start`, a query covers the 30 days before `end` (which defaults to now). */
export const DEFAULT_RANGE_DAYS = 30;
/** The longest range a query may cover: three years, one of them with a leap day. */
export const MAX_RANGE_DAYS = 1096;
/** Hourly buckets only up to a month (744 points), so no query asks for tens of thousands. */
export const MAX_HOURLY_RANGE_DAYS = 31;
export const DEFAULT_TOP_LIMIT = 10;
export const MAX_TOP_LIMIT = 100;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

// ---- Time zones (Intl only, so the edge and the browser can use the same code) ---------------

/** Names only: Intl would also take offsets such as "+05:30", which are not zones (no DST rules). */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/** Whether `name` is an IANA time zone this runtime knows ("Europe/Berlin", "UTC", "Etc/GMT+5"). */
export function isTimeZone(name: string): boolean {
  if (!ZONE_NAME.test(name)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

function offsetFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = offsetFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" });
    offsetFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** "GMT", "GMT+00:00", "GMT-04:00", "GMT+05:45", "GMT-00:44:30" (historic zones have seconds). */
const LONG_OFFSET = /^GMT(?:([+\-\u2212])(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?)?$/;

/** The zone's UTC offset at instant `at` (ms since the epoch), in ms: -4 h for New York in summer. */
export function zoneOffsetMs(timeZone: string, at: number): number {
  const name = offsetFormatter(timeZone)
    .formatToParts(at)
    .find((part) => part.type === "timeZoneName")?.value;
  const match = name === undefined ? null : LONG_OFFSET.exec(name);
  if (!match) throw new Error(`Cannot read the UTC offset of ${timeZone} (got ${name ?? "nothing"})`);
  if (!match[1]) return 0;
  const sign = match[1] === "+" ? 1 : -1;
  return sign * (Number(match[2]) * HOUR_MS + Number(match[3] ?? 0) * MINUTE_MS + Number(match[4] ?? 0) * 1000);
}

const floorTo = (value: number, unit: number) => value - (((value % unit) + unit) % unit);

/** The start of the local hour holding `at`: a UTC hour start in New York, half past in Kolkata. */
function startOfLocalHour(timeZone: string, at: number): number {
  return at - (((at + zoneOffsetMs(timeZone, at)) % HOUR_MS) + HOUR_MS) % HOUR_MS;
}

/** The local calendar day of `at`, as the UTC midnight of the same date (a day number × DAY_MS). */
function localDay(timeZone: string, at: number): number {
  return floorTo(at + zoneOffsetMs(timeZone, at), DAY_MS);
}

/**
 * The first instant of the local day holding `at`. Usually local midnight; where a DST change
 * skips midnight (some zones move their clocks at 00:00) it is the first instant that exists.
 */
function startOfLocalDay(timeZone: string, at: number): number {
  const offset = zoneOffsetMs(timeZone, at);
  const day = floorTo(at + offset, DAY_MS);
  // Local midnight, assuming the offset at `at`; corrected once if the offset differed at midnight
  // (a DST change earlier that day: 23- and 25-hour days).
  let guess = day - offset;
  const offsetThen = zoneOffsetMs(timeZone, guess);
  if (offsetThen !== offset) guess = day - offsetThen;
  if (guess <= at && localDay(timeZone, guess) === day && localDay(timeZone, guess - 1) !== day) return guess;
  // Midnight does not exist that day: the first instant whose local date is `day`, by bisection.
  let before = at - 2 * DAY_MS;
  let after = at;
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (localDay(timeZone, middle) >= day) after = middle;
    else before = middle;
  }
  return after;
}

/** The start of the `interval` holding `at`, in `timeZone`. */
export function startOfInterval(timeZone: string, interval: AnalyticsInterval, at: number): number {
  return interval === "hour" ? startOfLocalHour(timeZone, at) : startOfLocalDay(timeZone, at);
}

/** The start of the interval after the one starting at `start` (23, 24 or 25 hours for a day). */
export function nextInterval(timeZone: string, interval: AnalyticsInterval, start: number): number {
  // Jump past the interval's end whatever its length, then snap back to a start. A local hour is
  // never longer than 1 h, a local day never longer than 25 h (26 h leaves room).
  const jump = interval === "hour" ? HOUR_MS : 26 * HOUR_MS;
  const next = startOfInterval(timeZone, interval, start + jump);
  return next > start ? next : start + jump;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, "0");
}

/** "+05:30", "-04:00", "+00:00" (and "-00:44:30" for the odd historic offset with seconds). */
function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? "-" : "+";
  const total = Math.abs(offsetMs) / 1000;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return `${sign}${pad(hours)}:${pad(minutes)}${seconds ? `:${pad(seconds)}` : ""}`;
}

/** ISO 8601 in the zone's local time with its offset: "2025-03-09T00:00:00-05:00". */
export function formatInZone(timeZone: string, at: number): string {
  const offset = zoneOffsetMs(timeZone, at);
  return `${new Date(at + offset).toISOString().slice(0, 19)}${formatOffset(offset)}`;
}

// ---- Query windows ----------------------------------------------------------------------------

export interface AnalyticsRangeInput {
  start?: string;
  end?: string;
  timezone: string;
  interval: AnalyticsInterval;
}

/**
 * What a query covers, resolved: `[start, end)` widened to whole intervals of the zone, and the
 * bucket edges (`boundaries[i]` .. `boundaries[i + 1]` is bucket i; the first is `start`, the last
 * `end`). Instants are ms since the epoch.
 */
export interface AnalyticsWindow {
  timezone: string;
  interval: AnalyticsInterval;
  start: number;
  end: number;
  boundaries: number[];
}

export type Resolved<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

/** Start and end as given (or defaulted), checked: end after start, at most MAX_RANGE_DAYS apart. */
export function resolveRange(input: { start?: string; end?: string }, now: number): Resolved<{ start: number; end: number }> {
  const end = input.end === undefined ? now : Date.parse(input.end);
  const start = input.start === undefined ? end - DEFAULT_RANGE_DAYS * DAY_MS : Date.parse(input.start);
  if (end <= start) {
    return input.end === undefined
      ? { ok: false, field: "start", message: "start must be before end (end defaults to now)" }
      : { ok: false, field: "end", message: "end must be after start" };
  }
  if (end - start > MAX_RANGE_DAYS * DAY_MS) {
    return { ok: false, field: "start", message: `start must be at most ${MAX_RANGE_DAYS} days before end` };
  }
  return { ok: true, value: { start, end } };
}

/**
 * Resolves a query's range into buckets: defaults (the 30 days before now, UTC, daily), checks, and
 * the range widened to whole intervals in the zone, so every bucket is a whole local hour or day
 * and totals over a range equal the sum of its timeseries points.
 */
export function resolveAnalyticsWindow(input: AnalyticsRangeInput, now: number): Resolved<AnalyticsWindow> {
  const range = resolveRange(input, now);
  if (!range.ok) return range;
  const { timezone, interval } = input;
  if (interval === "hour" && range.value.end - range.value.start > MAX_HOURLY_RANGE_DAYS * DAY_MS) {
    return {
      ok: false,
      field: "interval",
      message: `interval=hour is only available for ranges of at most ${MAX_HOURLY_RANGE_DAYS} days; use interval=day or a shorter range`,
    };
  }
  const boundaries = [startOfInterval(timezone, interval, range.value.start)];
  while (boundaries.at(-1)! < range.value.end) boundaries.push(nextInterval(timezone, interval, boundaries.at(-1)!));
  return { ok: true, value: { timezone, interval, start: boundaries[0]!, end: boundaries.at(-1)!, boundaries } };
}

// ---- Query schemas ----------------------------------------------------------------------------

const idParameter = (description: string) =>
  z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters").meta({ description });

const rangeFields = {
  start: dateTimeSchema
    .optional()
    .meta({ description: `ISO 8601 date-time with an offset, e.g. \`2025-03-01T00:00:00-05:00\`. Default: ${DEFAULT_RANGE_DAYS} days before \`end\`.` }),
  end: dateTimeSchema.optional().meta({ description: `ISO 8601 date-time with an offset; exclusive. Default: now. At most ${MAX_RANGE_DAYS} days after \`start\`.` }),
};

const filterFields = {
  linkId: idParameter("Only clicks on this link (an id of this workspace).").optional(),
  tagId: idParameter("Only clicks on links with this tag (an id of this workspace).").optional(),
  domain: domainSchema.optional().meta({ description: "Only clicks on links of this short domain." }),
  includeBots: z
    .enum(["true", "false"], { error: "must be true or false" })
    .default("false")
    .transform((value) => value === "true")
    .meta({ description: "Count bots too (`clicks` and `uniques` then include them). Default: people only." }),
};

const bucketFields = {
  timezone: z
    .string()
    .refine(isTimeZone, "must be an IANA time zone name, e.g. Europe/Berlin")
    .default("UTC")
    .meta({ description: "IANA time zone the buckets follow (local hours and days, across DST changes). Default: UTC." }),
  interval: z
    .enum(ANALYTICS_INTERVALS, { error: "must be hour or day" })
    .default("day")
    .meta({ description: `Bucket size. \`hour\` only for ranges of at most ${MAX_HOURLY_RANGE_DAYS} days. The range is widened to whole buckets.` }),
};

/** GET /api/v1/analytics and /analytics/timeseries. */
export const analyticsQuerySchema = z.object({ ...rangeFields, ...bucketFields, ...filterFields }).strict();
export type AnalyticsQuery = z.infer<typeof analyticsQuerySchema>;

/** GET /api/v1/analytics/top. */
export const topQuerySchema = analyticsQuerySchema
  .extend({
    dimension: z.enum(CLICK_DIMENSIONS, { error: `must be one of ${CLICK_DIMENSIONS.join(", ")}` }).meta({ description: "What to break clicks down by." }),
    limit: z.coerce
      .number({ error: "must be a number" })
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(MAX_TOP_LIMIT, `must be at most ${MAX_TOP_LIMIT}`)
      .default(DEFAULT_TOP_LIMIT)
      .meta({ description: "How many values, most clicked first." }),
  })
  .strict();
export type TopQuery = z.infer<typeof topQuerySchema>;

/** GET /api/v1/analytics/variants: one link's A/B results. */
export const variantsQuerySchema = z
  .object({ ...rangeFields, ...bucketFields, linkId: idParameter("The link whose variants to compare (an id of this workspace)."), includeBots: filterFields.includeBots })
  .strict();
export type VariantsQuery = z.infer<typeof variantsQuerySchema>;

/** GET /api/v1/analytics/export: raw clicks, exactly `[start, end)` (no buckets, so no zone). */
export const exportQuerySchema = z.object({ ...rangeFields, ...filterFields }).strict();
export type ExportQuery = z.infer<typeof exportQuerySchema>;

// ---- Response schemas (also the source of the OpenAPI document) -------------------------------

const windowShape = {
  start: z.string().meta({ description: "The range's first instant (widened to a bucket start), in the zone's local time with its offset." }),
  end: z.string().meta({ description: "The range's end (exclusive), in the zone's local time with its offset." }),
  timezone: z.string(),
  interval: z.enum(ANALYTICS_INTERVALS),
};

const count = (description: string) => z.number().int().min(0).meta({ description });
const share = z.number().min(0).max(1).meta({ description: "This row's fraction of the clicks (0..1)." });

export const analyticsTotalsSchema = z.object({
  ...windowShape,
  clicks: count("Clicks: people reaching a destination, plus bots when `includeBots=true`."),
  uniques: count("Distinct visitors. Visitor ids rotate daily (UTC), so a visitor returning on another day counts again."),
  bots: count("Bot visits in the range, whether or not `includeBots` is set."),
});
export type AnalyticsTotals = z.infer<typeof analyticsTotalsSchema>;

export const timeseriesPointSchema = z.object({
  start: z.string().meta({ description: "The bucket's first instant, local time with the zone's offset, e.g. `2025-03-09T00:00:00-05:00`." }),
  clicks: count("Clicks in the bucket."),
  uniques: count("Distinct visitors in the bucket."),
});

export const timeseriesSchema = z.object({
  ...windowShape,
  points: z.array(timeseriesPointSchema).meta({ description: "Every bucket of the range in order, empty ones as zeros." }),
});
export type AnalyticsTimeseries = z.infer<typeof timeseriesSchema>;

export const topSchema = z.object({
  ...windowShape,
  dimension: z.enum(CLICK_DIMENSIONS),
  clicks: count("All clicks in the range (the denominator of `share`)."),
  rows: z
    .array(
      z.object({
        value: z
          .string()
          .nullable()
          .meta({ description: "The value (`null` when unknown). Regions are ISO 3166-2 (`US-CA`); rules and variants their 0-based index." }),
        clicks: count("Clicks with this value."),
        share,
      }),
    )
    .meta({ description: "Most clicked first; ties by value." }),
});
export type AnalyticsTop = z.infer<typeof topSchema>;

export const variantsSchema = z.object({
  ...windowShape,
  linkId: z.string(),
  clicks: count("Clicks that were assigned a variant (the denominator of `share`)."),
  variants: z
    .array(
      z.object({
        index: z.number().int().min(0).meta({ description: "The variant's 0-based position in the link's `variants`." }),
        url: z.string().nullable().meta({ description: "The variant's destination; `null` for an index the link no longer has." }),
        weight: z.number().int().nullable().meta({ description: "The variant's weight (percent); `null` for an index the link no longer has." }),
        clicks: count("Clicks sent to this variant."),
        share,
        uniques: count("Distinct visitors sent to this variant."),
      }),
    )
    .meta({ description: "The link's current variants in order, then any older index that still has clicks in the range." }),
});
export type AnalyticsVariants = z.infer<typeof variantsSchema>;

/** The export's columns, in order. No IP addresses are stored; user agents and visitor ids are not exported. */
export const EXPORT_COLUMNS = [
  "id",
  "link_id",
  "domain",
  "key",
  "clicked_at",
  "url",
  "country",
  "region",
  "city",
  "device",
  "os",
  "browser",
  "referrer",
  "language",
  "reason",
  "rule",
  "variant",
  "is_bot",
] as const;
