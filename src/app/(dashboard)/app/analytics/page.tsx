import type { Metadata } from "next";
import Form from "next/form";
import Link from "next/link";
import { pageSession } from "@/app/(account)/settings/_session";
import { TimeChart } from "@/app/_components/time-chart";
import type { ReactNode } from "react";
import { analyticsQuerySchema, type ClickDimension } from "@/core/analytics";
import { ApiError } from "@/server/api/errors";
import { analyticsContext } from "@/server/analytics/context";
import { analyticsTimeseries, analyticsTop, analyticsTotals, analyticsVariants, findLink } from "@/server/analytics/queries";
import { getLink } from "@/server/links/service";
import { sessionPrincipal } from "@/server/links/dashboard";
import "./analytics.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Analytics" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** Ranges offered: the last N days (hourly buckets for the last day), ending now. */
const RANGES = { "24h": { days: 1, label: "Last 24 hours", interval: "hour" }, "7d": { days: 7, label: "Last 7 days", interval: "day" }, "30d": { days: 30, label: "Last 30 days", interval: "day" }, "90d": { days: 90, label: "Last 90 days", interval: "day" } } as const;
type RangeKey = keyof typeof RANGES;
const ZONES = ["UTC", "America/New_York", "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo", "Europe/London", "Europe/Berlin", "Africa/Lagos", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney"];
const BREAKDOWNS: { dimension: ClickDimension; label: string; one: string }[] = [
  { dimension: "country", label: "Countries", one: "Country" },
  { dimension: "device", label: "Devices", one: "Device" },
  { dimension: "browser", label: "Browsers", one: "Browser" },
  { dimension: "os", label: "Operating systems", one: "Operating system" },
  { dimension: "referrer", label: "Referrers", one: "Referrer" },
  { dimension: "language", label: "Languages", one: "Language" },
];
const NUMBER = new Intl.NumberFormat("en");
const PERCENT = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 });
const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? "";

/**
 * Click analytics for the workspace, or for one link (`?link=`): totals, a time series, breakdowns
 * by every dimension, A/B results, CSV export. State lives in the URL (a GET form: works without
 * JavaScript, shareable). The figures come from the same functions as /api/v1/analytics.
 */
export default async function AnalyticsPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const rangeKey: RangeKey = Object.hasOwn(RANGES, first(params.range)) ? (first(params.range) as RangeKey) : "30d";
  const range = RANGES[rangeKey];
  const linkId = first(params.link) || undefined;
  const includeBots = first(params.bots) === "1";
  const zoneParam = first(params.tz) || "UTC";
  const here = `/app/analytics?${new URLSearchParams({ ...(linkId ? { link: linkId } : {}), range: rangeKey, tz: zoneParam, ...(includeBots ? { bots: "1" } : {}) })}`;
  const { session } = await pageSession(here);
  if (!session.workspace) {
    return (
      <>
        <h1>Analytics</h1>
        <p className="notice">
          You do not belong to a workspace yet. <Link href="/settings/account">Create one</Link> or accept an invitation.
        </p>
      </>
    );
  }
  const principal = sessionPrincipal({ ...session, workspace: session.workspace });

  const parsed = analyticsQuerySchema.safeParse({
    ...lastDays(range.days),
    timezone: zoneParam,
    interval: range.interval,
    includeBots: includeBots ? "true" : "false",
    ...(linkId ? { linkId } : {}),
  });
  const zoneError = parsed.success ? null : (parsed.error.issues.find((issue) => issue.path[0] === "timezone")?.message ?? parsed.error.issues[0]?.message ?? "invalid");

  let content: ReactNode;
  if (!parsed.success) {
    content = <p className="notice">Time zone {zoneError}.</p>;
  } else {
    const query = parsed.data;
    const ctx = await analyticsContext(principal);
    let link: Awaited<ReturnType<typeof getLink>> | null = null;
    try {
      if (linkId) {
        await findLink(ctx, linkId);
        link = await getLink(principal, linkId);
      }
    } catch (error) {
      if (!(error instanceof ApiError && error.code === "not_found")) throw error;
      return (
        <>
          <h1>Analytics</h1>
          <p className="notice">
            There is no link with that id in {session.workspace.name}. <Link href="/app/analytics">See the whole workspace</Link>.
          </p>
        </>
      );
    }
    const dimensions = link ? [...BREAKDOWNS, ...(link.rules.length > 0 ? [{ dimension: "rule" as const, label: "Routing rules", one: "Rule" }] : [])] : BREAKDOWNS;
    const [totals, series, tops, variants] = await Promise.all([
      analyticsTotals(ctx, query),
      analyticsTimeseries(ctx, query),
      Promise.all(dimensions.map(({ dimension }) => analyticsTop(ctx, { ...query, dimension, limit: 10 }))),
      link && link.variants.length > 0 ? analyticsVariants(ctx, { ...query, linkId: link.id }) : Promise.resolve(null),
    ]);
    const points = series.points.map((point) => ({ at: Date.parse(point.start), clicks: point.clicks, uniques: point.uniques }));
    const exportHref = `/api/v1/analytics/export?${new URLSearchParams({ start: query.start!, end: query.end!, includeBots: String(includeBots), ...(link ? { linkId: link.id } : {}) })}`;
    content = (
      <>
        {link ? (
          <p className="an-link">
            <code>{link.shortLink.replace(/^https?:\/\//, "")}</code> → <span title={link.url}>{link.url}</span> · <Link href={`/app/links/${link.id}`}>Edit link</Link> ·{" "}
            <Link href={`/app/analytics?${new URLSearchParams({ range: rangeKey, tz: zoneParam, ...(includeBots ? { bots: "1" } : {}) })}`}>Whole workspace</Link>
          </p>
        ) : null}
        <dl className="an-totals">
          <div>
            <dt>{includeBots ? "Clicks (bots included)" : "Clicks"}</dt>
            <dd>{NUMBER.format(totals.clicks)}</dd>
          </div>
          <div>
            <dt>Unique visitors</dt>
            <dd>{NUMBER.format(totals.uniques)}</dd>
          </div>
          <div>
            <dt>Bot visits</dt>
            <dd>{NUMBER.format(totals.bots)}</dd>
          </div>
        </dl>
        <div className="an-chart">
        <TimeChart
          id="an-series"
          title={`${range.interval === "hour" ? "Clicks per hour" : "Clicks per day"} (${zoneParam})`}
          kind="line"
          unit={range.interval === "hour" ? "clicks/hour" : "clicks/day"}
          integer
          format={(v) => NUMBER.format(v)}
          start={points[0]?.at}
          end={points.at(-1)?.at}
          timeLabel={`Time (${zoneParam === "UTC" ? "UTC" : "UTC axis; buckets follow " + zoneParam})`}
          series={[
            { label: "clicks", points: points.map((p) => ({ at: p.at, value: p.clicks })) },
            { label: "unique visitors", points: points.map((p) => ({ at: p.at, value: p.uniques })) },
          ]}
          empty="No clicks in this range yet"
          note="Unique visitors follow a daily-rotating id: someone who comes back on another day counts again."
        />
        </div>
        {variants ? (
          <section aria-labelledby="an-variants">
            <h2 id="an-variants">A/B test</h2>
            <table className="an-table">
              <thead>
                <tr>
                  <th scope="col">Variant</th>
                  <th scope="col">Weight</th>
                  <th scope="col">Clicks</th>
                  <th scope="col">Share</th>
                  <th scope="col">Unique visitors</th>
                </tr>
              </thead>
              <tbody>
                {variants.variants.map((v) => (
                  <tr key={v.index}>
                    <td>
                      {String.fromCharCode(65 + v.index)} <span className="an-url">{v.url ?? "(removed)"}</span>
                    </td>
                    <td>{v.weight === null ? "—" : `${v.weight} %`}</td>
                    <td>{NUMBER.format(v.clicks)}</td>
                    <td>{PERCENT.format(v.share)}</td>
                    <td>{NUMBER.format(v.uniques)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ) : null}
        <div className="an-grid">
          {tops.map((top, index) => (
            <section key={top.dimension} aria-labelledby={`an-top-${top.dimension}`} className="an-card">
              <h2 id={`an-top-${top.dimension}`}>{dimensions[index]!.label}</h2>
              {top.rows.length === 0 ? (
                <p className="an-none">No clicks yet.</p>
              ) : (
                <table className="an-table an-top">
                  <thead>
                    <tr>
                      <th scope="col">{dimensions[index]!.one}</th>
                      <th scope="col">Clicks</th>
                    </tr>
                  </thead>
                  <tbody>
                    {top.rows.map((row) => (
                      <tr key={row.value ?? ""}>
                        <td>
                          <span className="an-bar" style={{ width: `${Math.max(2, row.share * 100)}%` }} aria-hidden />
                          <span className="an-value">{valueLabel(top.dimension, row.value, link?.rules.map((r) => r.name ?? null))}</span>
                        </td>
                        <td>
                          {NUMBER.format(row.clicks)} <span className="an-share">{PERCENT.format(row.share)}</span>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
          ))}
        </div>
        <p>
          <a href={exportHref} className="button secondary" download>
            Download clicks (CSV)
          </a>
        </p>
      </>
    );
  }

  return (
    <>
      <div className="page-head">
        <h1>Analytics</h1>
      </div>
      <Form action="/app/analytics" className="filters an-filters" aria-label="Analytics range">
        {linkId ? <input type="hidden" name="link" value={linkId} /> : null}
        <label>
          <span>Range</span>
          <select name="range" defaultValue={rangeKey}>
            {Object.entries(RANGES).map(([key, r]) => (
              <option key={key} value={key}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Time zone</span>
          <input name="tz" defaultValue={zoneParam} list="an-zones" aria-invalid={zoneError ? true : undefined} autoComplete="off" />
          <datalist id="an-zones">
            {ZONES.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
        </label>
        <label className="an-check">
          <input type="checkbox" name="bots" value="1" defaultChecked={includeBots} /> Include bots
        </label>
        <button type="submit">Apply</button>
      </Form>
      {content}
    </>
  );
}

/** `[now − days, now)` as the API's start and end (a server render: "now" is this request's time). */
function lastDays(days: number): { start: string; end: string } {
  const end = Date.now();
  return { start: new Date(end - days * 86_400_000).toISOString(), end: new Date(end).toISOString() };
}

/** How a breakdown value reads: unknown values, and rules by their name. */
function valueLabel(dimension: ClickDimension, value: string | null, ruleNames?: (string | null)[]): string {
  if (value === null) return dimension === "rule" ? "No rule matched" : "Unknown";
  if (dimension === "rule") {
    const index = Number(value);
    return ruleNames?.[index] ? `${index + 1}. ${ruleNames[index]}` : `Rule ${index + 1}`;
  }
  return value;
}
