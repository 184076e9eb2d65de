import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { TOTAL_DIMENSION, type ClickDimension } from "@/core/analytics";
import { COUNTED_REASONS } from "@/core/link";
import type { Db } from "@/server/db/client";
import {
  click,
  clickRollupDay,
  clickRollupHour,
  clickLinkUniquesSpan,
  clickUniquesDay,
  clickUniquesSpan,
  clickVisitorHour,
  clickWorkspaceRollupDay,
  clickWorkspaceRollupHour,
  link,
  linkTag,
} from "@/server/db/schema";
import { planSources, planUniqueSources, type SourcePlan, type TimeRange, type UniquesPlan } from "./plan";

/**
 * SQL building blocks of the analytics queries: which links a query covers, time ranges, and the
 * rows each source contributes, in one shape per kind so the sources can be unioned:
 * clicks `(ts, value, is_bot, clicks)` and visitors `(ts, visitor_id, variant_index)`.
 */

/** Which clicks a query covers: always one workspace, optionally narrowed. Ids already checked. */
export interface AnalyticsScope {
  workspaceId: string;
  linkId?: string;
  tagId?: string;
  domain?: string;
}

/**
 * Whether a query covers the whole workspace (no link, tag or domain filter): then the workspace-wide
 * rollups and daily unique counts answer it, instead of summing every link's rows.
 */
export function isWorkspaceWide(scope: AnalyticsScope): boolean {
  return scope.linkId === undefined && scope.tagId === undefined && scope.domain === undefined;
}

/** The rows of a raw query, whichever driver runs it (node-postgres and PGlite both have `rows`). */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** Counts arrive as bigint text (node-postgres), bigint or number (PGlite). */
export function toCount(value: unknown): number {
  if (value === null || value === undefined) return 0;
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw new Error(`Not a count: ${String(value)}`);
  return number;
}

const iso = (ms: number) => new Date(ms).toISOString();
export const timestamp = (ms: number) => sql`${iso(ms)}::timestamptz`;
export const timestamps = (values: readonly number[]) => sql`${sql.param(values.map(iso))}::timestamptz[]`;

/** `column` in any of `ranges` (disjoint, ascending). */
function inRanges(column: SQL, ranges: readonly TimeRange[]): SQL {
  const first = ranges[0]!;
  const last = ranges.at(-1)!;
  const hull = sql`${column} >= ${timestamp(first.from)} and ${column} < ${timestamp(last.to)}`;
  if (ranges.length === 1) return hull;
  // One index range over the hull; width_bucket finds the range whose start is the latest at or
  // before the row's time, and the row counts when it is also before that range's end. Index 0
  // (before every range) reads NULL, which is not true.
  return sql`${hull} and (${timestamps(ranges.map((r) => r.to))})[width_bucket(${column}, ${timestamps(ranges.map((r) => r.from))})] > ${column}`;
}

/** Up to this many raw ranges are spelled out as ORed conditions (see rawSelect). */
const MAX_ORED_RANGES = 100;

/**
 * `select columns from click c where …` over the raw clicks in `ranges`, one index range scan per
 * range (they are few and short: the hours that bucket edges cut). Spelled out as constant ranges
 * the planner estimates them exactly (a join against unnest() is estimated at thousands of times
 * the real rows, which brings on parallel sequential scans and JIT compilation); past
 * MAX_ORED_RANGES (years of half-hour-zone days) a LATERAL join keeps it to one scan per range.
 */
function rawSelect(columns: SQL, where: SQL, ranges: readonly TimeRange[]): SQL {
  if (ranges.length <= MAX_ORED_RANGES) {
    const column = sql.raw("c.clicked_at");
    const any = sql.join(
      ranges.map((range) => sql`(${inRanges(column, [range])})`),
      sql` or `,
    );
    return sql`select ${columns} from ${click} c where (${any}) and ${where}`;
  }
  return sql`select x.* from unnest(${timestamps(ranges.map((r) => r.from))}, ${timestamps(ranges.map((r) => r.to))}) as span(f, t)
    cross join lateral (select ${columns} from ${click} c where c.clicked_at >= span.f and c.clicked_at < span.t and ${where}) x`;
}

/**
 * The links a query covers, as a condition on table alias `alias`: the whole workspace by its id; a
 * single link by id (checked against the workspace before); a tag's or a domain's links by id, from
 * the workspace's links. Only the workspace-wide form names the rows' workspace_id: the link key
 * indexes (link, bucket…) then answer a link's or a tag's rows without visiting the heap, one link
 * at a time, instead of the planner weighing a scan of the workspace's rows.
 */
export function scopeCondition(alias: "r" | "v" | "c", scope: AnalyticsScope): SQL {
  const a = sql.raw(alias);
  const parts: SQL[] = [];
  if (scope.linkId) parts.push(sql`${a}.link_id = ${scope.linkId}`);
  if (scope.tagId) {
    parts.push(sql`${a}.link_id in (select lt.link_id from ${linkTag} lt join ${link} l on l.id = lt.link_id where lt.tag_id = ${scope.tagId} and l.workspace_id = ${scope.workspaceId})`);
  }
  if (scope.domain) {
    parts.push(sql`${a}.link_id in (select l.id from ${link} l where l.workspace_id = ${scope.workspaceId} and l.domain = ${scope.domain})`);
  }
  if (parts.length === 0) parts.push(sql`${a}.workspace_id = ${scope.workspaceId}`);
  return sql.join(parts, sql` and `);
}

/** A human click counts when it reached something (ingest's COUNTED_REASONS, or no reason). */
const COUNTED = sql`(c.reason is null or c.reason in (${sql.join(
  COUNTED_REASONS.map((reason) => sql`${reason}`),
  sql`, `,
)}))`;

/** Raw clicks the rollups hold: counted humans, and every bot (ingest rolls up exactly these). */
function rolledUp(includeBots: boolean): SQL {
  return includeBots ? sql`(c.is_bot or ${COUNTED})` : sql`(not c.is_bot and ${COUNTED})`;
}

/** A raw click's value in a dimension, exactly as ingest's dimensionValue() stores it in rollups. */
function rawValue(dimension: ClickDimension | typeof TOTAL_DIMENSION): SQL {
  switch (dimension) {
    case TOTAL_DIMENSION:
      return sql`''`;
    case "region":
      // ISO 3166-2 when the country is known ("US-CA"), the bare code otherwise; "" when unknown.
      return sql`case when c.region is null or c.region = '' then '' when c.country is not null and c.country <> '' then c.country || '-' || c.region else c.region end`;
    case "rule":
      return sql`coalesce(c.rule_index::text, '')`;
    case "variant":
      return sql`coalesce(c.variant_index::text, '')`;
    case "country":
      return sql`coalesce(c.country, '')`;
    case "city":
      return sql`coalesce(c.city, '')`;
    case "device":
      return sql`coalesce(c.device, '')`;
    case "os":
      return sql`coalesce(c.os, '')`;
    case "browser":
      return sql`coalesce(c.browser, '')`;
    case "referrer":
      return sql`coalesce(c.referrer, '')`;
    case "language":
      return sql`coalesce(c.language, '')`;
  }
}

const unionAll = (parts: SQL[]) => sql.join(parts.map((part) => sql`(${part})`), sql` union all `);

/**
 * Click counts of the planned sources as rows `(ts, value, is_bot, clicks)`: `ts` is the rollup
 * bucket or the click's time, `value` the dimension's value ("" when unknown). Bots only with
 * `includeBots`. Summed by value (and time), the rows give each value's count.
 *
 * The rollups have no rows for unknown values (src/server/clicks/rollups.ts), so for a dimension
 * they also yield each bucket's total as value "" and every known row's count again, negated, as
 * value "": summed, "" is the total minus the known values. A row stored with value "" (before the
 * rollups were sparse) cancels itself out the same way. `unknown: false` leaves the unknown value
 * out (its rows may then be missing) and reads the dimension's rows only.
 */
export function clickRows(
  plan: SourcePlan,
  scope: AnalyticsScope,
  dimension: ClickDimension | typeof TOTAL_DIMENSION,
  includeBots: boolean,
  { unknown = true }: { unknown?: boolean } = {},
): SQL {
  const bots = includeBots ? sql`` : sql` and not r.is_bot`;
  const wide = isWorkspaceWide(scope);
  const rollup = (table: SQL | typeof clickRollupHour, ranges: TimeRange[]) => {
    const where = sql`${inRanges(sql.raw("r.bucket"), ranges)} and ${scopeCondition("r", scope)}${bots}`;
    if (dimension === TOTAL_DIMENSION || !unknown) return sql`select r.bucket as ts, r.value, r.is_bot, r.clicks from ${table} r where r.dimension = ${dimension} and ${where}`;
    return sql`select r.bucket as ts, v.value, r.is_bot, v.clicks from ${table} r
      cross join lateral (select case when r.dimension = ${TOTAL_DIMENSION} then '' else r.value end as value, r.clicks
                          union all select '', -r.clicks where r.dimension <> ${TOTAL_DIMENSION}) v
      where r.dimension in (${dimension}, ${TOTAL_DIMENSION}) and ${where}`;
  };
  const parts: SQL[] = [];
  if (plan.days.length > 0) parts.push(rollup(wide ? sql`${clickWorkspaceRollupDay}` : sql`${clickRollupDay}`, plan.days));
  if (plan.hours.length > 0) parts.push(rollup(wide ? sql`${clickWorkspaceRollupHour}` : sql`${clickRollupHour}`, plan.hours));
  if (plan.raw.length > 0) {
    parts.push(
      rawSelect(
        sql`c.clicked_at as ts, ${rawValue(dimension)} as value, c.is_bot, 1::bigint as clicks`,
        sql`${scopeCondition("c", scope)} and ${rolledUp(includeBots)}`,
        plan.raw,
      ),
    );
  }
  if (parts.length === 0) throw new Error("clickRows: the plan covers nothing");
  return unionAll(parts);
}

/**
 * Visitors of the planned sources as rows `(ts, visitor_id, variant_index)` (-1 without a
 * variant), from the hourly visitor table and raw clicks. The plan must have no days.
 */
export function visitorRows(plan: SourcePlan, scope: AnalyticsScope, includeBots: boolean): SQL {
  if (plan.days.length > 0) throw new Error("visitorRows: there is no daily visitor table");
  const parts: SQL[] = [];
  if (plan.hours.length > 0) {
    parts.push(
      sql`select v.bucket as ts, v.visitor_id, v.variant_index::int as variant_index from ${clickVisitorHour} v where ${inRanges(sql.raw("v.bucket"), plan.hours)} and ${scopeCondition("v", scope)}${includeBots ? sql`` : sql` and not v.is_bot`}`,
    );
  }
  if (plan.raw.length > 0) {
    parts.push(
      rawSelect(
        sql`c.clicked_at as ts, c.visitor_id, coalesce(c.variant_index, -1)::int as variant_index`,
        sql`c.visitor_id is not null and ${scopeCondition("c", scope)} and ${rolledUp(includeBots)}`,
        plan.raw,
      ),
    );
  }
  if (parts.length === 0) throw new Error("visitorRows: the plan covers nothing");
  return unionAll(parts);
}

/** Whether a query covers exactly one link (no tag or domain filter besides). */
export function isSingleLink(scope: AnalyticsScope): scope is AnalyticsScope & { linkId: string } {
  return scope.linkId !== undefined && scope.tagId === undefined && scope.domain === undefined;
}

/**
 * Where the unique visitors of `scope` per bucket (`boundaries` are the bucket edges) come from:
 * whole workspaces have daily counts and span counts, kept by the click store; single links have
 * span counts for the days the compaction has closed and no late click has made stale
 * (`linkCounted`); both are planned by planUniqueSources. A tag's or a domain's links share
 * visitors, so those only have their links' hourly visitor rows (and raw clicks where a bucket edge
 * cuts an hour).
 */
export function planUniques(boundaries: readonly number[], scope: AnalyticsScope, linkCounted: (day: number) => boolean): UniquesPlan {
  if (isWorkspaceWide(scope)) return planUniqueSources(boundaries);
  if (isSingleLink(scope)) return planUniqueSources(boundaries, linkCounted);
  return { ...planSources(boundaries, { useDays: false }), spans: [] };
}

/**
 * The count rows behind a plan's days and spans, as `(day, variant, [first_hour, last_hour,]
 * visitors)`: a workspace's daily counts (one row a day, no hours: whole days only) and span
 * counts, or a link's span counts, which answer both (a day's uniques are the sum of its rows).
 * `variant` is -1 for everyone; per A/B variant (`perVariant`) only for a single link.
 */
function countRows(scope: AnalyticsScope, includeBots: boolean, part: "days" | "spans", perVariant: boolean): SQL {
  if (isSingleLink(scope)) {
    return sql`select s.day, s.variant, s.first_hour, s.last_hour, s.visitors from ${clickLinkUniquesSpan} s
               where s.link_id = ${scope.linkId} and s.with_bots = ${includeBots} and ${perVariant ? sql`s.variant >= 0` : sql`s.variant = -1`}`;
  }
  if (!isWorkspaceWide(scope) || perVariant) throw new Error("countRows: counts exist for whole workspaces and single links only");
  return part === "days"
    ? sql`select u.day, -1 as variant, u.visitors from ${clickUniquesDay} u where u.workspace_id = ${scope.workspaceId} and u.with_bots = ${includeBots}`
    : sql`select s.day, -1 as variant, s.first_hour, s.last_hour, s.visitors from ${clickUniquesSpan} s where s.workspace_id = ${scope.workspaceId} and s.with_bots = ${includeBots}`;
}

/**
 * Unique visitors as rows `(i, uniques)`, where `i` is a row's bucket, `bucketOf(ts)` (`1` for one
 * total), or with `"variant"` its A/B variant (a single link's; visitors sent to no variant are left
 * out). Uniques are distinct visitor-days: a visitor id is only ever seen on one UTC day (its salt
 * rotates at 00:00 UTC), so distinct ids and distinct (UTC day, id) pairs are the same count, and a
 * bucket's uniques are the sum over its UTC days of the visitors of its part of each day. Whole days
 * and a day's start or end cut at a whole hour come from the counts (see planUniques), the other
 * parts from the distinct visitor-days of their visitor rows, which are on other days.
 */
export function uniqueCounts(plan: UniquesPlan, scope: AnalyticsScope, includeBots: boolean, key: ((ts: SQL) => SQL) | "variant"): SQL {
  const perVariant = key === "variant";
  const keyOf = (ts: SQL, variant: SQL) => (key === "variant" ? variant : key(ts));
  const parts: SQL[] = [];
  if (plan.days.length > 0) {
    const day = sql.raw("u.day");
    parts.push(sql`select ${keyOf(day, sql.raw("u.variant"))} as i, u.visitors as n from (${countRows(scope, includeBots, "days", perVariant)}) u where ${inRanges(day, plan.days)}`);
  }
  if (plan.spans.length > 0) {
    // A visitor of a day's first h hours clicked first before hour h; of its end from hour h, last at h or later.
    parts.push(
      sql`select ${keyOf(sql.raw("e.at"), sql.raw("s.variant"))} as i, s.visitors as n
          from unnest(${timestamps(plan.spans.map((span) => span.at))}, ${timestamps(plan.spans.map((span) => span.day))},
                      ${sql.param(plan.spans.map((span) => span.hour))}::smallint[], ${sql.param(plan.spans.map((span) => span.beforeHour))}::boolean[]) as e(at, day, hour, before_hour)
          join (${countRows(scope, includeBots, "spans", perVariant)}) s on s.day = e.day
          where case when e.before_hour then s.first_hour < e.hour else s.last_hour >= e.hour end`,
    );
  }
  if (plan.hours.length > 0 || plan.raw.length > 0) {
    const rows = visitorRows({ days: [], hours: plan.hours, raw: plan.raw }, scope, includeBots);
    const ts = sql.raw("s.ts");
    parts.push(
      sql`select d.i, count(*) as n from (select distinct ${keyOf(ts, sql.raw("s.variant_index"))} as i, (s.ts at time zone 'UTC')::date as day, s.visitor_id from (${rows}) s${perVariant ? sql` where s.variant_index >= 0` : sql``}) d group by d.i`,
    );
  }
  if (parts.length === 0) throw new Error("uniqueCounts: the plan covers nothing");
  return sql`select x.i, sum(x.n) as uniques from (${unionAll(parts)}) x group by x.i`;
}
