// `npm run bench:analytics` — the analytics API's dashboard queries on a realistic volume: 10
// million clicks over 90 days on ~2,000 links of one workspace (Zipf-skewed), a few hundred
// countries and referrers, 10% bots. Needs DATABASE_URL (a Postgres server; the bench makes its own
// database `signpost_bench_analytics`, dropped and recreated, and drops it at the end unless --keep).
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:analytics [-- --clicks 10000000 --runs 20 --keep]
//
// 1. Migrates the database with the app's own openDatabase().
// 2. Seeds the raw `click` rows server-side, with INSERT … SELECT over generate_series() (no rows
//    cross the wire), in chunks on two connections. The click, rollup and visitor tables are made
//    UNLOGGED and stripped of their indexes and foreign keys for the load, then get every index and
//    key back exactly as migrated (foreign keys NOT VALID: the rows are ours). Reads from an
//    unlogged table cost the same as from a logged one.
// 3. Builds click_rollup_hour, click_rollup_day and click_visitor_hour from the raw rows with
//    set-based INSERT … SELECT … GROUP BY, following recordClicks' rules (src/server/clicks/rollups.ts):
//    counted humans and all bots, dimension "all" value "" plus every known CLICK_DIMENSIONS value
//    (no row when unknown, regions "US-CA", rule/variant as their index), UTC hour and day buckets, one visitor
//    row per link × hour × visitor × is_bot × variant (-1 when none). Then the workspace-wide tables
//    the same way (and with the statements of migrations 0010 and 0011's backfills): rollups summed over
//    links, the daily visitor sets (every visitor; people only, each with the UTC hours of its first
//    and last click) and their counts, whole and by those hours. Then
//    VACUUM/ANALYZE, and checks that every table adds up to counts taken from the raw rows.
// 4. Times the dashboard's queries through src/server/analytics (the functions the routes call),
//    each --runs times after --warmup, and prints p50/p95/max against the goal p95 ≤ 100 ms, beside
//    a `select 1` through the same pool, timed the same way (the floor any query pays).
//
// `--json <file>` also writes the figures as JSON (for `npm run bench`); the console output is the same.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { admin, withDatabase } from "./lib/bench.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

if (!process.env.DATABASE_URL) {
  console.error(
    "bench:analytics needs DATABASE_URL: a Postgres server where it may create (and drop) the database signpost_bench_analytics, e.g.\n" +
      "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:analytics\n" +
      "The embedded database (PGlite) is not what a 10-million-click workspace would run on, so it is not benchmarked.",
  );
  process.exit(2);
}

// The analytics modules are TypeScript marked `import "server-only"`: run this file again under tsx
// with the react-server condition (which resolves that marker to an empty module), as Next does.
if (!process.env.BENCH_ANALYTICS_CHILD) {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    cwd: root,
    env: { ...process.env, BENCH_ANALYTICS_CHILD: "1" },
    stdio: "inherit",
  });
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await main();
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      clicks: { type: "string", default: "10000000" },
      links: { type: "string", default: "2000" },
      days: { type: "string", default: "90" },
      runs: { type: "string", default: "20" },
      warmup: { type: "string", default: "3" },
      keep: { type: "boolean", default: false },
      json: { type: "string" },
    },
  });
  const CLICKS = Number(args.clicks);
  const LINKS = Number(args.links);
  const DAYS = Number(args.days);
  const RUNS = Math.max(20, Number(args.runs));
  const WARMUP = Number(args.warmup);
  const DB_NAME = "signpost_bench_analytics";
  const WORKSPACE = "org_bench_analytics";
  const GOAL_MS = 100;
  const DAY_MS = 86_400_000;
  // Data covers the DAYS days before today's UTC midnight; the dashboard looks at the last 30.
  const END = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const START = END - DAYS * DAY_MS;

  const log = (...parts) => console.error("·", ...parts);
  const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
  const databaseUrl = withDatabase(process.env.DATABASE_URL, DB_NAME);

  /** Two loader connections with generous memory for hash aggregates and index builds. */
  async function loaders() {
    const clients = [];
    for (let i = 0; i < 2; i++) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query("set work_mem = '512MB'; set maintenance_work_mem = '1GB'; set synchronous_commit = off; set timezone = 'UTC'");
      clients.push(client);
    }
    return clients;
  }

  /** Runs `statements` on the loader connections, two at a time. */
  async function runAll(clients, statements) {
    const queue = [...statements];
    await Promise.all(
      clients.map(async (client) => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) await client.query(next);
      }),
    );
  }

  const { openDatabase } = await import(path.join(root, "src/server/db/client.ts"));
  const analytics = await import(path.join(root, "src/server/analytics/queries.ts"));
  const { countLinkUniques } = await import(path.join(root, "src/server/clicks/daily-rollups.ts"));

  log(`recreating database ${DB_NAME}`);
  await admin(`drop database if exists "${DB_NAME}" with (force)`);
  await admin(`create database "${DB_NAME}"`);
  let database;
  try {
    const migrateStarted = performance.now();
    database = await openDatabase({ databaseUrl, dataDir: "unused", poolMax: 4 });
    log(`migrated in ${seconds(performance.now() - migrateStarted)}`);
    const seedStarted = performance.now();
    const clients = await loaders();
    const [one] = clients;

    // ---- Workspace, links, tags ---------------------------------------------------------------
    const link = (rank) => `lnk_bench_${String(rank).padStart(5, "0")}`;
    const AB_RANK = 3;
    await one.query(`insert into organization (id, name, slug) values ($1, 'Bench', 'bench')`, [WORKSPACE]);
    await one.query(
      `insert into link (id, workspace_id, domain, key, url, variants, rules)
       select 'lnk_bench_' || lpad(r::text, 5, '0'), $1, case when r % 5 = 4 then 'go.bench' else 'sgn.bench' end, 'k' || r, 'https://dest.example/' || r,
              case when r = $2 then '[{"url":"https://dest.example/a","weight":50},{"url":"https://dest.example/b","weight":50}]'::jsonb else '[]'::jsonb end,
              case when r % 10 = 1 then '[{"name":"de","conditions":[{"type":"country","in":["DE"]}],"url":"https://dest.example/de"}]'::jsonb else '[]'::jsonb end
       from generate_series(0, $3 - 1) r`,
      [WORKSPACE, AB_RANK, LINKS],
    );
    await one.query(`insert into tag (id, workspace_id, name) select 'tag_bench_' || t, $1, 'tag ' || t from generate_series(0, 9) t`, [WORKSPACE]);
    await one.query(`insert into link_tag (link_id, tag_id) select 'lnk_bench_' || lpad(r::text, 5, '0'), 'tag_bench_' || (r % 10) from generate_series(0, $1 - 1) r`, [LINKS]);

    // ---- Strip the click tables for the load ----------------------------------------------------
    const TABLES = [
      "click",
      "click_rollup_hour",
      "click_rollup_day",
      "click_visitor_hour",
      "click_workspace_rollup_hour",
      "click_workspace_rollup_day",
      "click_visitor_day",
      "click_uniques_day",
      "click_uniques_span",
    ];
    const { rows: constraints } = await one.query(
      `select conrelid::regclass::text as tbl, conname, contype, pg_get_constraintdef(oid) as def from pg_constraint
       where conrelid = any($1::regclass[]) and contype in ('p', 'f', 'u') order by contype desc`,
      [TABLES],
    );
    const { rows: indexes } = await one.query(
      `select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def from pg_index i
       where i.indrelid = any($1::regclass[]) and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)`,
      [TABLES],
    );
    for (const c of constraints.filter((c) => c.contype === "f")) await one.query(`alter table ${c.tbl} drop constraint "${c.conname}"`);
    for (const c of constraints.filter((c) => c.contype !== "f")) await one.query(`alter table ${c.tbl} drop constraint "${c.conname}"`);
    for (const index of indexes) await one.query(`drop index ${index.name}`);
    for (const table of TABLES) await one.query(`alter table ${table} set unlogged`);

    // ---- Raw clicks, generated server-side ---------------------------------------------------------
    // zipf(n): 0..n-1 with P(k) ∝ 1/(k+1), by inverting the continuous approximation.
    const zipf = (n) => `(floor(exp(random() * ln(${n} + 1))) - 1)::int`;
    const pickOf = (values) => `(array[${values.map((v) => `'${v}'`).join(",")}])[1 + floor(random() * ${values.length})::int]`;
    const CHUNK = 500_000;
    const chunks = [];
    for (let from = 0; from < CLICKS; from += CHUNK) {
      const n = Math.min(CHUNK, CLICKS - from);
      chunks.push(`
        insert into click (id, link_id, workspace_id, clicked_at, url, is_bot, country, region, city, device, os, browser, language, visitor_id, reason, rule_index, variant_index, user_agent, referrer, received_at)
        select gen_random_uuid(), 'lnk_bench_' || lpad(s.rank::text, 5, '0'), '${WORKSPACE}', s.at, 'https://dest.example/', s.bot,
          s.country, case when s.country is not null and s.r_region < 0.7 then 'R' || floor(s.r_region * 10)::int end, s.city, s.device, s.os, s.browser, s.language,
          case when s.r_visitor < 0.9 then md5(to_char(s.at, 'YYYYMMDD') || ':' || s.bot || ':' || floor(s.r_visitor * case when s.bot then 2000 else 60000 end)::int) end,
          s.reason,
          case when s.reason = 'rule' then 0 end,
          case when s.reason = 'variant' then floor(s.r_variant * 2)::int end,
          null, s.referrer, s.at
        from (
          select r.*,
            case
              when r.bot then case when r.r_reason < 0.6 then 'bot_redirect' else null end
              when r.r_reason < 0.03 then 'expired_url'
              when r.r_reason < 0.06 then 'password_required'
              when r.r_reason < 0.10 then null
              when r.rank = ${AB_RANK} then 'variant'
              when r.rank % 10 = 1 and r.r_reason < 0.40 then 'rule'
              else 'destination'
            end as reason,
            -- 250 two-letter codes, a few unknown.
            case when r.r_country >= 0.03 then chr(65 + r.k_country / 26) || chr(65 + r.k_country % 26) end as country
          from (
            select
              ${zipf(LINKS)} as rank,
              to_timestamp(${START / 1000} + random() * ${(END - START) / 1000}) as at,
              random() < 0.1 as bot,
              random() as r_reason, random() as r_variant, random() as r_region, random() as r_visitor,
              random() as r_country, ${zipf(250)} as k_country,
              case when random() < 0.1 then null else 'City ' || ${zipf(3000)} end as city,
              case when random() < 0.55 then 'mobile' when random() < 0.9 then 'desktop' else 'tablet' end as device,
              ${pickOf(["iOS", "Android", "Windows", "macOS", "Linux", "ChromeOS"])} as os,
              ${pickOf(["Chrome", "Safari", "Firefox", "Edge", "Samsung Internet", "Opera", "Mobile Safari", "Chrome WebView"])} as browser,
              'lang-' || ${zipf(40)} as language,
              case when random() < 0.3 then null else 'https://ref' || ${zipf(300)} || '.example/' end as referrer
            from generate_series(1, ${n}) g
          ) r
        ) s`);
    }
    let started = performance.now();
    await runAll(clients, chunks);
    const rawMs = performance.now() - started;
    log(`raw clicks: ${CLICKS.toLocaleString("en")} in ${seconds(rawMs)}`);

    // ---- Rollups and visitors from the raw rows (ingest's rules) -------------------------------------
    const ROLLED = `(is_bot or reason is null or reason in ('destination', 'rule', 'variant'))`;
    const VALUES = {
      all: `''`,
      country: `coalesce(country, '')`,
      region: `case when region is null or region = '' then '' when country is not null and country <> '' then country || '-' || region else region end`,
      city: `coalesce(city, '')`,
      device: `coalesce(device, '')`,
      os: `coalesce(os, '')`,
      browser: `coalesce(browser, '')`,
      referrer: `coalesce(referrer, '')`,
      language: `coalesce(language, '')`,
      rule: `coalesce(rule_index::text, '')`,
      variant: `coalesce(variant_index::text, '')`,
    };
    /** One rollup table from the raw rows: every dimension's statement, spread over the loaders. */
    const rollup = async (table, unit) => {
      const began = performance.now();
      await runAll(
        clients,
        Object.entries(VALUES).map(
          ([dimension, value]) => `
          insert into ${table} (workspace_id, link_id, bucket, dimension, value, is_bot, clicks)
          select workspace_id, link_id, date_trunc('${unit}', clicked_at, 'UTC'), '${dimension}', ${value}, is_bot, count(*)
          from click where ${ROLLED}${dimension === "all" ? "" : ` and ${value} <> ''`}
          group by workspace_id, link_id, 3, 5, is_bot`,
        ),
      );
      const ms = performance.now() - began;
      log(`${table} in ${seconds(ms)}`);
      return ms;
    };
    const hourMs = await rollup("click_rollup_hour", "hour");
    const dayMs = await rollup("click_rollup_day", "day");
    started = performance.now();
    // Split by is_bot so both loader connections work.
    await runAll(
      clients,
      [false, true].map(
        (bot) => `
        insert into click_visitor_hour (workspace_id, link_id, bucket, visitor_id, is_bot, variant_index)
        select distinct workspace_id, link_id, date_trunc('hour', clicked_at, 'UTC'), visitor_id, is_bot, coalesce(variant_index, -1)
        from click where visitor_id is not null and is_bot = ${bot} and ${ROLLED}`,
      ),
    );
    const visitorMs = performance.now() - started;
    log(`click_visitor_hour in ${seconds(visitorMs)}`);

    // Workspace-wide tables: what recordClicks adds per batch, summed here over the per-link tables.
    started = performance.now();
    const UTC_DAY = `date_trunc('day', bucket at time zone 'UTC') at time zone 'UTC'`;
    await runAll(
      clients,
      ["hour", "day"].map(
        (unit) => `
        insert into click_workspace_rollup_${unit} (workspace_id, dimension, bucket, value, is_bot, clicks)
        select workspace_id, dimension, bucket, value, is_bot, sum(clicks) from click_rollup_${unit} group by 1, 2, 3, 4, 5`,
      ),
    );
    await runAll(
      clients,
      [true, false].map(
        (withBots) => `
        insert into click_visitor_day (workspace_id, day, with_bots, visitor_id, first_hour, last_hour)
        select workspace_id, ${UTC_DAY}, ${withBots}, visitor_id, min(extract(hour from bucket at time zone 'UTC')), max(extract(hour from bucket at time zone 'UTC'))
        from click_visitor_hour${withBots ? "" : " where not is_bot"} group by 1, 2, 4`,
      ),
    );
    await runAll(clients, [
      `insert into click_uniques_day (workspace_id, day, with_bots, visitors) select workspace_id, day, with_bots, count(*) from click_visitor_day group by 1, 2, 3`,
      `insert into click_uniques_span (workspace_id, day, with_bots, first_hour, last_hour, visitors) select workspace_id, day, with_bots, first_hour, last_hour, count(*) from click_visitor_day group by 1, 2, 3, 4, 5`,
    ]);
    const workspaceMs = performance.now() - started;
    log(`workspace rollups and daily uniques in ${seconds(workspaceMs)}`);
    // The daily rollups and each link's unique counts hold every seeded day, as after the
    // compaction job's run at midnight (its own code counts the links' visitors).
    started = performance.now();
    await countLinkUniques(database.db, START, END);
    await one.query(`update click_rollup_progress set days_before = $1`, [new Date(END).toISOString()]);
    const linkUniquesMs = performance.now() - started;
    log(`click_link_uniques_span in ${seconds(linkUniquesMs)}`);

    // ---- Indexes and keys back, statistics, visibility map -------------------------------------------
    started = performance.now();
    await runAll(clients, [
      ...constraints.filter((c) => c.contype !== "f").map((c) => `alter table ${c.tbl} add constraint "${c.conname}" ${c.def}`),
      ...indexes.map((index) => index.def),
    ]);
    for (const c of constraints.filter((c) => c.contype === "f")) await one.query(`alter table ${c.tbl} add constraint "${c.conname}" ${c.def} not valid`);
    // VACUUM sets the visibility maps, as autovacuum does on a live instance (migration 0011 has it
    // visit these tables every 20,000 / 100,000 inserts), so the visitor table's (link, bucket,
    // visitor…) key and the daily rollup's link index (which INCLUDEs the counts) serve index-only
    // scans. The hourly rollups are read through the heap anyway: statistics are all they need.
    await runAll(clients, [
      "vacuum (analyze) click_visitor_hour",
      "vacuum (analyze) click_rollup_day",
      ...["click_workspace_rollup_hour", "click_workspace_rollup_day", "click_visitor_day", "click_uniques_day", "click_uniques_span", "click_link_uniques_span"].map((table) => `vacuum (analyze) ${table}`),
      ...["click", "click_rollup_hour", "link", "link_tag", "tag"].map((table) => `analyze ${table}`),
    ]);
    const indexMs = performance.now() - started;
    log(`indexes, keys and VACUUM/ANALYZE in ${seconds(indexMs)}`);

    // Sanity: the rollups hold exactly the rolled-up raw clicks, per dimension.
    const { rows: checks } = await one.query(`
      select (select count(*) from click where ${ROLLED})::bigint as rolled,
             (select count(*) from click)::bigint as raw,
             (select sum(clicks) from click_rollup_hour where dimension = 'all')::bigint as hour_all,
             (select max(s) from (select sum(clicks) s from click_rollup_hour group by dimension) x)::bigint as hour_max,
             (select sum(clicks) from click_rollup_day where dimension = 'all')::bigint as day_all,
             (select sum(clicks) from click_workspace_rollup_hour where dimension = 'all')::bigint as ws_hour_all,
             (select max(s) from (select sum(clicks) s from click_workspace_rollup_day group by dimension) x)::bigint as ws_day_max,
             (select count(*) from click where ${ROLLED} and country is not null and country <> '')::bigint as rolled_country,
             (select sum(clicks) from click_rollup_hour where dimension = 'country')::bigint as hour_country,
             (select sum(clicks) from click_workspace_rollup_day where dimension = 'country')::bigint as ws_day_country,
             (select count(*) from (select distinct visitor_id, (clicked_at at time zone 'UTC')::date from click where visitor_id is not null and not is_bot and ${ROLLED}) v)::bigint as people_days,
             (select sum(visitors) from click_uniques_day where not with_bots)::bigint as people_counted,
             (select sum(visitors) from click_uniques_span where not with_bots)::bigint as people_spanned,
             (select count(*) from (select distinct link_id, visitor_id, (clicked_at at time zone 'UTC')::date from click where visitor_id is not null and not is_bot and ${ROLLED}) v)::bigint as link_people_days,
             (select sum(visitors) from click_link_uniques_span where not with_bots and variant = -1)::bigint as link_people_spanned,
             (select count(*) from click_workspace_rollup_hour)::bigint as ws_hour_rows,
             (select count(*) from click_workspace_rollup_day)::bigint as ws_day_rows,
             (select count(*) from click_rollup_hour)::bigint as hour_rows,
             (select count(*) from click_rollup_day)::bigint as day_rows,
             (select count(*) from click_visitor_hour)::bigint as visitor_rows,
             pg_size_pretty(pg_database_size(current_database())) as size`);
    const c = checks[0];
    // Every table's total is the rolled-up clicks, and no dimension adds up to more (unknown values
    // have no rows); a dimension's known values add up to the clicks that have one.
    const addsUp = [c.hour_all, c.hour_max, c.day_all, c.ws_hour_all, c.ws_day_max].every((n) => n === c.rolled) && c.hour_country === c.rolled_country && c.ws_day_country === c.rolled_country && c.people_days === c.people_counted && c.people_days === c.people_spanned && c.link_people_days === c.link_people_spanned;
    if (!(addsUp && Number(c.raw) === CLICKS)) {
      throw new Error(`rollups do not add up: ${JSON.stringify(c)}`);
    }
    for (const client of clients) await client.end();
    const seedMs = performance.now() - seedStarted;
    log(`seeded in ${seconds(seedMs)}: ${Number(c.raw).toLocaleString("en")} clicks (${Number(c.rolled).toLocaleString("en")} rolled up), ${Number(c.hour_rows).toLocaleString("en")} hourly / ${Number(c.day_rows).toLocaleString("en")} daily rollup rows, ${Number(c.visitor_rows).toLocaleString("en")} visitor rows, ${Number(c.ws_hour_rows).toLocaleString("en")} / ${Number(c.ws_day_rows).toLocaleString("en")} workspace rollup rows, ${c.size}`);

    // ---- The dashboard's queries -----------------------------------------------------------------------
    const ctx = { db: database.db, workspaceId: WORKSPACE, now: END };
    const last30 = { start: new Date(END - 30 * DAY_MS).toISOString(), end: new Date(END).toISOString(), timezone: "UTC", interval: "day", includeBots: false };
    const { rows: typical } = await database.query(
      `select link_id, count(*) as n from click_rollup_day where dimension = 'all' and bucket >= $1 group by link_id order by n desc offset 99 limit 1`,
      [last30.start],
    );
    const QUERIES = [
      ["(baseline) select 1", () => database.query("select 1"), false],
      ["30-day series · busiest link (#1)", () => analytics.analyticsTimeseries(ctx, { ...last30, linkId: link(0) }), true],
      ["30-day series · busiest link, America/New_York", () => analytics.analyticsTimeseries(ctx, { ...last30, timezone: "America/New_York", linkId: link(0) }), true],
      ["30-day series · link #100", () => analytics.analyticsTimeseries(ctx, { ...last30, linkId: typical[0].link_id }), true],
      ["30-day series · workspace", () => analytics.analyticsTimeseries(ctx, last30), true],
      ["30-day series · workspace, America/New_York", () => analytics.analyticsTimeseries(ctx, { ...last30, timezone: "America/New_York" }), true],
      ["30-day totals · workspace", () => analytics.analyticsTotals(ctx, last30), true],
      ["top 10 countries · workspace", () => analytics.analyticsTop(ctx, { ...last30, dimension: "country", limit: 10 }), true],
      ["top 10 devices · workspace", () => analytics.analyticsTop(ctx, { ...last30, dimension: "device", limit: 10 }), true],
      ["top 10 referrers · workspace", () => analytics.analyticsTop(ctx, { ...last30, dimension: "referrer", limit: 10 }), true],
      ["A/B results · link #4", () => analytics.analyticsVariants(ctx, { ...last30, linkId: link(AB_RANK) }), true],
      ["30-day series · tag (200 links)", () => analytics.analyticsTimeseries(ctx, { ...last30, tagId: "tag_bench_3" }), true],
      ["(info) 30-day series · workspace, Asia/Kolkata", () => analytics.analyticsTimeseries(ctx, { ...last30, timezone: "Asia/Kolkata" }), false],
      ["(info) 7-day hourly series · workspace", () => analytics.analyticsTimeseries(ctx, { ...last30, start: new Date(END - 7 * DAY_MS).toISOString(), interval: "hour" }), false],
    ];
    const results = [];
    for (const [name, run, goal] of QUERIES) {
      for (let i = 0; i < WARMUP; i++) await run();
      const times = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        await run();
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const at = (q) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)];
      results.push({ name, p50: at(0.5), p95: at(0.95), max: times.at(-1), goal });
      log(`${name}: p95 ${at(0.95).toFixed(1)} ms`);
    }

    const fmt = (n) => n.toFixed(1);
    const header = ["query", "p50 ms", "p95 ms", "max ms", `p95 ≤ ${GOAL_MS} ms`];
    const rows = results.map((r) => [r.name, fmt(r.p50), fmt(r.p95), fmt(r.max), r.goal ? (r.p95 <= GOAL_MS ? "PASS" : "FAIL") : "—"]);
    const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => String(row[i]).length)));
    const line = (cells) => cells.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join("  ");
    const { rows: settings } = await database.query("select current_setting('server_version') as version, current_setting('shared_buffers') as buffers, current_setting('jit') as jit");
    console.log(
      `\nbench:analytics — ${CLICKS.toLocaleString("en")} clicks, ${LINKS.toLocaleString("en")} links (Zipf), ${DAYS} days, 10% bots; Postgres ${settings[0].version} (shared_buffers ${settings[0].buffers}, jit ${settings[0].jit}); ${WARMUP} warm-up + ${RUNS} timed runs per query`,
    );
    console.log(
      `seed: ${seconds(seedMs)} (raw ${seconds(rawMs)}, hourly rollup ${seconds(hourMs)}, daily ${seconds(dayMs)}, visitors ${seconds(visitorMs)}, workspace tables ${seconds(workspaceMs)}, link uniques ${seconds(linkUniquesMs)}, indexes + VACUUM/ANALYZE ${seconds(indexMs)}); ${Number(c.hour_rows).toLocaleString("en")} hourly + ${Number(c.day_rows).toLocaleString("en")} daily rollup rows, ${Number(c.visitor_rows).toLocaleString("en")} visitor rows, ${Number(c.ws_hour_rows).toLocaleString("en")} + ${Number(c.ws_day_rows).toLocaleString("en")} workspace rollup rows, ${c.size}\n`,
    );
    console.log(line(header));
    console.log(line(widths.map((w) => "-".repeat(w))));
    for (const row of rows) console.log(line(row));
    const failed = results.filter((r) => r.goal && r.p95 > GOAL_MS);
    console.log(`\ngoal p95 ≤ ${GOAL_MS} ms: ${failed.length === 0 ? "PASS" : `FAIL (${failed.map((r) => r.name).join("; ")})`}`);
    if (args.json) {
      const config = { clicks: CLICKS, links: LINKS, days: DAYS, runs: RUNS, warmup: WARMUP, goalMs: GOAL_MS };
      const seed = { seconds: seedMs / 1000, rawSeconds: rawMs / 1000, hourSeconds: hourMs / 1000, daySeconds: dayMs / 1000, visitorSeconds: visitorMs / 1000, workspaceSeconds: workspaceMs / 1000, linkUniquesSeconds: linkUniquesMs / 1000, indexSeconds: indexMs / 1000, hourRows: Number(c.hour_rows), dayRows: Number(c.day_rows), visitorRows: Number(c.visitor_rows), size: c.size };
      const server = { version: settings[0].version, sharedBuffers: settings[0].buffers, jit: settings[0].jit };
      writeFileSync(args.json, JSON.stringify({ bench: "analytics", config, seed, server, results }, null, 2));
    }
    process.exitCode = failed.length === 0 ? 0 : 1;
  } finally {
    await database?.close();
    if (!args.keep) await admin(`drop database if exists "${DB_NAME}" with (force)`).catch(() => {});
    else log(`kept database ${DB_NAME}`);
  }
}
