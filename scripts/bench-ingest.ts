// `npm run bench:ingest` — clicks through the whole pipeline, measured until they are in Postgres
// with their counters and rollups (not merely accepted or enqueued), in one run on this machine:
//
//   baseline   recordClicks in-process, no HTTP, no queue: what the database itself takes
//   postgres   edge-sized signed batches -> `next start` ingest endpoint -> committed before 202
//   redis      the same batches -> endpoint -> Redis click stream -> 2 × `npm run worker` -> Postgres
//
// Prints clicks/s landed, endpoint latency and each mode's ratio to the baseline, and requests
// sent vs clicks stored; any loss (or a counter / rollup that disagrees) fails the run (exit 1).
// Needs DATABASE_URL (a bench database is created and dropped) and REDIS_URL for the redis mode.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 npm run bench:ingest [-- --clicks 200000]
//
// `--json <file>` also writes the figures as JSON (for `npm run bench`); the console output is the same.
//
// Targets 127.0.0.1 only; every phase is bounded in count and time.
import { writeFileSync } from "node:fs";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import http from "node:http";
import { cpus, totalmem } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import pg from "pg";
import type { ClickEvent } from "@/core/link";
import { clickId } from "@/edge/click-id";
import { signRequest } from "@/core/protocol";
import { recordClicks } from "@/server/clicks/ingest";
import { clickStreamKeys } from "@/server/clicks/stream";
import { openDatabase } from "@/server/db/client";
import { link, organization } from "@/server/db/schema";
// @ts-expect-error -- plain ESM script without types
import { ensureBuild } from "./build-if-stale.mjs";
// @ts-expect-error -- plain ESM script without types
import { ensureNodeBuild } from "./build-node.mjs";
// @ts-expect-error -- plain ESM script without types
import { admin, commandCpuMs, cpuMs, freePort, startChild, stopChild, withDatabase } from "./lib/bench.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values: args } = parseArgs({
  options: {
    clicks: { type: "string", default: "200000" },
    batch: { type: "string", default: "100" },
    concurrency: { type: "string", default: "8" },
    links: { type: "string", default: "2000" },
    workers: { type: "string", default: "2" },
    "timeout-seconds": { type: "string", default: "300" },
    // Comma-separated subset of baseline,postgres,redis: profiling one mode needs no other.
    modes: { type: "string", default: "baseline,postgres,redis" },
    // Writes a V8 CPU profile of every child (next start, workers) into this folder, for
    // `node --cpu-prof`-style analysis (Chrome DevTools, speedscope).
    "cpu-prof": { type: "string" },
    json: { type: "string" },
  },
});
const CLICKS = Number(args.clicks);
const BATCH = Number(args.batch);
const CONCURRENCY = Number(args.concurrency);
const LINKS = Number(args.links);
const WORKERS = Number(args.workers);
const TIMEOUT_MS = Number(args["timeout-seconds"]) * 1000;
const MODES = new Set(args.modes.split(",").map((mode) => mode.trim()));
for (const mode of MODES) {
  if (!["baseline", "postgres", "redis"].includes(mode)) {
    console.error(`bench:ingest: unknown mode "${mode}" in --modes (baseline, postgres, redis)`);
    process.exit(2);
  }
}
const SECRET = "bench-secret-0123456789abcdef0123456789abcdef";
// The in-process baseline runs the server's own code, which reads its configuration (plan limits).
process.env.SIGNPOST_SECRET = SECRET;
const WORKSPACE = "org_bench_ingest";
const GOAL_CLICKS_PER_SECOND = 10_000;
const CLICKS_PATH = "/api/internal/v1/clicks";

const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
if (!databaseUrl) {
  console.error("bench:ingest needs DATABASE_URL (any Postgres server; a bench database is created and dropped).");
  process.exit(2);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (...parts: unknown[]) => console.error("·", ...parts);

interface Child {
  child: ChildProcess;
  output: () => string;
}

function start(argv: string[], env: Record<string, string>): Child {
  const profile = args["cpu-prof"] ? ["--cpu-prof", "--cpu-prof-dir", path.resolve(args["cpu-prof"])] : [];
  return startChild(root, [...profile, ...argv], { SIGNPOST_SECRET: SECRET, ...env });
}

function stop(process_: Child | undefined): Promise<void> {
  return stopChild(process_);
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000, child?: Child): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (child && child.child.exitCode !== null) throw new Error(`${what}: process exited\n${child.output()}`);
    if (Date.now() > deadline) throw new Error(`${what}: timed out${child ? `\n${child.output().slice(-2000)}` : ""}`);
    await sleep(50);
  }
}

/** Edge-shaped clicks: many links, humans and ~10% bots, countries, devices, referrers, visitors. */
function makeClicks(linkIds: string[], n: number): ClickEvent[] {
  const countries = ["US", "DE", "FR", "GB", "IN", "BR", "JP", "NL", "ES", "IT", null];
  const devices = ["desktop", "mobile", "tablet"];
  const browsers = ["Chrome", "Safari", "Firefox", "Edge", "Samsung Internet"];
  const oses = ["Windows", "macOS", "iOS", "Android", "Linux"];
  const referrers = ["news.ycombinator.com", "t.co", "www.google.com", "www.linkedin.com", null, null];
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const skew = Math.floor(linkIds.length * Math.pow(((i * 2654435761) % 1_000_003) / 1_000_003, 2));
    const at = now - (i % 600) * 100; // live traffic: the last minute
    return {
      id: clickId(at), // the edge's ids: UUIDv7 stamped with the click's time
      linkId: linkIds[skew]!,
      workspaceId: WORKSPACE,
      at: new Date(at).toISOString(),
      url: "https://example.com/landing",
      userAgent: null,
      referrer: referrers[i % referrers.length]!,
      isBot: i % 10 === 0,
      country: countries[i % countries.length]!,
      region: null,
      city: null,
      device: devices[i % devices.length]!,
      os: oses[i % oses.length]!,
      browser: browsers[i % browsers.length]!,
      language: i % 2 ? "en-us" : "de-de",
      visitorId: (i % 50_000).toString(16).padStart(32, "0"),
      reason: "destination",
      ruleIndex: null,
      variantIndex: null,
    };
  });
}

function batchesOf<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function countStored(pool: pg.Pool): Promise<number> {
  return Number((await pool.query("select count(*)::bigint as n from click")).rows[0].n);
}

/**
 * Empties the click tables and zeroes the counters, then vacuums `link` and checkpoints, so every
 * mode starts from the state the first one did. Without it a mode paid for the one before: every
 * counter update leaves a dead `link` row and index entries (the clicks sort index makes them
 * non-HOT), and autovacuum and checkpoints for those ran in the next mode's measurement.
 */
async function reset(pool: pg.Pool): Promise<void> {
  await pool.query("truncate click, click_rollup_hour, click_rollup_day, click_visitor_hour, click_workspace_rollup_hour, click_workspace_rollup_day, click_visitor_day, click_uniques_day, click_uniques_span");
  await pool.query("update link set clicks = 0, last_clicked_at = null");
  await pool.query("vacuum (analyze) link");
  // CHECKPOINT needs a superuser or pg_checkpoint; without either, the modes share dirty pages.
  await pool.query("checkpoint").catch((error: unknown) => log(`no checkpoint between modes: ${String(error)}`));
}

/** Stored equals sent; counters and rollups agree with the events. Throws on any disagreement. */
async function verify(pool: pg.Pool, events: ClickEvent[]): Promise<{ stored: number }> {
  const humans = events.filter((e) => !e.isBot).length;
  const { rows } = await pool.query(`
    select (select count(*) from click)::bigint as stored,
           (select coalesce(sum(clicks), 0) from link)::bigint as counted,
           (select coalesce(sum(clicks), 0) from click_rollup_hour where dimension = 'all')::bigint as hourly,
           (select coalesce(sum(clicks), 0) from click_rollup_hour where dimension = 'country')::bigint as hourly_country,
           (select coalesce(sum(clicks), 0) from click_workspace_rollup_day where dimension = 'device')::bigint as workspace_daily,
           (select coalesce(sum(clicks), 0) from click_workspace_rollup_hour where dimension = 'referrer')::bigint as workspace_hourly,
           (select coalesce(sum(visitors), 0) from click_uniques_day where with_bots)::bigint as visitor_days,
           (select coalesce(sum(visitors), 0) from click_uniques_span where with_bots)::bigint as spanned_visitor_days,
           (select count(*) from (select distinct visitor_id, (clicked_at at time zone 'UTC')::date from click where visitor_id is not null) v)::bigint as expected_visitor_days`);
  const row = rows[0];
  const problems: string[] = [];
  if (Number(row.stored) !== events.length) problems.push(`stored ${row.stored} of ${events.length} sent`);
  if (Number(row.counted) !== humans) problems.push(`link counters say ${row.counted}, expected ${humans}`);
  if (Number(row.hourly) !== events.length) problems.push(`hourly rollups say ${row.hourly}, expected ${events.length}`);
  // Live traffic is today's: per-link daily rollups wait for the compaction job (src/server/clicks/daily-rollups.ts).
  // Rollups are sparse (no rows for unknown values): a dimension adds up to the clicks that know it.
  const known = (pick: (e: ClickEvent) => string | null | undefined) => events.filter((e) => pick(e) != null).length;
  if (Number(row.hourly_country) !== known((e) => e.country)) problems.push(`hourly country rollups say ${row.hourly_country}, expected ${known((e) => e.country)}`);
  if (Number(row.workspace_daily) !== known((e) => e.device)) problems.push(`workspace daily rollups say ${row.workspace_daily}, expected ${known((e) => e.device)}`);
  if (Number(row.workspace_hourly) !== known((e) => e.referrer)) problems.push(`workspace hourly rollups say ${row.workspace_hourly}, expected ${known((e) => e.referrer)}`);
  if (Number(row.visitor_days) !== Number(row.expected_visitor_days)) problems.push(`daily uniques say ${row.visitor_days}, the clicks ${row.expected_visitor_days}`);
  if (Number(row.spanned_visitor_days) !== Number(row.expected_visitor_days)) problems.push(`span counts say ${row.spanned_visitor_days}, the clicks ${row.expected_visitor_days}`);
  if (problems.length > 0) throw new Error(`LOSS OR MISCOUNT: ${problems.join("; ")}`);
  return { stored: Number(row.stored) };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
}

interface Result {
  mode: string;
  sent: number;
  stored: number;
  acceptedPerSecond: number;
  landedPerSecond: number;
  p50: number;
  p99: number;
  /** CPU per landed click (µs) by where it was spent, while the mode ran; null without /proc. */
  cpuPerClick: CpuPerClick | null;
}

interface CpuPerClick {
  loadGenerator: number;
  endpoint: number | null;
  workers: number | null;
  postgres: number;
  redis: number | null;
  total: number;
}

/**
 * Starts a CPU meter over the processes a mode uses: this process (the load generator, or the
 * store itself in the baseline), the endpoint's and the workers' processes, and every Postgres and
 * Redis process on this machine (a remote server's CPU is not seen: its figure is then ~0). The
 * returned function gives each one's CPU per click since the start, in µs.
 */
function cpuMeter(children: { endpoint?: Child; workers?: Child[]; redis: boolean }): (clicks: number) => CpuPerClick | null {
  const pids = (list: Child[]) => list.map((c) => c.child.pid!);
  const sum = (list: number[]) => list.reduce((total, pid) => total + cpuMs(pid), 0);
  const read = () => {
    const own = process.cpuUsage();
    return {
      loadGenerator: (own.user + own.system) / 1000,
      endpoint: children.endpoint ? cpuMs(children.endpoint.child.pid!) : null,
      workers: children.workers ? sum(pids(children.workers)) : null,
      postgres: commandCpuMs("postgres"),
      redis: children.redis ? commandCpuMs("redis-server") : null,
    };
  };
  const before = read();
  return (clicks) => {
    const after = read();
    const per = (key: keyof typeof before) => (after[key] === null || before[key] === null ? null : ((after[key]! - before[key]!) * 1000) / clicks);
    const figures = { loadGenerator: per("loadGenerator")!, endpoint: per("endpoint"), workers: per("workers"), postgres: per("postgres")!, redis: per("redis") };
    if (Object.values(figures).some((value) => Number.isNaN(value))) return null;
    return { ...figures, total: Object.values(figures).reduce<number>((total, value) => total + (value ?? 0), 0) };
  };
}

/** One POST on a kept-alive connection: status and body drained. */
function postOnce(agent: http.Agent, port: number, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { agent, host: "127.0.0.1", port, path: CLICKS_PATH, method: "POST", headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (response) => {
        response.on("data", () => {});
        response.on("end", () => resolve(response.statusCode ?? 0));
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

/**
 * Posts every batch, `CONCURRENCY` at a time, signed as the edge signs; retries 503 like the edge.
 * node:http on `CONCURRENCY` kept-alive connections, not fetch: the load generator shares the two
 * cores with what it measures, and fetch spent about 35 µs of CPU per click (3.5 ms per batch).
 */
async function post(port: number, batches: ClickEvent[][]): Promise<{ latencies: number[]; seconds: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  async function lane() {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const body = JSON.stringify({ clicks: batch });
      for (let attempt = 0; ; attempt++) {
        const headers = await signRequest(SECRET, "POST", CLICKS_PATH, body);
        const t0 = performance.now();
        const status = await postOnce(agent, port, body, { ...headers });
        latencies.push(performance.now() - t0);
        if (status === 202) break;
        if (attempt >= 4) throw new Error(`ingest answered ${status} after ${attempt + 1} attempts`);
        await sleep(100 * 2 ** attempt);
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  } finally {
    agent.destroy();
  }
  return { latencies: latencies.sort((a, b) => a - b), seconds: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  const name = "signpost_bench_ingest";
  await admin(`drop database if exists ${name} with (force)`);
  await admin(`create database ${name}`);
  const url = withDatabase(databaseUrl!, name);
  const database = await openDatabase({ databaseUrl: url, dataDir: "unused", poolMax: 8 });
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // The database is dropped (with force) when a phase fails: its idle connections must not crash
  // the run before that phase's own error is printed.
  pool.on("error", () => {});
  const running: Child[] = [];
  const results: Result[] = [];
  try {
    log(`seeding ${LINKS} links`);
    await database.db.insert(organization).values({ id: WORKSPACE, name: "Bench", slug: "bench-ingest" });
    const linkIds = Array.from({ length: LINKS }, (_, i) => `lnk_bench_${i}`);
    for (const chunk of batchesOf(linkIds, 1000)) {
      await database.db.insert(link).values(chunk.map((id) => ({ id, workspaceId: WORKSPACE, domain: "short.bench", key: id, url: "https://example.com/landing" })));
    }

    // ---- baseline: the store itself, in-process ----------------------------------------------
    if (MODES.has("baseline")) {
      const events = makeClicks(linkIds, CLICKS);
      const batches = batchesOf(events, BATCH);
      log(`baseline: ${CLICKS} clicks through recordClicks in-process, ${CONCURRENCY} batches at a time`);
      let next = 0;
      const meter = cpuMeter({ redis: false });
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < batches.length) await recordClicks(batches[next++]!, database.db);
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const cpuPerClick = meter(CLICKS);
      const { stored } = await verify(pool, events);
      results.push({ mode: "baseline (in-process)", sent: CLICKS, stored, acceptedPerSecond: CLICKS / seconds, landedPerSecond: CLICKS / seconds, p50: 0, p99: 0, cpuPerClick });
      await reset(pool);
    }
    await database.close();

    ensureBuild({ quiet: true });
    await ensureNodeBuild({ quiet: true });
    const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");

    for (const mode of (["postgres", "redis"] as const).filter((m) => MODES.has(m) && (m === "postgres" || redisUrl))) {
      const port = await freePort();
      const prefix = `bench-ingest-${randomUUID()}:`;
      const env: Record<string, string> = { DATABASE_URL: url, APP_URL: `http://localhost:${port}`, DATABASE_POOL_MAX: "10" };
      if (mode === "redis") Object.assign(env, { REDIS_URL: redisUrl!, REDIS_KEY_PREFIX: prefix, CLICK_CONSUMERS: "0" });
      const app = start([nextBin, "start", "-p", String(port)], env);
      running.push(app);
      await waitFor(`next start (${mode})`, async () => (await fetch(`http://127.0.0.1:${port}/robots.txt`).catch(() => null))?.ok === true, 120_000, app);
      const workers: Child[] = [];
      if (mode === "redis") {
        for (let i = 0; i < WORKERS; i++) {
          const worker = start(["scripts/worker.mjs"], { ...env, CLICK_CONSUMERS: "1" });
          workers.push(worker);
          running.push(worker);
        }
        for (const worker of workers) await waitFor("worker ready", () => worker.output().includes('"msg":"worker ready"'), 60_000, worker);
      }
      // Warm-up: JIT, connections, route compilation; then a clean table.
      await post(port, batchesOf(makeClicks(linkIds, 20 * BATCH), BATCH));
      await waitFor("warm-up landed", async () => (await countStored(pool)) === 20 * BATCH, 60_000);
      await reset(pool);

      const events = makeClicks(linkIds, CLICKS);
      log(`${mode}: ${CLICKS} clicks in batches of ${BATCH}, ${CONCURRENCY} in flight${mode === "redis" ? `, ${WORKERS} workers` : ""}`);
      const redis = mode === "redis" ? new Redis(redisUrl!) : null;
      const keys = clickStreamKeys(prefix);
      const meter = cpuMeter({ endpoint: app, workers: mode === "redis" ? workers : undefined, redis: mode === "redis" });
      const started = performance.now();
      const { latencies, seconds: postSeconds } = await post(port, batchesOf(events, BATCH));
      // Landed: in postgres mode, every 202 came after the commit. With Redis, a worker deletes
      // an entry only after committing its clicks, so an empty stream means all of them are in
      // Postgres. Asking Redis keeps the wait off the database: counting the click table every
      // 50 ms would take CPU from the workers it measures. verify() then counts every row.
      if (redis) await waitFor(`${mode}: stream drained`, async () => (await redis.xlen(keys.stream)) === 0, TIMEOUT_MS);
      const landedSeconds = (performance.now() - started) / 1000;
      const cpuPerClick = meter(CLICKS);
      if (redis) {
        await redis.del(keys.stream, keys.deadLetters);
        redis.disconnect();
      }
      const { stored } = await verify(pool, events);
      results.push({ mode: mode === "redis" ? `redis stream + ${WORKERS} workers` : "postgres (commit per batch)", sent: CLICKS, stored, acceptedPerSecond: CLICKS / postSeconds, landedPerSecond: CLICKS / landedSeconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpuPerClick });
      for (const worker of workers) await stop(worker);
      await stop(app);
      await reset(pool);
    }
  } catch (error) {
    // Printed before the cleanup below drops the database (which ends every connection to it).
    console.error("bench:ingest failed:", error);
    throw error;
  } finally {
    for (const child of running) await stop(child);
    await pool.end();
    await admin(`drop database if exists ${name} with (force)`).catch(() => {});
  }

  const baseline = results.find((r) => r.mode.startsWith("baseline"))?.landedPerSecond;
  console.log(`\nbench:ingest — ${CLICKS} clicks per mode, batches of ${BATCH}, ${CONCURRENCY} in flight, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`);
  console.log("| mode | sent | stored | accepted/s | landed/s (with rollups) | vs baseline | p50 ms | p99 ms |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of results) {
    console.log(`| ${r.mode} | ${r.sent} | ${r.stored} | ${Math.round(r.acceptedPerSecond)} | ${Math.round(r.landedPerSecond)} | ${baseline ? `${(r.landedPerSecond / baseline).toFixed(2)}×` : "—"} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`);
  }
  if (results.some((r) => r.cpuPerClick)) {
    const us = (value: number | null | undefined) => (value === null || value === undefined ? "—" : value.toFixed(0));
    console.log("\nCPU per landed click (µs), while each mode ran (the baseline's store runs in the load generator's process):");
    console.log("| mode | load generator | endpoint | workers | Postgres | Redis | total |");
    console.log("|---|---:|---:|---:|---:|---:|---:|");
    for (const r of results) {
      const c = r.cpuPerClick;
      if (c) console.log(`| ${r.mode} | ${us(c.loadGenerator)} | ${us(c.endpoint)} | ${us(c.workers)} | ${us(c.postgres)} | ${us(c.redis)} | ${us(c.total)} |`);
    }
  }
  const redis = results.find((r) => r.mode.startsWith("redis"));
  if (redis) {
    const pass = redis.landedPerSecond >= GOAL_CLICKS_PER_SECOND;
    console.log(`\ngoal: ≥ ${GOAL_CLICKS_PER_SECOND} clicks/s landed with Redis — ${Math.round(redis.landedPerSecond)} — ${pass ? "PASS" : "FAIL"}`);
  } else {
    console.log(`\n(redis mode skipped: ${MODES.has("redis") ? "REDIS_URL not set" : "not in --modes"})`);
  }
  console.log(`lost clicks: 0 (every mode: stored = sent, counters and rollups agree)`);
  if (args.json) {
    const config = { modes: [...MODES], clicks: CLICKS, batch: BATCH, concurrency: CONCURRENCY, links: LINKS, workers: WORKERS, redis: Boolean(redisUrl) };
    const goal = { clicksPerSecond: GOAL_CLICKS_PER_SECOND, mode: redis?.mode ?? null, landedPerSecond: redis?.landedPerSecond ?? null, pass: redis ? redis.landedPerSecond >= GOAL_CLICKS_PER_SECOND : null };
    writeFileSync(args.json, JSON.stringify({ bench: "ingest", config, results, goal }, null, 2));
  }
}

main().catch((error) => {
  console.error(String(error?.stack ?? error));
  process.exit(1);
});
