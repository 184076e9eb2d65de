// `npm run bench` — every benchmark in one run, written up as docs/benchmarks.md with SVG charts in
// docs/benchmarks/ (and the raw figures in docs/benchmarks/results.json):
//
//   redirect    scripts/bench-redirect.mjs   hosts under load vs a raw node:http ceiling and a do-nothing Next middleware
//   ingest      scripts/bench-ingest.ts      clicks landed in Postgres with rollups vs the store called in-process
//   timing      scripts/bench-timing.ts      where the time goes: Server-Timing stages of redirects and API routes
//   analytics   scripts/bench-analytics.mjs  the dashboard's queries vs the 100 ms goal and a `select 1`
//
// Each runs as its own process with `--json`, printing what it prints on its own; this script
// records the machine, load averages and timings around them and writes the report.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379 npm run bench
//   npm run bench -- --quick                      reduced sizes (a few minutes; the report says "quick run")
//   npm run bench -- --analytics-clicks 10000000  the issue's analytics size (adds ~20 min on 2 cores: seed ~17 min, queries ~8)
//   npm run bench -- --only redirect,timing       a subset (the report covers what ran)
//   npm run bench -- --out /tmp/benchmarks.md     elsewhere (charts go to a `benchmarks/` folder beside it)
//
// Exit status: 0 when the report was written and no benchmark lost a click or crashed; 1
// otherwise. Goals that are not met are reported as FAIL in the report, not as an exit status.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { describeMachine } from "./lib/machine.mjs";
import { fmt, markdownTable, passFail, ratio, rttModel } from "./lib/report.mjs";
import { barChartSvg } from "./lib/svg-chart.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    "analytics-clicks": { type: "string" },
    only: { type: "string", default: "redirect,ingest,timing,analytics" },
    out: { type: "string", default: path.join(root, "docs", "benchmarks.md") },
    "report-only": { type: "string" },
  },
});

if (!args["report-only"] && !process.env.DATABASE_URL) {
  console.error(
    "npm run bench needs DATABASE_URL (a Postgres server where the benchmarks create and drop their own databases), and REDIS_URL for the Redis modes, e.g.\n" +
      "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379 npm run bench",
  );
  process.exit(2);
}

// ---- sizes ----------------------------------------------------------------------------------------

const SIZES = args.quick
  ? {
      redirect: { links: 2000, connections: 50, warmup: 1, runs: 1, duration: 3 },
      ingest: { clicks: 10_000, links: 500, batch: 100, concurrency: 8, workers: 2 },
      timing: { requests: 100, warmup: 10, clicks: 5_000 },
      analytics: { clicks: 200_000, links: 2000, days: 90, warmup: 2, runs: 20 },
    }
  : {
      redirect: { links: 10_000, connections: 50, warmup: 3, runs: 3, duration: 10 },
      ingest: { clicks: 100_000, links: 2000, batch: 100, concurrency: 8, workers: 2 },
      timing: { requests: 300, warmup: 20, clicks: 20_000 },
      analytics: { clicks: 2_000_000, links: 2000, days: 90, warmup: 3, runs: 20 },
    };
if (args["analytics-clicks"]) {
  SIZES.analytics.clicks = Number(args["analytics-clicks"]);
  if (!Number.isInteger(SIZES.analytics.clicks) || SIZES.analytics.clicks < 1000) {
    console.error("--analytics-clicks must be a whole number ≥ 1000");
    process.exit(2);
  }
}

const TSX = ["--conditions=react-server", "--import", "tsx"];
const BENCHES = {
  redirect: { script: ["scripts/bench-redirect.mjs"], flags: (s) => ["--links", s.links, "--connections", s.connections, "--warmup", s.warmup, "--runs", s.runs, "--duration", s.duration] },
  ingest: { script: [...TSX, "scripts/bench-ingest.ts"], flags: (s) => ["--clicks", s.clicks, "--links", s.links, "--batch", s.batch, "--concurrency", s.concurrency, "--workers", s.workers] },
  timing: { script: [...TSX, "scripts/bench-timing.ts"], flags: (s) => ["--requests", s.requests, "--warmup", s.warmup, "--clicks", s.clicks] },
  analytics: { script: ["scripts/bench-analytics.mjs"], flags: (s) => ["--clicks", s.clicks, "--links", s.links, "--days", s.days, "--warmup", s.warmup, "--runs", s.runs] },
};
const selected = args.only.split(",").map((s) => s.trim()).filter(Boolean);
for (const name of selected) {
  if (!BENCHES[name]) {
    console.error(`unknown benchmark "${name}" (choose from ${Object.keys(BENCHES).join(", ")})`);
    process.exit(2);
  }
}
const order = Object.keys(BENCHES).filter((name) => selected.includes(name));

// ---- run ------------------------------------------------------------------------------------------

const loadavg = () => os.loadavg().map((n) => Number(n.toFixed(2)));
// One folder per run: the benchmarks' own JSON, read back for the report (git-ignored).
const jsonDir = path.join(root, "tmp", "bench", `run-${Date.now().toString(36)}`);

function runBench(name) {
  const bench = BENCHES[name];
  mkdirSync(jsonDir, { recursive: true });
  const jsonFile = path.join(jsonDir, `${name}.json`);
  const argv = [...bench.script, ...bench.flags(SIZES[name]).map(String), "--json", jsonFile];
  console.error(`\n━━ npm run bench: ${name} — node ${argv.join(" ")}`);
  const loadBefore = loadavg();
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { cwd: root, stdio: "inherit", env: process.env });
    child.on("exit", (code, signal) => {
      const seconds = (performance.now() - started) / 1000;
      const result = existsSync(jsonFile) ? JSON.parse(readFileSync(jsonFile, "utf8")) : null;
      resolve({ name, exitCode: code ?? (signal ? `signal ${signal}` : null), seconds, loadBefore, loadAfter: loadavg(), result });
    });
  });
}

/** Runs the selected benchmarks: everything the report is written from (also saved as results.json). */
async function runAll() {
  const startedAt = new Date();
  const loadBefore = loadavg();
  const machine = await describeMachine({ databaseUrl: process.env.DATABASE_URL, redisUrl: process.env.REDIS_URL, root });
  const phases = [];
  for (const name of order) phases.push(await runBench(name));
  return {
    generatedAt: startedAt.toISOString(),
    quick: args.quick,
    sizes: SIZES,
    order,
    machine,
    loadBefore,
    loadAfter: loadavg(),
    totalSeconds: (Date.now() - startedAt.getTime()) / 1000,
    phases: phases.map(({ result, ...p }) => ({ ...p, ok: result !== null })),
    results: Object.fromEntries(phases.map((p) => [p.name, p.result])),
  };
}

// `--report-only <results.json>`: rewrite the report from a previous run's figures, running nothing.
const run = args["report-only"] ? JSON.parse(readFileSync(args["report-only"], "utf8")) : await runAll();
const { machine, loadBefore, loadAfter, totalSeconds, results, order: ran, quick: QUICK, sizes: SZ } = run;
const startedAt = new Date(run.generatedAt);
const phases = run.phases;

// ---- report ---------------------------------------------------------------------------------------

const outFile = path.resolve(args.out);
const chartDir = path.join(path.dirname(outFile), "benchmarks");
const chartLink = (file) => path.relative(path.dirname(outFile), path.join(chartDir, file)).split(path.sep).join("/");
mkdirSync(chartDir, { recursive: true });
const goals = []; // [area, goal, measured, ok]
const md = [];
const busyThreshold = 0.5 * machine.cpuCount;

md.push("# Benchmarks");
md.push("");
if (QUICK) {
  md.push(
    "> **Quick run** (`npm run bench -- --quick`): reduced sizes, for checking that the report works — **not** the figures to quote. Regenerate with `npm run bench` on a quiet machine.",
  );
  md.push("");
}
md.push(
  `Generated by \`npm run bench${QUICK ? " -- --quick" : ""}\` on ${startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC${machine.commit ? ` at commit ${machine.commit}` : ""}; the whole run took ${fmt(totalSeconds / 60, 1)} min. Every figure below was measured in this one run on this one machine, beside its baseline from the same run. How to run it and what each part does: [docs/observability.md](observability.md#benchmark-report).`,
);
md.push("");

// Machine
md.push("## Machine");
md.push("");
const pgInfo = machine.postgres.error ? `unreachable (${machine.postgres.error})` : `${machine.postgres.version} (shared_buffers ${machine.postgres.shared_buffers}, jit ${machine.postgres.jit}, max_connections ${machine.postgres.max_connections})`;
const redisInfo = machine.redis === null ? "not configured (REDIS_URL unset: the Redis modes were skipped)" : machine.redis.error ? `unreachable (${machine.redis.error})` : machine.redis.version;
md.push(
  markdownTable(
    ["", ""],
    [
      ["CPU", `${machine.cpuModel} × ${machine.cpuCount}`],
      ["Memory", `${fmt(machine.memoryGiB, 1)} GiB`],
      ["OS / kernel", `${machine.os}; ${machine.kernel} (${machine.arch})`],
      ["Node", machine.node],
      ["Postgres server", pgInfo],
      ["Redis server", redisInfo],
      ["Load average (1 / 5 / 15 min) before", loadBefore.join(" / ")],
      ["Load average (1 / 5 / 15 min) after", loadAfter.join(" / ")],
    ],
    ["l", "l"],
  ),
);
md.push("");
const busyBefore = loadBefore[0] > busyThreshold;
md.push(
  busyBefore
    ? `**The machine was busy:** the 1-minute load average was ${loadBefore[0]} on ${machine.cpuCount} cores before the run started (other work was running), so every figure is lower — and every latency higher — than this machine gives when idle. Compare ratios within this run rather than absolute figures across runs.`
    : `The machine was quiet before the run (1-minute load ${loadBefore[0]} on ${machine.cpuCount} cores). Load *during* and *after* a phase is mostly the benchmark itself (and the Postgres and Redis servers working for it).`,
);
md.push("");
md.push(
  markdownTable(
    ["phase", "wall time", "load before (1 / 5 / 15)", "load after", "exit"],
    phases.map((p) => [p.name, `${fmt(p.seconds / 60, 1)} min`, p.loadBefore.join(" / "), p.loadAfter.join(" / "), String(p.exitCode)]),
    ["l", "r", "r", "r", "r"],
  ),
);
md.push("");
md.push("Exit status 1 means: bench:analytics — a query missed its goal; bench:redirect and bench:ingest — a click was lost or the run failed. A phase without results says so in its section.");
md.push("");

// Sizes
md.push("## Sizes used");
md.push("");
const sizeText = {
  redirect: (s) => `${fmt(s.links)} links (some with rules, variants, forwardQuery), ${s.connections} connections, ${s.warmup} s warm-up + ${s.runs} × ${s.duration} s per host`,
  ingest: (s) => `${fmt(s.clicks)} clicks per mode on ${fmt(s.links)} links, batches of ${s.batch}, ${s.concurrency} in flight, ${s.workers} workers (Redis mode)`,
  timing: (s) => `${s.requests} sequential requests per row after ${s.warmup} warm-up, ${fmt(s.clicks)} clicks over 30 days for the analytics routes`,
  analytics: (s) => `${fmt(s.clicks)} clicks, ${fmt(s.links)} links (Zipf), ${s.days} days, ${s.warmup} warm-up + ${s.runs} timed runs per query`,
};
md.push(markdownTable(["benchmark", "size"], ran.map((name) => [name, sizeText[name](SZ[name])]), ["l", "l"]));
md.push("");
if (!QUICK && SZ.analytics.clicks < 10_000_000 && ran.includes("analytics")) {
  md.push(`The issue's analytics size is 10 million clicks (\`npm run bench -- --analytics-clicks 10000000\`; on 2 cores its seed alone takes ~17 min and its timed queries ~8 more, so the default here is ${fmt(SZ.analytics.clicks)} to keep the whole run well inside 30 minutes).`);
  md.push("");
}

const missing = (name) => {
  const phase = phases.find((p) => p.name === name);
  md.push(`_${name} did not produce results (exit ${phase.exitCode}); see its console output._`);
  md.push("");
};

// Redirect
if (ran.includes("redirect")) {
  md.push("## Redirects (`bench:redirect`)");
  md.push("");
  const r = results.redirect;
  if (!r) missing("redirect");
  else {
    const [ceiling, nextBaseline] = r.hosts;
    writeFileSync(
      path.join(chartDir, "redirect.svg"),
      barChartSvg({
        title: `Redirect throughput and latency per host (${r.config.connections} connections${QUICK ? ", quick run" : ""})`,
        panels: [
          { title: "Throughput", unit: "req/s", categories: r.hosts.map((h) => h.name), series: [{ name: "req/s", values: r.hosts.map((h) => h.rps) }] },
          { title: "Latency under load", unit: "ms", categories: r.hosts.map((h) => h.name), series: [{ name: "p50", values: r.hosts.map((h) => h.p50) }, { name: "p99", values: r.hosts.map((h) => h.p99) }], goal: { value: 15, label: "redirector p99 goal 15 ms" } },
        ],
      }),
    );
    md.push(`![Redirect throughput and latency per host](${chartLink("redirect.svg")})`);
    md.push("");
    md.push(
      `Each host measured in turn, ${r.config.connections} connections, realistic traffic (${r.config.userAgents} user agents including ${r.config.bots} bots, many IPs and countries); hot links filled into each host's cache first. **Baselines:** a raw \`node:http\` 302 server (the ceiling: what Node's HTTP stack alone does here) and a do-nothing Next middleware that only redirects (what Next itself costs).`,
    );
    md.push("");
    md.push(
      markdownTable(
        ["host", "req/s", "× ceiling", "× do-nothing Next", "p50 ms", "p99 ms", "RSS MB", "host CPU µs/req", "machine CPU µs/req", "redirects sent / clicks stored"],
        r.hosts.map((h) => [
          h.name,
          fmt(h.rps),
          ratio(h.rps, ceiling.rps, 3),
          h.name.startsWith("next") || h.name.includes("next start") ? ratio(h.rps, nextBaseline.rps, 3) : "",
          fmt(h.p50, 1),
          fmt(h.p99, 1),
          fmt(h.rssMb),
          fmt(h.cpuUsPerRequest),
          fmt(h.machineUsPerRequest),
          h.clicksStored === undefined ? "—" : `${fmt(h.redirectsSent)} / ${fmt(h.clicksStored)}`,
        ]),
      ),
    );
    md.push("");
    md.push("Clicks stored may exceed redirects counted by up to the connection count per load phase: requests in flight when a timed run stops are answered (and recorded) but not counted by the load tool.");
    md.push("");
    md.push(`**Where the CPU goes.** *Host CPU* is the host process's own CPU time per answered request in the timed runs (from /proc): its cost, whatever else runs. *Machine CPU* is every process's per request: the host, the load generator, and what the host's clicks cost downstream while it ran (origin ingest, worker, Postgres, Redis). With every process on one ${os.cpus().length}-core machine, a host cannot answer more than cores ÷ machine CPU per second; a redirector whose clicks are stored elsewhere (its worker, Postgres and load on other machines) is bounded by its own host CPU instead.`);
    md.push("");
    md.push("Cache-miss path (each request a different, never-seen link; the hit figures above are the baseline):");
    md.push("");
    // missPath runs in host order: the redirector, next start, the direct-mode redirector (hosts 2–4).
    const hitFor = (index) => r.hosts[2 + index];
    md.push(
      markdownTable(
        ["path", "req/s", "× same host on hits", "p50 ms", "p99 ms"],
        r.missPath.map((m, i) => [m.name, fmt(m.rps), ratio(m.rps, hitFor(i)?.rps, 3), fmt(m.p50, 1), fmt(m.p99, 1)]),
      ),
    );
    md.push("");
    md.push("Cold start (spawn → first answer):");
    md.push("");
    md.push(markdownTable(["process", "ms", "× ceiling's"], Object.entries(r.coldStart).map(([name, ms]) => [name, fmt(ms), ratio(ms, r.coldStart.ceiling, 1)])));
    md.push("");
    for (const check of r.checks) goals.push(["redirect", check.label, check.ok]);
  }
}

// Ingest
if (ran.includes("ingest")) {
  md.push("## Click ingest (`bench:ingest`)");
  md.push("");
  const r = results.ingest;
  if (!r) missing("ingest");
  else {
    const baseline = r.results[0];
    writeFileSync(
      path.join(chartDir, "ingest.svg"),
      barChartSvg({
        title: `Click ingest: clicks per second (${fmt(r.config.clicks)} clicks per mode${QUICK ? ", quick run" : ""})`,
        panels: [
          {
            title: "Accepted by the endpoint vs landed in Postgres with rollups",
            unit: "clicks/s",
            categories: r.results.map((x) => x.mode),
            series: [{ name: "landed/s", values: r.results.map((x) => x.landedPerSecond) }, { name: "accepted/s", values: r.results.map((x) => x.acceptedPerSecond) }],
            goal: { value: r.goal.clicksPerSecond, label: `goal ${fmt(r.goal.clicksPerSecond)}/s landed (Redis)` },
          },
        ],
      }),
    );
    md.push(`![Click ingest throughput](${chartLink("ingest.svg")})`);
    md.push("");
    md.push(
      `Edge-sized signed batches measured until the clicks are **in Postgres with counters and rollups** (not merely accepted). **Baseline:** the click store (\`recordClicks\`) called in-process, no HTTP, no queue — what the database itself takes. Any lost click or a counter / rollup disagreeing with the events fails the benchmark.`,
    );
    md.push("");
    md.push(
      markdownTable(
        ["mode", "events sent", "stored", "accepted/s", "landed/s", "× baseline", "endpoint p50 ms", "endpoint p99 ms"],
        r.results.map((x, i) => [x.mode, fmt(x.sent), fmt(x.stored), fmt(x.acceptedPerSecond), fmt(x.landedPerSecond), ratio(x.landedPerSecond, baseline.landedPerSecond), i === 0 ? "—" : fmt(x.p50, 1), i === 0 ? "—" : fmt(x.p99, 1)]),
      ),
    );
    md.push("");
    const metered = r.results.filter((x) => x.cpuPerClick);
    if (metered.length > 0) {
      md.push(
        "**Where the CPU goes**, per landed click (µs, from /proc, while each mode ran): every process shares this machine's cores, so the total bounds what can land per second (cores ÷ total). In the baseline the store runs in the load generator's process.",
      );
      md.push("");
      md.push(
        markdownTable(
          ["mode", "load generator", "endpoint", "workers", "Postgres", "Redis", "total"],
          metered.map(({ mode, cpuPerClick: c }) => [mode, fmt(c.loadGenerator), fmt(c.endpoint), fmt(c.workers), fmt(c.postgres), fmt(c.redis), fmt(c.total)]),
        ),
      );
      md.push("");
    }
    if (!r.config.redis) md.push("The Redis mode was skipped: REDIS_URL was not set.\n");
    goals.push(["ingest", `≥ ${fmt(r.goal.clicksPerSecond)} clicks/s landed with Redis (${r.goal.landedPerSecond === null ? "not run" : fmt(r.goal.landedPerSecond)})`, r.goal.pass]);
    goals.push(["ingest", `no click lost (${r.results.map((x) => `${fmt(x.sent)} → ${fmt(x.stored)}`).join(", ")})`, r.results.every((x) => x.stored === x.sent)]);
  }
}

// Analytics
if (ran.includes("analytics")) {
  md.push("## Analytics queries (`bench:analytics`)");
  md.push("");
  const r = results.analytics;
  if (!r) missing("analytics");
  else {
    const baseline = r.results.find((x) => x.name.startsWith("(baseline)"));
    const queries = r.results.filter((x) => x !== baseline);
    writeFileSync(
      path.join(chartDir, "analytics.svg"),
      barChartSvg({
        title: `Dashboard queries over ${fmt(r.config.clicks)} clicks${QUICK ? " (quick run)" : ""}`,
        panels: [{ title: "Latency per query", unit: "ms", categories: r.results.map((x) => x.name), series: [{ name: "p50", values: r.results.map((x) => x.p50) }, { name: "p95", values: r.results.map((x) => x.p95) }], goal: { value: r.config.goalMs, label: `goal p95 ≤ ${r.config.goalMs} ms` } }],
      }),
    );
    md.push(`![Dashboard query latency](${chartLink("analytics.svg")})`);
    md.push("");
    md.push(
      `${fmt(r.config.clicks)} clicks on ${fmt(r.config.links)} links over ${r.config.days} days, seeded server-side in ${fmt(r.seed.seconds, 0)} s (${fmt(r.seed.hourRows)} hourly + ${fmt(r.seed.dayRows)} daily rollup rows, ${fmt(r.seed.visitorRows)} visitor rows, ${r.seed.size}); Postgres ${r.server.version}, shared_buffers ${r.server.sharedBuffers}, jit ${r.server.jit}. Each query through \`src/server/analytics\` (what the routes call), ${r.config.warmup} warm-up + ${r.config.runs} timed runs. **Baseline:** \`select 1\` through the same pool, timed the same way — the floor any query pays (${fmt(baseline?.p50, 2)} ms p50, ${fmt(baseline?.p95, 2)} ms p95). Rows marked (info) have no goal.`,
    );
    md.push("");
    md.push(
      markdownTable(
        ["query", "p50 ms", "p95 ms", "max ms", "p95 × select 1", "p95 ÷ goal", `goal p95 ≤ ${r.config.goalMs} ms`],
        r.results.map((x) => [x.name, fmt(x.p50, 1), fmt(x.p95, 1), fmt(x.max, 1), x === baseline ? "1×" : ratio(x.p95, baseline?.p95, 0), x === baseline ? "—" : ratio(x.p95, r.config.goalMs), x.goal ? passFail(x.p95 <= r.config.goalMs) : "—"]),
      ),
    );
    md.push("");
    for (const q of queries.filter((x) => x.goal)) goals.push(["analytics", `${q.name}: p95 ≤ ${r.config.goalMs} ms (${fmt(q.p95, 1)})`, q.p95 <= r.config.goalMs]);
  }
}

// Where the time goes
let model = null;
if (ran.includes("timing")) {
  md.push("## Where the time goes");
  md.push("");
  const r = results.timing;
  if (!r) missing("timing");
  else {
    const scenarios = r.scenarios;
    const stageNames = [];
    for (const s of scenarios) for (const stage of s.stages) if (!stageNames.includes(stage.name)) stageNames.push(stage.name);
    md.push(
      `Per-stage latency from the responses' \`Server-Timing\` headers (every stage a response named; none is hard-coded here), p50 / p95 in ms over ${r.config.requests} sequential requests per column on 127.0.0.1 after ${r.config.warmup} warm-up, one keep-alive connection, no other benchmark traffic at the same time. "total (client)" is the wall time the client saw. Server-Timing durations come with 0.1 ms resolution, so a stage shown as 0.00 took under 0.05 ms. Edge stages: \`cache\` (the link lookup — on a miss it includes the round trip to the origin and the origin's database query), \`facts\`, \`decide\`, \`origin\` (gates), \`edge\` (the whole edge app); API routes: \`app\` (the route handler) and, where the route reports them, \`db\` and \`queue\`. ${fmt(r.config.links)} links; the analytics routes read ${fmt(r.config.clicks)} clicks spread over 30 days (small: the analytics benchmark above has the queries at scale). Origin lookups and clicks take the Postgres-only path (no Redis).`,
    );
    md.push("");
    // The chart: what the client waited, what the server's outermost stage took (`edge` for the edge
    // app, `app` for a route handler), and the part spent reaching data (`cache` on the edge: on a
    // miss, the origin lookup; `db` on API routes that report it).
    const p50 = (s, name) => s.stages.find((x) => x.name === name)?.p50 ?? null;
    writeFileSync(
      path.join(chartDir, "timing.svg"),
      barChartSvg({
        title: `Where the time goes: p50 of ${r.config.requests} sequential requests on 127.0.0.1${QUICK ? " (quick run)" : ""}`,
        panels: [
          {
            title: "Edge redirects and API routes",
            unit: "ms",
            categories: scenarios.map((s) => s.name),
            series: [
              { name: "total (client)", values: scenarios.map((s) => s.total.p50) },
              { name: "server: edge / app", values: scenarios.map((s) => p50(s, s.kind === "edge" ? "edge" : "app")) },
              { name: "reaching data: cache lookup / db", values: scenarios.map((s) => p50(s, s.kind === "edge" ? "cache" : "db")) },
            ],
          },
        ],
      }),
    );
    md.push(`![Where the time goes](${chartLink("timing.svg")})`);
    md.push("");
    const cell = (s, name) => {
      const stage = name === "total (client)" ? s.total : s.stages.find((x) => x.name === name);
      return stage ? `${fmt(stage.p50, 2)} / ${fmt(stage.p95, 2)}` : "";
    };
    md.push(markdownTable(["stage", ...scenarios.map((s) => s.name)], [...stageNames, "total (client)"].map((name) => [name, ...scenarios.map((s) => cell(s, name))])));
    md.push("");
    md.push(
      `Responses: ${scenarios.map((s) => `${s.name} — ${Object.entries(s.statuses).map(([k, v]) => `${k} ×${v}`).join(", ")}${Object.keys(s.cache).length ? ` (cache ${Object.entries(s.cache).map(([k, v]) => `${k} ×${v}`).join(", ")})` : ""}`).join("; ")}.`,
    );
    md.push("");
    const find = (key) => scenarios.find((s) => s.key === key);
    const hit = find("redirector-hit");
    const miss = find("redirector-miss");
    const apiLinks = find("api-links");
    const apiAnalytics = find("api-analytics");
    if (hit && miss && apiLinks) {
      const stageP50 = (s, name) => s.stages.find((x) => x.name === name)?.p50;
      const compute = (stageP50(miss, "facts") ?? 0) + (stageP50(miss, "decide") ?? 0);
      const dbNote = (s) => (stageP50(s, "db") !== undefined ? `, of which \`db\` ${fmt(stageP50(s, "db"), 2)} ms` : "");
      md.push(
        `**The seed's point, with our numbers:** a cache-hit redirect spends ${fmt(stageP50(hit, "edge"), 2)} ms (p50) in the edge app; the same redirect on a cache miss spends ${fmt(stageP50(miss, "edge"), 2)} ms, ${fmt(stageP50(miss, "cache"), 2)} ms of it in the lookup that crosses to the origin and its database — ${ratio(miss.total.p50, hit.total.p50, 0)} the hit's client-seen time, on loopback with the database next door. The database-bound API route (links list) spends ${fmt(stageP50(apiLinks, "app"), 2)} ms in its handler${dbNote(apiLinks)}${apiAnalytics ? `; the 30-day analytics totals ${fmt(stageP50(apiAnalytics, "app"), 2)} ms${dbNote(apiAnalytics)}` : ""}. The function's own work (\`facts\` + \`decide\`: ${fmt(compute, 2)} ms) is ${fmt((100 * compute) / stageP50(miss, "edge"), 0)}% of the miss's edge time: what decides latency is whether a request has to reach the database, and how far away it is.`,
      );
      md.push("");
      model = { hitMs: hit.total.p50, missMs: miss.total.p50, apiMs: apiLinks.total.p50, analyticsMs: apiAnalytics?.total.p50 };
    }
  }
}

// Far from the database region
if (model) {
  const USER_EDGE_RTT = 10;
  const REGION_RTTS = [10, 80, 150];
  const PAGE_CALLS = 5;
  md.push("## When the user is far from the database region");
  md.push("");
  md.push(
    `**Measured here** (p50 client-seen times on 127.0.0.1, from the table above): cache-hit redirect ${fmt(model.hitMs, 2)} ms, cache-miss redirect ${fmt(model.missMs, 2)} ms (its origin lookup and database query included), one API call (links list) ${fmt(model.apiMs, 2)} ms. **Modelled** (assumed, not measured): the user is ${USER_EDGE_RTT} ms round trip from the nearest edge, and the database's region is the first column's round trip away from both the user and that edge. A cache hit makes **no** round trip to the region; a cache miss makes **one** (the lookup); an API call from the user makes one to the region; a page that makes ${PAGE_CALLS} API calls one after another makes ${PAGE_CALLS}. Connection set-up (TCP + TLS: 1–2 more round trips on a new connection) is left out, so these are lower bounds.`,
  );
  md.push("");
  const rows = rttModel({ measured: model, userEdgeRttMs: USER_EDGE_RTT, regionRttsMs: REGION_RTTS, pageCalls: PAGE_CALLS });
  md.push(
    markdownTable(
      ["region RTT (modelled)", "redirect, cache hit", "redirect, cache miss", "1 API call", `page: ${PAGE_CALLS} sequential API calls`, `same page rendered beside the database`],
      rows.map((row) => [`${row.regionRttMs} ms`, `${fmt(row.hitMs, 1)} ms`, `${fmt(row.missMs, 1)} ms`, `${fmt(row.apiMs, 1)} ms`, `${fmt(row.pageMs, 1)} ms`, `${fmt(row.pageNearDataMs, 1)} ms`]),
    ),
  );
  md.push("");
  md.push(
    `Formulas: hit = user↔edge + measured hit; miss = user↔edge + region RTT + measured miss; API call = region RTT + measured call; page = ${PAGE_CALLS} × (region RTT + measured call); beside the database = region RTT + ${PAGE_CALLS} × measured call (one request to code in the database's region, which makes the calls there). What changes with distance is the number of round trips, not the function's runtime: a cache hit costs the same for a user 150 ms from the database as for one next to it; every miss, and every sequential API call, pays the full distance. Keep the link cache hit ratio high (\`signpost_edge_cache_lookups_total{result}\`), and put work that needs several queries next to the database.`,
  );
  md.push("");
}

// Goals
md.push("## Goals");
md.push("");
md.push(goals.length ? markdownTable(["area", "goal (measured)", "result"], goals.map(([area, label, ok]) => [area, label, passFail(ok)]), ["l", "l", "l"]) : "_No goals evaluated._");
md.push("");

writeFileSync(outFile, md.join("\n"));
if (!args["report-only"]) writeFileSync(path.join(chartDir, "results.json"), JSON.stringify(run, null, 2) + "\n");
console.error(`\nnpm run bench: wrote ${path.relative(root, outFile)} and ${path.relative(root, chartDir)}/${args["report-only"] ? "" : ` in ${fmt(totalSeconds / 60, 1)} min`}`);

const crashed = phases.filter((p) => !p.ok).map((p) => p.name);
const lost = goals.filter(([, label, ok]) => /lost/.test(label) && ok === false);
if (crashed.length > 0) console.error(`benchmarks without results: ${crashed.join(", ")}`);
if (lost.length > 0) console.error(`clicks lost: ${lost.map(([area, label]) => `${area}: ${label}`).join("; ")}`);
process.exit(crashed.length > 0 || lost.length > 0 ? 1 : 0);
