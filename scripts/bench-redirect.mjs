// `npm run bench:redirect` — the redirect path under load, every host measured in one run on this
// machine against a raw node:http 302 server (the ceiling) and a do-nothing Next middleware
// redirect (the Next baseline). Needs DATABASE_URL (a Postgres server; the bench makes and drops
// its own database) because it counts the clicks that landed: any loss fails the run.
//
// The redirector runs twice: on the origin protocol, and in direct mode (links, gates and clicks
// in the bench database itself; with REDIS_URL set, clicks go onto a click stream of its own that a
// `npm run worker` process stores, and the bench counts them in Postgres after the run).
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test [REDIS_URL=redis://127.0.0.1:6379] npm run bench:redirect [-- --duration 10 --runs 3]
//
// `--next-worker` (needs REDIS_URL): next start runs with CLICK_CONSUMERS=0 and a `npm run worker`
// process stores its clicks, as a deployment after redirect throughput would run it; by default its
// own in-process consumer does (the app's default with Redis).
//
// `--json <file>` also writes the figures as JSON (for `npm run bench`); the console output is the same.
// `--profile <dir>` writes a V8 CPU profile of Signpost's next start, each redirector and the worker there (open in
// Chrome DevTools or speedscope) to see where a host's time goes.
//
// Targets 127.0.0.1 only; every load phase is bounded in time.
import { spawn } from "node:child_process";
import http from "node:http";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { Redis } from "ioredis";
import crawlers from "crawler-user-agents";
import pg from "pg";
import UserAgent from "user-agents";
import { ensureBuild } from "./build-if-stale.mjs";
import { ensureNodeBuild } from "./build-node.mjs";
import { CLOCK_TICKS, admin, cpuMs, freePort, withDatabase } from "./lib/bench.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    runs: { type: "string", default: "3" },
    warmup: { type: "string", default: "3" },
    connections: { type: "string", default: "50" },
    links: { type: "string", default: "10000" },
    json: { type: "string" },
    // V8 CPU profiles of the Signpost Node processes (next start, redirectors, worker), written on their exit.
    profile: { type: "string" },
    // next start's clicks stored by a separate worker process (CLICK_CONSUMERS=0); needs REDIS_URL.
    "next-worker": { type: "boolean", default: false },
  },
});
const DURATION = Number(args.duration);
const RUNS = Number(args.runs);
const WARMUP = Number(args.warmup);
const CONNECTIONS = Number(args.connections);
const LINKS = Number(args.links);
const SHORT_HOST = "short.bench";
const SECRET = "bench-secret-0123456789abcdef0123456789abcdef";
const PROFILE = args.profile ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(args.profile)}`] : [];

const NEXT_WORKER = args["next-worker"];
if (NEXT_WORKER && !process.env.REDIS_URL) {
  console.error("bench:redirect --next-worker needs REDIS_URL (the click stream the worker consumes).");
  process.exit(2);
}
if (!process.env.DATABASE_URL) {
  console.error("bench:redirect needs DATABASE_URL (any Postgres server; a bench database is created and dropped).");
  process.exit(2);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (...parts) => console.error("·", ...parts);

/** Spawns a process and resolves once `ready()` answers; records spawn → first answer time. */
async function spawnUntil(name, command, argv, env, cwd, ready) {
  const started = performance.now();
  const child = spawn(command, argv, { cwd, env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited early:\n${output}`);
    try {
      if (await ready(() => output)) return { child, coldStartMs: performance.now() - started, output: () => output };
    } catch {
      // not up yet
    }
    await sleep(50);
  }
  child.kill("SIGKILL");
  throw new Error(`${name} did not come up:\n${output}`);
}

async function stop(child) {
  if (child.exitCode !== null) return;
  child.kill("SIGTERM");
  await Promise.race([new Promise((resolve) => child.once("exit", resolve)), sleep(15_000).then(() => child.kill("SIGKILL"))]);
}

/** GET with an explicit Host header (fetch may not set one). */
function statusWithHost(url, host) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { host, "user-agent": browsers[0] } }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on("error", reject);
  });
}

/** Busy CPU time of the whole machine so far (ms, all cores, idle and iowait left out), from /proc/stat; NaN elsewhere. */
function machineBusyMs() {
  try {
    const [, user, nice, system, , , irq, softirq, steal] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
    return ((user + nice + system + irq + softirq + steal) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
  } catch {
    return NaN;
  }
}

// ---- realistic traffic --------------------------------------------------------------------------

const browsers = Array.from({ length: 60 }, () => new UserAgent().toString());
const bots = crawlers
  .filter((c) => c.instances?.length)
  .slice(0, 15)
  .map((c) => c.instances[0]);
const userAgents = [...browsers, ...bots];
const countries = ["US", "DE", "FR", "GB", "IN", "BR", "JP", "CA", "AU", "ES", "IT", "NL", "SE", "PL", "MX"];
const pick = (list) => list[Math.floor(Math.random() * list.length)];
const randomIp = () => `${10 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;

function seedBody(index) {
  const link = { key: `b${index}`, url: `https://example.com/landing/${index}`, domain: SHORT_HOST, botBehavior: "redirect" };
  if (index % 5 === 1) link.rules = [{ conditions: [{ type: "country", in: ["DE", "AT"] }], url: `https://example.de/${index}` }, { conditions: [{ type: "device", in: ["mobile"] }], url: `https://m.example.com/${index}` }];
  if (index % 5 === 2) link.variants = [{ url: `https://example.com/a/${index}`, weight: 50 }, { url: `https://example.com/b/${index}`, weight: 50 }];
  if (index % 5 === 3) link.forwardQuery = true;
  return link;
}

/** autocannon request options: many slugs, real user agents (bots included), many IPs and countries. */
function trafficTo(url, { slugs, hostHeader }) {
  return {
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [
      {
        setupRequest(request) {
          const slug = pick(slugs);
          request.path = `/${slug}${Math.random() < 0.2 ? "?utm_medium=social&ref=bench" : ""}`;
          request.headers = {
            ...(hostHeader ? { host: hostHeader } : {}),
            "user-agent": pick(userAgents),
            "x-real-ip": randomIp(),
            "x-vercel-ip-country": pick(countries),
            "accept-language": pick(["en-US,en;q=0.9", "de-DE,de;q=0.8", "fr-FR", "es-ES,es;q=0.7"]),
          };
          return request;
        },
      },
    ],
  };
}

function run(options) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

function redirectsIn(result) {
  return Object.entries(result.statusCodeStats ?? {}).reduce((sum, [code, { count }]) => sum + (code.startsWith("3") ? count : 0), 0);
}

/** Fills the host's cache with every hot slug, warms up, then RUNS measured runs. */
async function load(name, options, pid, slugs) {
  let sent = 0;
  if (slugs) {
    log(`${name}: filling the cache with ${slugs.length} links`);
    let index = 0;
    const untimed = { ...options };
    delete untimed.duration; // `amount` instead: every hot slug exactly once
    const fill = await run({ ...untimed, amount: slugs.length, requests: [{ setupRequest: (request) => ({ ...options.requests[0].setupRequest(request), path: `/${slugs[index++ % slugs.length]}` }) }] });
    sent += redirectsIn(fill);
  }
  log(`${name}: warm-up ${WARMUP}s`);
  const warm = await run({ ...options, duration: WARMUP });
  sent += redirectsIn(warm);
  const results = [];
  const cpuBefore = pid ? cpuMs(pid) : NaN;
  const machineBefore = machineBusyMs();
  for (let i = 0; i < RUNS; i++) {
    log(`${name}: run ${i + 1}/${RUNS} (${DURATION}s, ${CONNECTIONS} connections)`);
    const result = await run(options);
    sent += redirectsIn(result);
    results.push(result);
  }
  const cpuUsed = (pid ? cpuMs(pid) : NaN) - cpuBefore;
  const machineUsed = machineBusyMs() - machineBefore;
  const mean = (f) => results.reduce((sum, r) => sum + f(r), 0) / results.length;
  const answered = results.reduce((sum, r) => sum + r.requests.total, 0);
  return {
    name,
    rps: mean((r) => r.requests.average),
    p50: mean((r) => r.latency.p50),
    p99: mean((r) => r.latency.p99),
    errors: results.reduce((sum, r) => sum + r.errors + r.timeouts + (r.non2xx - redirectsIn(r)), 0),
    rssMb: pid ? rssMb(pid) : NaN,
    // The host process's own CPU per answered request in the timed runs: its cost whatever the
    // other processes on the machine (load generator, origin, worker, databases) take.
    cpuUsPerRequest: (cpuUsed * 1000) / answered,
    // Every process's CPU per answered request: the host, the load generator (this process), and
    // whatever the host's clicks cost downstream while it ran (origin ingest, worker, Postgres, Redis).
    machineUsPerRequest: (machineUsed * 1000) / answered,
    redirectsSent: sent,
  };
}

async function clicksStored(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return Number((await client.query("select count(*)::bigint as n from click")).rows[0].n);
  } finally {
    await client.end();
  }
}

async function waitForClicks(databaseUrl, expected, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let stored = await clicksStored(databaseUrl);
  while (stored < expected && Date.now() < deadline) {
    await sleep(250);
    stored = await clicksStored(databaseUrl);
  }
  return stored;
}

// ---- the hosts ------------------------------------------------------------------------------------

const ceilingScript = `require("node:http").createServer((q, s) => { s.writeHead(302, { location: "https://example.com/" }); s.end(); }).listen(Number(process.env.PORT), "127.0.0.1");`;

/** A bare Next 16 app whose middleware only redirects: what Next itself costs. */
function writeBaselineApp(dir) {
  // Inside the repository (tmp/, git-ignored) so Turbopack finds Next in Signpost's node_modules;
  // its own package.json and an empty instrumentation keep Signpost's start-up out of it.
  mkdirSync(path.join(dir, "app"), { recursive: true });
  writeFileSync(path.join(dir, "package.json"), `{ "private": true, "name": "next-baseline" }\n`);
  writeFileSync(path.join(dir, "instrumentation.ts"), "export function register() {}\n");
  writeFileSync(path.join(dir, "middleware.ts"), `import { NextResponse, type NextRequest } from "next/server";\nexport function middleware(_request: NextRequest) {\n  return NextResponse.redirect("https://example.com/", 302);\n}\nexport const config = { matcher: ["/((?!_next/).*)"] };\n`);
  writeFileSync(path.join(dir, "app", "layout.tsx"), `export default function Layout({ children }: { children: React.ReactNode }) { return <html><body>{children}</body></html>; }\n`);
  writeFileSync(path.join(dir, "app", "page.tsx"), `export default function Page() { return null; }\n`);
  writeFileSync(path.join(dir, "next.config.mjs"), `export default { typescript: { ignoreBuildErrors: true } };\n`);
}

async function main() {
  const report = { hosts: [], missPath: [], coldStart: {} };
  const dbName = `signpost_bench_${Date.now().toString(36)}`;
  await admin(`create database "${dbName}"`);
  const databaseUrl = withDatabase(process.env.DATABASE_URL, dbName);
  const children = [];
  const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
  try {
    log("building Signpost and the redirector's and worker's bundle (if the sources changed)");
    ensureBuild({ quiet: true });
    await ensureNodeBuild({ quiet: true });
    const baselineDir = path.join(root, "tmp", "bench-next-baseline");
    writeBaselineApp(baselineDir);
    log("building the do-nothing Next baseline");
    await new Promise((resolve, reject) => {
      const build = spawn(process.execPath, [nextBin, "build"], { cwd: baselineDir, env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" }, stdio: "ignore" });
      build.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`baseline build failed (${code})`))));
    });

    const [ceilingPort, baselinePort, originPort, redirectorPort, directPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    // With --next-worker, next start's clicks go onto a stream of their own that a separate worker stores.
    const nextPrefix = `bench-next-${dbName}:`;
    const nextClickEnv = NEXT_WORKER ? { CLICK_CONSUMERS: "0", REDIS_KEY_PREFIX: nextPrefix } : {};
    const hostEnv = { SIGNPOST_SECRET: SECRET, SHORT_DOMAINS: SHORT_HOST, GEO_HEADERS: "vercel", TRUSTED_IP_HEADER: "x-real-ip" };

    const ceiling = await spawnUntil("ceiling", process.execPath, ["-e", ceilingScript], { PORT: String(ceilingPort) }, root, async () => (await fetch(`http://127.0.0.1:${ceilingPort}/`, { redirect: "manual" })).status === 302);
    children.push(ceiling.child);
    const baseline = await spawnUntil("next baseline", process.execPath, [nextBin, "start", "-p", String(baselinePort)], {}, baselineDir, async () => (await fetch(`http://127.0.0.1:${baselinePort}/x`, { redirect: "manual" })).status === 302);
    children.push(baseline.child);
    const origin = await spawnUntil(
      "signpost (next start)",
      process.execPath,
      [...PROFILE, nextBin, "start", "-p", String(originPort)],
      // EDGE_CLICK_DELAY_MS as `npm start` sets it for a long-lived process (scripts/start.mjs).
      { ...hostEnv, DATABASE_URL: databaseUrl, APP_URL: `http://127.0.0.1:${originPort}`, EDGE_CLICK_DELAY_MS: "100", ...nextClickEnv },
      root,
      async () => (await fetch(`http://127.0.0.1:${originPort}/api/v1/setup`)).status === 200,
    );
    children.push(origin.child);
    if (NEXT_WORKER) {
      const nextWorker = await spawnUntil(
        "next start's click worker",
        process.execPath,
        [...PROFILE, "scripts/worker.mjs"],
        { DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: "10", ...nextClickEnv, APP_URL: `http://127.0.0.1:${originPort}`, SIGNPOST_SECRET: SECRET, LOG_LEVEL: "info" },
        root,
        async (output) => output().includes('"msg":"worker ready"'),
      );
      children.push(nextWorker.child);
    }
    const originUrl = `http://127.0.0.1:${originPort}`;

    const setup = await (
      await fetch(`${originUrl}/api/v1/setup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Bench", email: "bench@example.com", password: "bench password 123", workspace: "Bench" }),
      })
    ).json();
    const auth = { authorization: `Bearer ${setup.apiKey.key}`, "content-type": "application/json" };
    log(`seeding ${LINKS} links`);
    for (let start = 0; start < LINKS; start += 1000) {
      const links = Array.from({ length: Math.min(1000, LINKS - start) }, (_, i) => seedBody(start + i));
      const response = await fetch(`${originUrl}/api/v1/links/bulk`, { method: "POST", headers: auth, body: JSON.stringify({ links }) });
      if (response.status !== 201) throw new Error(`seeding failed: ${response.status} ${await response.text()}`);
    }
    // Slugs split: a hot set (2,000 links, filled into each host's cache before it is measured:
    // the hot path is what a busy link platform serves) and the rest, kept cold for the miss path.
    const hot = Array.from({ length: Math.min(2000, Math.floor(LINKS / 2)) }, (_, i) => `b${i}`);
    const cold = Array.from({ length: LINKS - hot.length }, (_, i) => `b${hot.length + i}`);
    // The cold slugs in thirds: each host's miss path sees links no process has looked up yet.
    const coldThird = Math.floor(cold.length / 3);
    const coldSlice = (i) => cold.slice(i * coldThird, (i + 1) * coldThird);

    const redirector = await spawnUntil(
      "signpost redirector",
      process.execPath,
      [...PROFILE, "scripts/start-redirector.mjs"],
      // DATABASE_URL emptied: this one is the origin-protocol redirector.
      { ...hostEnv, ORIGIN_URL: originUrl, REDIRECTOR_PORT: String(redirectorPort), DATABASE_URL: "" },
      root,
      async () => (await statusWithHost(`http://127.0.0.1:${redirectorPort}/b0`, SHORT_HOST)) === 302,
    );
    children.push(redirector.child);
    report.coldStart = { ceiling: ceiling.coldStartMs, "next baseline": baseline.coldStartMs, "signpost next start": origin.coldStartMs, "signpost redirector": redirector.coldStartMs };

    // Cache-miss path: each cold slug requested once per host (every request a miss).
    const missRun = async (name, url, slugs) => {
      let index = 0;
      const result = await run({
        url,
        connections: CONNECTIONS,
        amount: slugs.length,
        requests: [{ setupRequest: (request) => ({ ...request, path: `/${slugs[index++ % slugs.length]}`, headers: { host: SHORT_HOST, "user-agent": browsers[0] } }) }],
      });
      return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, redirects: redirectsIn(result) };
    };

    const results = [];
    results.push(await load("raw node:http 302 (ceiling)", trafficTo(`http://127.0.0.1:${ceilingPort}`, { slugs: hot }), ceiling.child.pid));
    results.push(await load("next: do-nothing middleware 302", trafficTo(`http://127.0.0.1:${baselinePort}`, { slugs: hot }), baseline.child.pid));

    let before = await clicksStored(databaseUrl);
    const redirectorLoad = await load("signpost redirector", trafficTo(`http://127.0.0.1:${redirectorPort}`, { slugs: hot, hostHeader: SHORT_HOST }), redirector.child.pid, hot);
    const redirectorMiss = await missRun("signpost redirector (cache miss)", `http://127.0.0.1:${redirectorPort}`, coldSlice(0));
    const redirectorSent = redirectorLoad.redirectsSent + redirectorMiss.redirects;
    // Graceful shutdown flushes the redirector's click buffer.
    await stop(redirector.child);
    let stored = (await waitForClicks(databaseUrl, before + redirectorSent)) - before;
    results.push({ ...redirectorLoad, redirectsSent: redirectorSent, clicksStored: stored });
    report.missPath.push(redirectorMiss);

    before = await clicksStored(databaseUrl);
    const nextLoad = await load("signpost next start (middleware)", trafficTo(`http://127.0.0.1:${originPort}`, { slugs: hot, hostHeader: SHORT_HOST }), origin.child.pid, hot);
    const nextMiss = await missRun("signpost next start (cache miss)", `http://127.0.0.1:${originPort}`, coldSlice(1));
    const nextSent = nextLoad.redirectsSent + nextMiss.redirects;
    stored = (await waitForClicks(databaseUrl, before + nextSent)) - before;
    results.push({ ...nextLoad, redirectsSent: nextSent, clicksStored: stored });
    report.missPath.push(nextMiss);

    // Direct mode: the origin takes no part (ORIGIN_URL is a closed port). With Redis, a click
    // stream of its own (a fresh key prefix) that only the worker below consumes.
    const withRedis = Boolean(process.env.REDIS_URL);
    const directPrefix = `bench-${dbName}:`;
    const directEnv = { DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: "10", REDIS_URL: withRedis ? process.env.REDIS_URL : "", REDIS_KEY_PREFIX: directPrefix };
    let worker;
    if (withRedis) {
      worker = await spawnUntil(
        "click worker",
        process.execPath,
        [...PROFILE, "scripts/worker.mjs"],
        // Its readiness is its "worker ready" info line: at info level whatever LOG_LEVEL the hosts get.
        { ...directEnv, APP_URL: originUrl, SIGNPOST_SECRET: SECRET, LOG_LEVEL: "info" },
        root,
        async (output) => output().includes('"msg":"worker ready"'),
      );
      children.push(worker.child);
    }
    const directName = `signpost redirector (direct${withRedis ? ", redis stream + worker" : ", postgres"})`;
    const direct = await spawnUntil(
      directName,
      process.execPath,
      [...PROFILE, "scripts/start-redirector.mjs"],
      { ...hostEnv, ...directEnv, ORIGIN_URL: `http://127.0.0.1:${await freePort()}`, REDIRECTOR_PORT: String(directPort) },
      root,
      async () => (await statusWithHost(`http://127.0.0.1:${directPort}/b0`, SHORT_HOST)) === 302,
    );
    children.push(direct.child);
    report.coldStart[directName] = direct.coldStartMs;
    before = await clicksStored(databaseUrl);
    const directLoad = await load(directName, trafficTo(`http://127.0.0.1:${directPort}`, { slugs: hot, hostHeader: SHORT_HOST }), direct.child.pid, hot);
    const directMiss = await missRun(`${directName} (cache miss)`, `http://127.0.0.1:${directPort}`, coldSlice(2));
    const directSent = directLoad.redirectsSent + directMiss.redirects;
    await stop(direct.child);
    // The worker may still be draining the stream's backlog.
    stored = (await waitForClicks(databaseUrl, before + directSent, 300_000)) - before;
    results.push({ ...directLoad, redirectsSent: directSent, clicksStored: stored });
    report.missPath.push(directMiss);
    if (withRedis) {
      const redis = new Redis(process.env.REDIS_URL);
      await redis.del(`${directPrefix}clicks`, `${directPrefix}clicks:dead`, `${nextPrefix}clicks`, `${nextPrefix}clicks:dead`).catch(() => {});
      redis.disconnect();
    }
    report.hosts = results;
  } finally {
    for (const child of children.reverse()) await stop(child);
    await admin(`drop database if exists "${dbName}" with (force)`).catch(() => {});
  }
  return report;
}

const report = await main();
const [ceiling, baseline, redirector, nextHost, directHost] = report.hosts;
const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "—");
const rows = report.hosts.map((h) => [
  h.name,
  fmt(h.rps),
  fmt(h.p50, 1),
  fmt(h.p99, 1),
  fmt(h.rssMb),
  fmt(h.cpuUsPerRequest),
  fmt(h.machineUsPerRequest),
  fmt(h.rps / ceiling.rps, 3),
  h.clicksStored === undefined ? "—" : `${h.redirectsSent} / ${h.clicksStored}`,
]);
const header = ["host", "req/s", "p50 ms", "p99 ms", "RSS MB", "CPU µs/req", "machine µs/req", "× ceiling", "redirects / clicks stored"];
const widths = header.map((title, i) => Math.max(title.length, ...rows.map((r) => String(r[i]).length)));
const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join("  ");
console.log(`\nbench:redirect — ${CONNECTIONS} connections, ${WARMUP}s warm-up + ${RUNS} × ${DURATION}s, ${LINKS} links, ${userAgents.length} user agents (${bots.length} bots)${NEXT_WORKER ? "; next start with CLICK_CONSUMERS=0, its clicks stored by a separate worker" : ""}\n`);
console.log(line(header));
console.log(line(widths.map((w) => "-".repeat(w))));
for (const row of rows) console.log(line(row));
console.log("\nCPU µs/req: the host process's own CPU time per answered request in the timed runs. machine µs/req: every process's (the host, this load generator, and what the host's clicks cost downstream: origin ingest, worker, Postgres, Redis) per request. A host's req/s is bounded by the machine's cores ÷ machine µs/req.");
console.log("\ncache-miss path (each request a different, never-seen link):");
for (const m of report.missPath) console.log(`  ${m.name}: ${fmt(m.rps)} req/s, p50 ${fmt(m.p50, 1)} ms, p99 ${fmt(m.p99, 1)} ms`);
console.log("\ncold start (spawn → first answer):");
for (const [name, ms] of Object.entries(report.coldStart)) console.log(`  ${name}: ${fmt(ms)} ms`);

const checks = [
  [`redirector ≥ 0.3 × ceiling (${fmt(redirector.rps / ceiling.rps, 3)})`, redirector.rps >= 0.3 * ceiling.rps],
  [`redirector p99 ≤ 15 ms (${fmt(redirector.p99, 1)})`, redirector.p99 <= 15],
  [`next path ≥ 0.85 × do-nothing Next middleware (${fmt(nextHost.rps / baseline.rps, 3)})`, nextHost.rps >= 0.85 * baseline.rps],
  [`no click lost on the redirector (${redirector.redirectsSent} sent, ${redirector.clicksStored} stored)`, redirector.clicksStored >= redirector.redirectsSent],
  [`no click lost on next start (${nextHost.redirectsSent} sent, ${nextHost.clicksStored} stored)`, nextHost.clicksStored >= nextHost.redirectsSent],
  [`no click lost on the direct-mode redirector (${directHost.redirectsSent} sent, ${directHost.clicksStored} stored)`, directHost.clicksStored >= directHost.redirectsSent],
];
console.log("\nclicks stored may exceed redirects counted by up to 50 per load phase: requests still in flight when a timed run stops are answered (and recorded) but not counted by autocannon.");
console.log("\ngoals:");
for (const [label, ok] of checks) console.log(`  ${ok ? "✔" : "✘"} ${label}`);
if (args.json) {
  const config = { connections: CONNECTIONS, warmupSeconds: WARMUP, runs: RUNS, durationSeconds: DURATION, links: LINKS, userAgents: userAgents.length, bots: bots.length, redis: Boolean(process.env.REDIS_URL), nextWorker: NEXT_WORKER };
  writeFileSync(args.json, JSON.stringify({ bench: "redirect", config, ...report, checks: checks.map(([label, ok]) => ({ label, ok })) }, null, 2));
}
const lost = checks.slice(3).some(([, ok]) => !ok);
if (lost) {
  console.error("\nclicks were lost: failing the run");
  process.exit(1);
}
