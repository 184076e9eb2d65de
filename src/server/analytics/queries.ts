import "server-only";
import { and, eq, sql } from "drizzle-orm";
import {
  formatInZone,
  resolveAnalyticsWindow,
  TOTAL_DIMENSION,
  UNKNOWN_VALUE,
  type AnalyticsQuery,
  type AnalyticsTimeseries,
  type AnalyticsTop,
  type AnalyticsTotals,
  type AnalyticsVariants,
  type AnalyticsWindow,
  type TopQuery,
  type VariantsQuery,
} from "@/core/analytics";
import type { Variant } from "@/core/link";
import { ApiError } from "@/server/api/errors";
import type { Db } from "@/server/db/client";
import { dailyRollupsComplete, staleLinkUniqueDays } from "@/server/clicks/daily-rollups";
import { link, tag } from "@/server/db/schema";
import { planSources } from "./plan";
import { clickRows, isSingleLink, isWorkspaceWide, planUniques, queryRows, timestamps, toCount, uniqueCounts, type AnalyticsScope } from "./sql";

/**
 * The analytics queries behind /api/v1/analytics/*. Every function answers for one workspace; the
 * caller (the route, through the principal) decides which. Counts follow ingest's rollup rules
 * (src/server/clicks/ingest.ts): a click is a person who reached a destination (reason destination,
 * rule, variant, or none), bots are counted apart, and uniques are distinct daily-rotating visitor
 * ids. See docs/analytics.md.
 */
export interface AnalyticsContext {
  db: Db;
  workspaceId: string;
  /** The clock for default ranges (ms since the epoch); tests pin it. */
  now?: number;
}

/** The query's bucketed range, or a 422 naming the parameter at fault. */
export function analyticsWindow(query: Pick<AnalyticsQuery, "start" | "end" | "timezone" | "interval">, now: number): AnalyticsWindow {
  const resolved = resolveAnalyticsWindow(query, now);
  if (!resolved.ok) throw new ApiError("validation_failed", resolved.message, resolved.field);
  return resolved.value;
}

/** The link of this workspace with id `linkId`, or 404 (another workspace's link is no different). */
export async function findLink(ctx: AnalyticsContext, linkId: string): Promise<{ id: string; variants: Variant[] }> {
  const [row] = await ctx.db
    .select({ id: link.id, variants: link.variants })
    .from(link)
    .where(and(eq(link.id, linkId), eq(link.workspaceId, ctx.workspaceId)))
    .limit(1);
  if (!row) throw new ApiError("not_found", `No link with id '${linkId}'`, "linkId");
  return row;
}

/** The query's scope with its link and tag checked against the workspace (404 otherwise). */
export async function resolveScope(ctx: AnalyticsContext, filters: { linkId?: string; tagId?: string; domain?: string }): Promise<AnalyticsScope> {
  if (filters.linkId !== undefined) await findLink(ctx, filters.linkId);
  if (filters.tagId !== undefined) {
    const [row] = await ctx.db
      .select({ id: tag.id })
      .from(tag)
      .where(and(eq(tag.id, filters.tagId), eq(tag.workspaceId, ctx.workspaceId)))
      .limit(1);
    if (!row) throw new ApiError("not_found", `No tag with id '${filters.tagId}'`, "tagId");
  }
  return { workspaceId: ctx.workspaceId, linkId: filters.linkId, tagId: filters.tagId, domain: filters.domain };
}

const DAY_MS = 86_400_000;

function windowFields(window: AnalyticsWindow) {
  return {
    start: formatInZone(window.timezone, window.start),
    end: formatInZone(window.timezone, window.end),
    timezone: window.timezone,
    interval: window.interval,
  };
}

/**
 * Where daily rollups may answer clicks: workspace-wide ones always (the click store keeps them),
 * per-link ones only before the compaction mark.
 */
async function clickDays(ctx: AnalyticsContext, scope: AnalyticsScope): Promise<{ useDays: true; daysBefore?: number }> {
  return isWorkspaceWide(scope) ? { useDays: true } : { useDays: true, daysBefore: await dailyRollupsComplete(ctx.db) };
}

/**
 * Which UTC days (by their midnight) a single link's unique counts answer: those the compaction has
 * closed (before its mark, as for the daily rollups), except the ones late clicks made stale since.
 * Other scopes do not read them.
 */
async function linkCountedDays(ctx: AnalyticsContext, scope: AnalyticsScope, days: { daysBefore?: number }): Promise<(day: number) => boolean> {
  if (!isSingleLink(scope) || days.daysBefore === undefined) return () => false;
  const before = days.daysBefore;
  const stale = new Set(await staleLinkUniqueDays(ctx.db, scope.linkId));
  return (day) => day + DAY_MS <= before && !stale.has(day);
}

/** Distinct visitors of `scope` over the whole window. */
async function uniquesOver(ctx: AnalyticsContext, window: AnalyticsWindow, scope: AnalyticsScope, days: { daysBefore?: number }, includeBots: boolean): Promise<number> {
  const plan = planUniques([window.start, window.end], scope, await linkCountedDays(ctx, scope, days));
  const [row] = await queryRows<{ uniques: unknown }>(ctx.db, uniqueCounts(plan, scope, includeBots, () => sql`1`));
  return toCount(row?.uniques);
}

/** GET /api/v1/analytics: clicks, uniques and bots over the range. */
export async function analyticsTotals(ctx: AnalyticsContext, query: AnalyticsQuery): Promise<AnalyticsTotals> {
  const window = analyticsWindow(query, ctx.now ?? Date.now());
  const scope = await resolveScope(ctx, query);
  const days = await clickDays(ctx, scope);
  const plan = planSources([window.start, window.end], days);
  const [byBot, uniques] = await Promise.all([
    queryRows<{ is_bot: boolean; clicks: unknown }>(
      ctx.db,
      sql`select s.is_bot, sum(s.clicks) as clicks from (${clickRows(plan, scope, TOTAL_DIMENSION, true)}) s group by s.is_bot`,
    ),
    uniquesOver(ctx, window, scope, days, query.includeBots),
  ]);
  const humans = toCount(byBot.find((row) => !row.is_bot)?.clicks);
  const bots = toCount(byBot.find((row) => row.is_bot)?.clicks);
  return { ...windowFields(window), clicks: query.includeBots ? humans + bots : humans, uniques, bots };
}

/** GET /api/v1/analytics/timeseries: every bucket of the range, zero-filled. */
export async function analyticsTimeseries(ctx: AnalyticsContext, query: AnalyticsQuery): Promise<AnalyticsTimeseries> {
  const window = analyticsWindow(query, ctx.now ?? Date.now());
  const scope = await resolveScope(ctx, query);
  const { boundaries } = window;
  // width_bucket(ts, edges) is the 1-based bucket whose edges hold ts; every source row lies in one.
  const edges = timestamps(boundaries);
  const days = await clickDays(ctx, scope);
  const linkCounted = await linkCountedDays(ctx, scope, days);
  const [clicks, uniques] = await Promise.all([
    queryRows<{ i: number; clicks: unknown }>(
      ctx.db,
      sql`select width_bucket(s.ts, ${edges}) as i, sum(s.clicks) as clicks from (${clickRows(planSources(boundaries, days), scope, TOTAL_DIMENSION, query.includeBots)}) s group by 1`,
    ),
    queryRows<{ i: number; uniques: unknown }>(
      ctx.db,
      uniqueCounts(planUniques(boundaries, scope, linkCounted), scope, query.includeBots, (ts) => sql`width_bucket(${ts}, ${edges})`),
    ),
  ]);
  const clicksAt = new Map(clicks.map((row) => [Number(row.i), toCount(row.clicks)]));
  const uniquesAt = new Map(uniques.map((row) => [Number(row.i), toCount(row.uniques)]));
  const points = boundaries.slice(0, -1).map((start, index) => ({
    start: formatInZone(window.timezone, start),
    clicks: clicksAt.get(index + 1) ?? 0,
    uniques: uniquesAt.get(index + 1) ?? 0,
  }));
  return { ...windowFields(window), points };
}

/** GET /api/v1/analytics/top: the most clicked values of a dimension. */
export async function analyticsTop(ctx: AnalyticsContext, query: TopQuery): Promise<AnalyticsTop> {
  const window = analyticsWindow(query, ctx.now ?? Date.now());
  const scope = await resolveScope(ctx, query);
  const plan = planSources([window.start, window.end], await clickDays(ctx, scope));
  // The window sum runs before LIMIT: the share's denominator is every click, not just the top N.
  // Ties go by value in byte order (collation "C"), the same on every server.
  const rows = await queryRows<{ value: string; clicks: unknown; total: unknown }>(
    ctx.db,
    sql`select s.value, sum(s.clicks) as clicks, sum(sum(s.clicks)) over () as total
        from (${clickRows(plan, scope, query.dimension, query.includeBots)}) s
        group by s.value
        having sum(s.clicks) > 0
        order by clicks desc, s.value collate "C"
        limit ${query.limit}`,
  );
  const total = toCount(rows[0]?.total);
  return {
    ...windowFields(window),
    dimension: query.dimension,
    clicks: total,
    rows: rows.map((row) => {
      const clicks = toCount(row.clicks);
      return { value: row.value === UNKNOWN_VALUE ? null : row.value, clicks, share: total > 0 ? clicks / total : 0 };
    }),
  };
}

/** GET /api/v1/analytics/variants: one link's A/B results, per variant. */
export async function analyticsVariants(ctx: AnalyticsContext, query: VariantsQuery): Promise<AnalyticsVariants> {
  const window = analyticsWindow(query, ctx.now ?? Date.now());
  const found = await findLink(ctx, query.linkId);
  const scope: AnalyticsScope = { workspaceId: ctx.workspaceId, linkId: found.id };
  const days = await clickDays(ctx, scope);
  const linkCounted = await linkCountedDays(ctx, scope, days);
  const [clickCounts, visitorCounts] = await Promise.all([
    queryRows<{ value: string; clicks: unknown }>(
      ctx.db,
      sql`select s.value, sum(s.clicks) as clicks from (${clickRows(planSources([window.start, window.end], days), scope, "variant", query.includeBots, { unknown: false })}) s where s.value <> '' group by s.value`,
    ),
    queryRows<{ i: number; uniques: unknown }>(ctx.db, uniqueCounts(planUniques([window.start, window.end], scope, linkCounted), scope, query.includeBots, "variant")),
  ]);
  const clicksOf = new Map(clickCounts.map((row) => [Number(row.value), toCount(row.clicks)]));
  const uniquesOf = new Map(visitorCounts.map((row) => [Number(row.i), toCount(row.uniques)]));
  const total = [...clicksOf.values()].reduce((sum, n) => sum + n, 0);
  // The link's variants as configured now, then indexes it no longer has (variants were removed)
  // that still have clicks in the range.
  const indexes = [...found.variants.keys()];
  for (const index of [...clicksOf.keys(), ...uniquesOf.keys()].sort((a, b) => a - b)) {
    if (!indexes.includes(index)) indexes.push(index);
  }
  return {
    ...windowFields(window),
    linkId: found.id,
    clicks: total,
    variants: indexes.map((index) => {
      const clicks = clicksOf.get(index) ?? 0;
      const variant = found.variants[index];
      return {
        index,
        url: variant?.url ?? null,
        weight: variant?.weight ?? null,
        clicks,
        share: total > 0 ? clicks / total : 0,
        uniques: uniquesOf.get(index) ?? 0,
      };
    }),
  };
}
