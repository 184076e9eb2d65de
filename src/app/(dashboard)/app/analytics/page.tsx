import type { Metadata } from "next";
import Form from "next/form";
import Link from "next/link";
import { pageSession } from "@/app/(account)/settings/_session";
import { TimeChart } from "@/app/_components/time-chart";
import type { ReactNode } from "react";
import { analyticsQuerySchema, type ClickDimension } from "@/core/analytics";
import { resolvePageRange } from "@/core/analytics-range";
import { timeZoneNames, wallClock } from "@/core/zoned-time";
import { ApiError } from "@/server/api/errors";
import { analyticsContext } from "@/server/analytics/context";
import { analyticsTimeseries, analyticsTop, analyticsTotals, analyticsVariants, findLink } from "@/server/analytics/queries";
import { getLink } from "@/server/links/service";
import { sessionPrincipal } from "@/server/links/dashboard";
import { RangeFields } from "./_range-fields";
import "./analytics.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Analytics" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

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
  const now = requestTime();
  const pageRange = resolvePageRange({ range: first(params.range), start: first(params.start), end: first(params.end), tz: first(params.tz) }, now);
  const { range: rangeKey, zone: zoneParam, window: queryWindow } = pageRange;
  const linkId = first(params.link) || undefined;
  const includeBots = first(params.bots) === "1";
  /** The page's own state in the URL, for links that keep it (sign-in return, whole workspace). */
  const rangeParams = { range: rangeKey, ...(rangeKey === "custom" ? { start: pageRange.startDay, end: pageRange.endDay } : {}), tz: zoneParam, ...(includeBots ? { bots: "1" } : {}) };
  const here = `/app/analytics?${new URLSearchParams({ ...(linkId ? { link: linkId } : {}), ...rangeParams })}`;
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

  const parsed = queryWindow
    ? analyticsQuerySchema.safeParse({
        start: queryWindow.start,
        end: queryWindow.end,
        timezone: zoneParam,
        interval: queryWindow.interval,
        includeBots: includeBots ? "true" : "false",
        ...(linkId ? { linkId } : {}),
      })
    : null;

  let content: ReactNode;
  if (pageRange.errors.tz) {
    content = <p className="notice">Time zone {pageRange.errors.tz}.</p>;
  } else if (!parsed) {
    content = <p className="notice">Choose a valid range above to see the figures.</p>;
  } else if (!parsed.success) {
    content = <p className="notice">{parsed.error.issues[0]?.message ?? "This range cannot be shown."}</p>;
  } else {
    const interval = parsed.data.interval;
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
            <Link href={`/app/analytics?${new URLSearchParams(rangeParams)}`}>Whole workspace</Link>
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
          title={`${interval === "hour" ? "Clicks per hour" : "Clicks per day"} (${zoneParam})`}
          kind="line"
          unit={interval === "hour" ? "clicks/hour" : "clicks/day"}
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
            <div className="an-scroll" role="region" aria-label="A/B test results" tabIndex={0}>
              <table className="an-table an-variants">
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
            </div>
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
        <RangeFields
          // A new URL state (after Apply, or the move to the browser's zone) starts the fields afresh.
          key={`${rangeKey} ${pageRange.startDay} ${pageRange.endDay} ${zoneParam}`}
          range={rangeKey}
          startDay={pageRange.startDay}
          endDay={pageRange.endDay}
          today={wallClock(pageRange.errors.tz ? "UTC" : zoneParam, now).date}
          zone={zoneParam}
          zoneGiven={first(params.tz) !== ""}
          zones={timeZoneNames()}
          errors={pageRange.errors}
        />
        <label className="an-check">
          <input type="checkbox" name="bots" value="1" defaultChecked={includeBots} /> Include bots
        </label>
        <button type="submit">Apply</button>
      </Form>
      {content}
    </>
  );
}

/** "Now" for this render: a server render runs once per request, so ranges end at the request's time. */
function requestTime(): number {
  return Date.now();
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
