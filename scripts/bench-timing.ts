// `npm run bench:timing` — where the time goes: per-stage latency from the `Server-Timing` headers of
// an edge redirect on a cache hit and on a cache miss, beside database-bound API routes, each over a
// few hundred sequential requests on 127.0.0.1 (one at a time: latency, not throughput).
//
//   edge redirect, cache hit / miss   the standalone redirector (origin protocol) and `next start`'s
//                                      middleware; a miss asks the origin, which asks Postgres
//   API                                GET /api/v1/links, GET /api/v1/analytics (30-day totals),
//                                      GET /api/v1/analytics/top?dimension=country
//
// Every stage a response names is parsed (none is hard-coded): the edge app emits `cache` (desc:
// hit / miss / stale / negative), `facts`, `decide`, `origin`, `edge`…; API routes emit `app` and, where
// instrumented, `db` and `queue`. The client's own wall time per request is the `total` row.
// Needs DATABASE_URL (a bench database is created and dropped). The analytics routes read a modest
// dataset (--clicks, spread over the last 30 days, sent through the signed ingest endpoint);
// `npm run bench:analytics` measures those queries at scale.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:timing [-- --requests 300 --json out.json]
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import type { ClickEvent } from "@/core/link";
import { signRequest } from "@/core/protocol";
// @ts-expect-error -- plain ESM script without types
import { ensureBuild } from "./build-if-stale.mjs";
// @ts-expect-error -- plain ESM script without types
import { admin, freePort, startChild, stopChild, withDatabase } from "./lib/bench.mjs";
import { fmt, markdownTable, parseServerTiming, stageSummary } from "./lib/report.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "300" },
    clicks: { type: "string", default: "20000" },
    warmup: { type: "string", default: "20" },
    json: { type: "string" },
  },
});
const REQUESTS = Number(args.requests);
const CLICKS = Number(args.clicks);
const WARMUP = Number(args.warmup);
const HOT = 50;
// Hot slugs, then never-requested ones: one set per host's miss run (+ warm-up).
const LINKS = HOT + 2 * (REQUESTS + WARMUP);
const SHORT_HOST = "short.bench";
const SECRET = "bench-secret-0123456789abcdef0123456789abcdef";
const CLICKS_PATH = "/api/internal/v1/clicks";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";

if (!process.env.DATABASE_URL) {
  console.error("bench:timing needs DATABASE_URL (any Postgres server; a bench database is created and dropped).");
  process.exit(2);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (...parts: unknown[]) => console.error("·", ...parts);

interface Child {
  child: ChildProcess;
  output: () => string;
}

function start(argv: string[], env: Record<string, string>): Child {
  return startChild(root, argv, env);
}

function stop(process_: Child): Promise<void> {
  return stopChild(process_);
}

async function waitFor(what: string, check: () => Promise<boolean>, child: Child, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (child.child.exitCode !== null) throw new Error(`${what}: process exited\n${child.output()}`);
    if (Date.now() > deadline) throw new Error(`${what}: timed out\n${child.output().slice(-2000)}`);
    await sleep(100);
  }
}

// One keep-alive connection per target: sequential requests measure latency without connect time.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

interface Answer {
  status: number;
  serverTiming: string;
  totalMs: number;
}

function get(port: number, pathname: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = http.get({ host: "127.0.0.1", port, path: pathname, headers, agent }, (response) => {
      response.resume();
      response.on("end", () => {
        const raw = response.headers["server-timing"];
        resolve({ status: response.statusCode ?? 0, serverTiming: Array.isArray(raw) ? raw.join(", ") : (raw ?? ""), totalMs: performance.now() - started });
      });
    });
    request.on("error", reject);
  });
}

interface Scenario {
  key: string;
  name: string;
  kind: "edge" | "api";
  requests: Array<{ port: number; path: string; headers: Record<string, string> }>;
  warmup: Array<{ port: number; path: string; headers: Record<string, string> }>;
}

async function measure(scenario: Scenario) {
  for (const request of scenario.warmup) await get(request.port, request.path, request.headers);
  const samples: Array<{ totalMs: number; timing: ReturnType<typeof parseServerTiming> }> = [];
  const statuses: Record<string, number> = {};
  const cache: Record<string, number> = {};
  for (const request of scenario.requests) {
    const answer = await get(request.port, request.path, request.headers);
    const timing = parseServerTiming(answer.serverTiming);
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    const cacheStage = timing.find((t) => t.name === "cache");
    if (cacheStage?.desc) cache[cacheStage.desc] = (cache[cacheStage.desc] ?? 0) + 1;
    samples.push({ totalMs: answer.totalMs, timing });
  }
  const summary = stageSummary(samples);
  log(`${scenario.name}: total p50 ${fmt(summary.total.p50, 2)} ms over ${samples.length} requests`);
  return { key: scenario.key, name: scenario.name, kind: scenario.kind, statuses, cache, ...summary };
}

/** Clicks over the last 30 days on the seeded links, for the analytics routes to read. */
function makeClicks(linkIds: string[], workspaceId: string, n: number): ClickEvent[] {
  const countries = ["US", "DE", "FR", "GB", "IN", "BR", "JP", "NL", "ES", "IT", null];
  const devices = ["desktop", "mobile", "tablet"];
  const referrers = ["news.ycombinator.com", "t.co", "www.google.com", null];
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    linkId: linkIds[Math.floor(linkIds.length * Math.random() ** 2)]!,
    workspaceId,
    at: new Date(now - Math.floor(Math.random() * 30 * 86_400_000)).toISOString(),
    url: "https://example.com/landing",
    userAgent: null,
    referrer: referrers[i % referrers.length]!,
    isBot: i % 10 === 0,
    country: countries[i % countries.length]!,
    device: devices[i % devices.length]!,
    os: "Linux",
    browser: "Chrome",
    language: "en-us",
    visitorId: (i % 5_000).toString(16).padStart(32, "0"),
    reason: "destination",
  }));
}

async function main() {
  const dbName = `signpost_bench_timing_${Date.now().toString(36)}`;
  await admin(`create database "${dbName}"`);
  const databaseUrl = withDatabase(process.env.DATABASE_URL!, dbName);
  const running: Child[] = [];
  try {
    log("building Signpost (if the sources changed)");
    ensureBuild({ quiet: true });
    const [originPort, redirectorPort] = [await freePort(), await freePort()];
    const hostEnv = { SIGNPOST_SECRET: SECRET, SHORT_DOMAINS: SHORT_HOST, GEO_HEADERS: "vercel", TRUSTED_IP_HEADER: "x-real-ip" };
    const originUrl = `http://127.0.0.1:${originPort}`;
    const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
    // No REDIS_URL: clicks and link lookups take the embedded-default path (Postgres only).
    const origin = start([nextBin, "start", "-p", String(originPort)], { ...hostEnv, DATABASE_URL: databaseUrl, APP_URL: originUrl });
    running.push(origin);
    await waitFor("next start", async () => (await fetch(`${originUrl}/api/v1/setup`)).status === 200, origin);

    const setup = await (
      await fetch(`${originUrl}/api/v1/setup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Bench", email: "bench@example.com", password: "bench password 123", workspace: "Bench" }),
      })
    ).json();
    const auth = { authorization: `Bearer ${setup.apiKey.key}` };
    log(`seeding ${LINKS} links`);
    for (let from = 0; from < LINKS; from += 1000) {
      const links = Array.from({ length: Math.min(1000, LINKS - from) }, (_, i) => ({ key: `t${from + i}`, url: `https://example.com/landing/${from + i}`, domain: SHORT_HOST }));
      const response = await fetch(`${originUrl}/api/v1/links/bulk`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ links }) });
      if (response.status !== 201) throw new Error(`seeding links failed: ${response.status} ${await response.text()}`);
    }
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    const { rows } = await pool.query<{ id: string; workspace_id: string }>("select id, workspace_id from link order by key");
    await pool.end();
    const workspaceId = rows[0]!.workspace_id;
    log(`seeding ${CLICKS} clicks over the last 30 days through the ingest endpoint`);
    const events = makeClicks(
      rows.map((r) => r.id),
      workspaceId,
      CLICKS,
    );
    for (let from = 0; from < events.length; from += 4 * 250) {
      await Promise.all(
        [0, 1, 2, 3].map(async (lane) => {
          const batch = events.slice(from + lane * 250, from + (lane + 1) * 250);
          if (batch.length === 0) return;
          const body = JSON.stringify({ clicks: batch });
          const headers = await signRequest(SECRET, "POST", CLICKS_PATH, body);
          const response = await fetch(`${originUrl}${CLICKS_PATH}`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
          if (response.status !== 202) throw new Error(`seeding clicks failed: ${response.status} ${await response.text()}`);
        }),
      );
    }

    const redirector = start(["--conditions=react-server", "--import", "tsx", "src/hosts/node/main.ts"], { ...hostEnv, ORIGIN_URL: originUrl, REDIRECTOR_PORT: String(redirectorPort), DATABASE_URL: "" });
    running.push(redirector);
    await waitFor("redirector", async () => (await get(redirectorPort, "/robots.txt", { host: SHORT_HOST })).status === 200, redirector);

    const visit = (port: number, slug: string) => ({
      port,
      path: `/${slug}`,
      headers: { host: SHORT_HOST, "user-agent": BROWSER, "x-real-ip": "203.0.113.7", "x-vercel-ip-country": "DE", "accept-language": "en-US,en;q=0.9" },
    });
    const hot = Array.from({ length: HOT }, (_, i) => `t${i}`);
    const cold = (host: number) => Array.from({ length: REQUESTS + WARMUP }, (_, i) => `t${HOT + host * (REQUESTS + WARMUP) + i}`);
    const cycle = <T>(list: T[], n: number) => Array.from({ length: n }, (_, i) => list[i % list.length]!);
    const api = (pathname: string) => ({ port: originPort, path: pathname, headers: { ...auth, host: `127.0.0.1:${originPort}` } });
    const hostScenarios = (label: string, key: string, port: number, coldSlugs: string[]): Scenario[] => [
      // The warm-up requests every hot slug once: what follows are cache hits.
      { key: `${key}-hit`, name: `edge redirect · cache hit · ${label}`, kind: "edge", warmup: [...hot, ...cycle(hot, WARMUP)].map((s) => visit(port, s)), requests: cycle(hot, REQUESTS).map((s) => visit(port, s)) },
      // Each request a link no one has asked for yet: every one a miss.
      { key: `${key}-miss`, name: `edge redirect · cache miss · ${label}`, kind: "edge", warmup: coldSlugs.slice(0, WARMUP).map((s) => visit(port, s)), requests: coldSlugs.slice(WARMUP).map((s) => visit(port, s)) },
    ];
    const apiScenario = (key: string, name: string, pathname: string): Scenario => ({ key, name, kind: "api", warmup: cycle([api(pathname)], WARMUP), requests: cycle([api(pathname)], REQUESTS) });
    const scenarios: Scenario[] = [
      ...hostScenarios("redirector", "redirector", redirectorPort, cold(0)),
      ...hostScenarios("next start middleware", "next", originPort, cold(1)),
      apiScenario("api-links", "API · GET /api/v1/links (50 per page)", "/api/v1/links?limit=50"),
      apiScenario("api-analytics", "API · GET /api/v1/analytics (30-day totals)", "/api/v1/analytics"),
      apiScenario("api-top", "API · GET /api/v1/analytics/top?dimension=country", "/api/v1/analytics/top?dimension=country"),
    ];
    const results = [];
    for (const scenario of scenarios) results.push(await measure(scenario));

    console.log(`\nbench:timing — ${REQUESTS} sequential requests per row after ${WARMUP} warm-up, 127.0.0.1, one keep-alive connection; ${LINKS} links, ${CLICKS} clicks over 30 days`);
    for (const r of results) {
      const cache = Object.keys(r.cache).length ? `; cache: ${Object.entries(r.cache).map(([k, v]) => `${k} ${v}`).join(", ")}` : "";
      console.log(`\n${r.name} — statuses: ${Object.entries(r.statuses).map(([k, v]) => `${k} ×${v}`).join(", ")}${cache}`);
      const rows = [
        ...r.stages.map((s) => [s.name, s.n, fmt(s.p50, 2), fmt(s.p95, 2)]),
        ["total (client)", r.total.n, fmt(r.total.p50, 2), fmt(r.total.p95, 2)],
      ];
      console.log(markdownTable(["stage", "requests", "p50 ms", "p95 ms"], rows));
    }
    if (args.json) {
      writeFileSync(args.json, JSON.stringify({ bench: "timing", config: { requests: REQUESTS, warmup: WARMUP, links: LINKS, clicks: CLICKS, redis: false }, scenarios: results }, null, 2));
    }
  } finally {
    for (const child of running.reverse()) await stop(child);
    agent.destroy();
    await admin(`drop database if exists "${dbName}" with (force)`).catch(() => {});
  }
}

main().catch((error) => {
  console.error(String(error?.stack ?? error));
  process.exit(1);
});
