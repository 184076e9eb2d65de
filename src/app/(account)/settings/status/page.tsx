import type { Metadata } from "next";
import { TimeChart, type ChartSeries } from "@/app/_components/time-chart";
import { serverConfig } from "@/config/env";
import { clickStreamKeys } from "@/server/clicks/stream";
import { getDatabase } from "@/server/db/client";
import { readiness } from "@/server/observability/health";
import { metricsRegistry } from "@/server/observability/metrics";
import { observabilityRedis } from "@/server/observability/redis";
import { statusHistory, takeSample } from "@/server/observability/status";
import {
  counterRates,
  counterTotals,
  gaugeSeries,
  hasSeries,
  histogramQuantileOverall,
  histogramQuantileSeries,
  ratioSeries,
  type Sample,
} from "@/server/observability/status-figures";
import { clicksPerHour, statusAccess } from "@/server/observability/status-page";
import { pageSession } from "../_session";
import { SettingsNav } from "../_nav";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Status" };

const PATH = "/settings/status";
const HTTP = "signpost_http_request_duration_seconds";
const TOP_ROUTES = 5;
const HOURS = 48;
/** The click stream's backlog figures (clickStreamStats names dead letters `deadLetters`). */
const STREAM_FIGURES = new Set(["lag", "pending", "deadLetters", "dead"]);

/** 0, 0.05, 1.5, 12, 340: two significant decimals for small figures, fewer for large ones. */
function num(value: number): string {
  if (value === 0) return "0";
  const abs = Math.abs(value);
  const text = abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : abs >= 0.1 ? value.toFixed(2) : value.toPrecision(2);
  return text.includes(".") && !text.includes("e") ? text.replace(/\.?0+$/, "") : text;
}
const ms = (seconds: number) => `${num(seconds * 1000)}`;
const percent = (ratio: number) => `${num(ratio * 100)}%`;
const whole = (n: number) => Math.round(n).toLocaleString("en");

function Refused({ session, reason }: { session: Parameters<typeof SettingsNav>[0]["session"]; reason: string }) {
  return (
    <>
      <h1>Status</h1>
      <SettingsNav session={session} current={PATH} />
      <p className="form-error" role="alert">
        {reason}
      </p>
    </>
  );
}

export default async function StatusPage() {
  const { session } = await pageSession(PATH);
  const database = await getDatabase();
  const access = await statusAccess(session, database);
  if (!access.allowed) return <Refused session={session} reason={access.reason} />;

  const config = serverConfig();
  const redis = observabilityRedis();
  const registry = metricsRegistry({ database: getDatabase, redis, keys: clickStreamKeys(config.redisKeyPrefix) });
  const [ready, live, hourly] = await Promise.all([
    readiness(Promise.resolve(database), redis),
    takeSample(registry).catch(() => null),
    clicksPerHour(database, HOURS),
  ]);
  const history = statusHistory();
  // The sampled history plus a reading taken now, so the newest interval ends at this render;
  // not when the last sample is only moments old (a rate over a second or two is mostly noise),
  // unless the history is too short for any rate yet.
  const last = history.samples.at(-1);
  const useLive = live && (history.samples.length < 2 || !last || !history.intervalMs || live.at - last.at >= history.intervalMs / 3);
  const samples: Sample[] = useLive ? [...history.samples, live] : history.samples;
  // Totals (the routes table) always run to now: a count, unlike a rate, is not noisy over a
  // short last interval, and leaving the reading out would drop the latest requests.
  const upToNow: Sample[] = live && !useLive ? [...history.samples, live] : samples;
  const start = samples[0]?.at;
  const end = samples.at(-1)?.at;
  const range = { start, end };
  const intervalSeconds = history.intervalMs ? history.intervalMs / 1000 : null;

  // Routes ranked by requests over the whole history; the charts show the busiest few.
  const requests = counterTotals(upToNow, `${HTTP}_count`, "route");
  const routes = [...requests].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const top = new Set(routes.slice(0, TOP_ROUTES).map(([route]) => route));
  const onlyTop = (series: ChartSeries[]) => series.filter((s) => top.has(s.label));
  const routeNote = routes.length > TOP_ROUTES ? `The ${TOP_ROUTES} busiest of ${routes.length} routes; the table below has them all.` : undefined;
  const tableEnd = upToNow.at(-1)?.at;
  const spanSeconds = start !== undefined && tableEnd !== undefined ? (tableEnd - start) / 1000 : 0;
  const p95ByRoute = histogramQuantileOverall(upToNow, HTTP, "route", 0.95);

  const absent = (name: string) => (hasSeries(samples, name) ? "No traffic yet" : "No data yet: this metric is not reported");
  const jobStates = gaugeSeries(samples, "signpost_jobs", "state").filter((s) => s.label !== "completed");
  const completed = gaugeSeries(samples, "signpost_jobs", "state").find((s) => s.label === "completed")?.points.at(-1)?.value;
  const inMb = (series: ChartSeries, label: string): ChartSeries => ({ label, points: series.points.map((p) => ({ at: p.at, value: p.value === null ? null : p.value / 1_048_576 })) });
  const memory = [
    ...gaugeSeries(samples, "signpost_process_resident_memory_bytes", null).map((s) => inMb(s, "resident (RSS)")),
    ...gaugeSeries(samples, "signpost_nodejs_heap_size_used_bytes", null).map((s) => inMb(s, "JS heap used")),
  ];
  const hourStart = hourly.hours[0]!.at;
  const hourEnd = hourly.hours.at(-1)!.at + 3_600_000;
  const clicksTotal = hourly.hours.reduce((sum, h) => sum + h.humans + h.bots, 0);

  return (
    <>
      <h1>Status</h1>
      <SettingsNav session={session} current={PATH} />
      <div className="status-page">
        <section aria-labelledby="readiness-heading">
          <h2 id="readiness-heading">
            Readiness:{" "}
            <span className={ready.ready ? "status-ok" : "status-bad"}>{ready.ready ? "ready" : "not ready"}</span>
          </h2>
          <ul className="status-checks">
            {Object.entries(ready.checks).map(([name, check]) => (
              <li key={name}>
                <span className={check.ok ? "status-ok" : "status-bad"} aria-hidden="true">
                  {check.ok ? "●" : "✕"}
                </span>{" "}
                <strong>{name}</strong> {check.ok ? "ok" : "failing"} · {check.ms} ms{check.detail ? ` · ${check.detail}` : ""}
              </li>
            ))}
          </ul>
        </section>

        <section aria-labelledby="durable-heading">
          <h2 id="durable-heading">Clicks</h2>
          <div className="status-grid">
            <TimeChart
              id="clicks-hourly"
              title={`Clicks per hour (${whole(clicksTotal)} in ${HOURS} h)`}
              unit="clicks/hour"
              kind="bar"
              format={num}
              timeLabel="Hour (UTC)"
              start={hourStart}
              end={hourEnd}
              series={[
                { label: "people", points: hourly.hours.map((h) => ({ at: h.at, value: h.humans })) },
                { label: "bots", points: hourly.hours.map((h) => ({ at: h.at, value: h.bots })) },
              ]}
              empty={`No clicks in the last ${HOURS} hours`}
              note="From the database's hourly rollup, every workspace: it survives restarts."
            />
            <TimeChart id="ingest" title="Click ingest" unit="clicks/s" format={num} {...range} note="Accepted by this server's ingest endpoint, sampled (see below)." series={counterRates(samples, "signpost_click_ingest_clicks_total", "mode")} empty={absent("signpost_click_ingest_clicks_total")} />
          </div>
        </section>

        <section aria-labelledby="live-heading">
          <h2 id="live-heading">This server, recent history</h2>
          <p className="note">
            {intervalSeconds
              ? `Sampled from this process's metrics (the figures /metrics serves) every ${intervalSeconds} s, for up to ${Math.round((intervalSeconds * (history.capacity ?? 0)) / 60)} minutes. Each instance keeps its own history, and it starts empty when the process restarts.`
              : "The sampler does not run in this process, so only the current figures are shown."}{" "}
            Times are UTC.
          </p>
          <div className="status-grid">
            <TimeChart id="api-rate" title="API requests by route" unit="requests/s" format={num} {...range} series={onlyTop(counterRates(samples, `${HTTP}_count`, "route"))} empty={absent(`${HTTP}_count`)} note={routeNote} />
            <TimeChart id="api-p95" title="API latency by route, 95th percentile" unit="ms" format={ms} {...range} series={onlyTop(histogramQuantileSeries(samples, HTTP, "route", 0.95))} empty={absent(`${HTTP}_bucket`)} note={`Per ${intervalSeconds ?? "sample"} s interval, from the latency histogram's buckets.`} />
            <TimeChart id="redirects" title="Edge redirects by outcome" unit="redirects/s" format={num} {...range} series={counterRates(samples, "signpost_edge_redirects_total", "outcome")} empty={absent("signpost_edge_redirects_total")} />
            <TimeChart
              id="cache-hits"
              title="Edge link-cache hit ratio"
              unit="hits"
              format={percent}
              yMax={1}
              {...range}
              series={[{ label: "total", points: ratioSeries(samples, "signpost_edge_cache_lookups_total", "result", ["hit"]) }]}
              empty={absent("signpost_edge_cache_lookups_total")}
            />
            <TimeChart
              id="stream"
              title="Click stream backlog"
              unit="entries"
              format={num}
              integer
              {...range}
              series={gaugeSeries(samples, "signpost_click_stream", "figure", (l) => STREAM_FIGURES.has(l.figure ?? "")).map((s) => ({ ...s, label: s.label === "lag" ? "lag (not yet taken)" : s.label === "pending" ? "pending (taken, unacknowledged)" : "dead letters" }))}
              empty={config.redisUrl ? "No data yet" : "No click stream: Redis is not configured"}
            />
            <TimeChart id="jobs" title="Background jobs by state" unit="jobs" format={num} integer {...range} series={jobStates} empty="No jobs waiting, running or failed" note={completed !== undefined && completed !== null ? `Completed jobs kept: ${whole(completed)}.` : undefined} />
            <TimeChart
              id="db-pool"
              title="Database pool connections"
              unit="connections"
              format={num}
              {...range}
              series={gaugeSeries(samples, "signpost_db_pool_connections", "state")}
              integer
              empty={database.mode === "embedded" ? "Embedded PGlite has no connection pool" : absent("signpost_db_pool_connections")}
            />
            <TimeChart id="memory" title="Process memory" unit="MB" format={num} {...range} series={memory} />
            <TimeChart id="event-loop" title="Event-loop lag, 99th percentile" unit="ms" format={ms} {...range} series={gaugeSeries(samples, "signpost_nodejs_eventloop_lag_p99_seconds", null)} />
          </div>
        </section>

        <section aria-labelledby="routes-heading">
          <h2 id="routes-heading">Routes{spanSeconds > 0 ? `, last ${Math.max(1, Math.round(spanSeconds / 60))} min` : ""}</h2>
          {routes.length === 0 ? (
            <p>No API requests since this process started sampling.</p>
          ) : (
            <div className="status-table">
              <table className="list">
                <thead>
                  <tr>
                    <th scope="col">Route</th>
                    <th scope="col">Requests</th>
                    <th scope="col">Per s</th>
                    <th scope="col">p95 (ms)</th>
                  </tr>
                </thead>
                <tbody>
                  {routes.map(([route, n]) => {
                    const p95 = p95ByRoute.get(route);
                    return (
                      <tr key={route}>
                        <td>
                          <code>
                            {route.split("/").map((part, i) => (
                              <span key={i}>
                                {i > 0 ? "/" : ""}
                                {i > 0 ? <wbr /> : null}
                                {part}
                              </span>
                            ))}
                          </code>
                        </td>
                        <td>{whole(n)}</td>
                        <td>{spanSeconds > 0 ? num(n / spanSeconds) : "—"}</td>
                        <td>{p95 === undefined || p95 === null ? "—" : ms(p95)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </div>
    </>
  );
}
