/**
 * The standalone redirector in direct mode (DATABASE_URL; docs/decisions/0015): links, gates and
 * clicks in Postgres (clicks on the Redis click stream when REDIS_URL is set) through the origin's
 * server code, with its ORIGIN_URL pointing at a closed port so the origin provably takes no part.
 * The app runs beside it only to create links through the API and to publish link changes.
 *
 * Needs DATABASE_URL (Postgres: direct mode refuses anything else); the Redis variant runs when
 * REDIS_URL is set, with the app's own stream consumers off (CLICK_CONSUMERS=0) so clicks wait on
 * the stream until a `npm run worker` process (src/worker/main.ts) stores them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { BROWSER_UA, TEST_SECRET, freePort, startApp, type RunningApp } from "../support/app-server";
import { locationWithin, metricValue, REDIS_URL, running, sleep, spawnRedirector, startRedirector, waitForListening, waitForSubscribed, type Redirector } from "../support/redirector";
import { clonePostgres, withDatabase } from "../support/templates";

const DATABASE_URL = process.env.DATABASE_URL;
const root = fileURLToPath(new URL("../..", import.meta.url));

type Variant = "postgres" | "postgres + redis";
const variants: Variant[] = REDIS_URL ? ["postgres", "postgres + redis"] : ["postgres"];

/** The click counters each redirector process logged when it stopped, summed. */
function clickStats(output: string) {
  const total = { processes: 0, buffered: 0, dropped: 0, sent: 0 };
  for (const line of output.split("\n").filter((l) => l.includes('"msg":"redirector stopped"'))) {
    const { clicks } = JSON.parse(line) as { clicks: { buffered: number; dropped: number; sent: number } };
    total.processes += 1;
    total.buffered += clicks.buffered;
    total.dropped += clicks.dropped;
    total.sent += clicks.sent;
  }
  return total;
}

interface Worker {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** `npm run worker` (as scripts/worker.mjs runs it): stores clicks from the stream into Postgres. */
async function startWorker(env: Record<string, string>): Promise<Worker> {
  const child = spawn(process.execPath, [path.join("scripts", "worker.mjs")], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!output.includes('"msg":"worker ready"')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`worker did not start:\n${output}`);
    await sleep(50);
  }
  return { child, output: () => output, exited };
}

describe.skipIf(!DATABASE_URL)("standalone redirector, direct mode (needs DATABASE_URL: Postgres)", () => {
  describe.each(variants)("on %s", (variant) => {
    const redis = variant === "postgres + redis";
    let app: RunningApp;
    let apiKey: string;
    let port: number;
    let host: string;
    /** Nothing listens there: any origin call would fail (and show as a 503). */
    let deadOrigin: string;
    let db: pg.Pool;
    let streamRedis: Redis | undefined;
    let worker: Worker | undefined;

    beforeAll(async () => {
      port = await freePort();
      host = `localhost:${port}`;
      deadOrigin = `http://127.0.0.1:${await freePort()}`;
      app = await startApp("postgres", { SHORT_DOMAINS: host, ...(redis ? { REDIS_URL: REDIS_URL!, CLICK_CONSUMERS: "0" } : {}) });
      db = new pg.Pool({ connectionString: app.env.DATABASE_URL, max: 2 });
      if (redis) streamRedis = new Redis(REDIS_URL!);
      const setup = await fetch(`${app.url}/api/v1/setup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Direct", email: "direct@example.com", password: "a long enough password", workspace: "Direct" }),
      });
      expect(setup.status, await setup.clone().text()).toBe(201);
      apiKey = (await setup.json()).apiKey.key;
    });
    /** Each test sees its clicks wait on the stream until it starts the consumer itself. */
    async function stopWorker() {
      if (worker && worker.child.exitCode === null) {
        worker.child.kill("SIGTERM");
        expect(await worker.exited, worker.output()).toBe(0);
      }
      worker = undefined;
    }
    afterEach(async () => {
      await Promise.all([...running].map((r) => r.stop()));
      await stopWorker();
    });
    afterAll(async () => {
      await stopWorker();
      if (streamRedis) {
        await streamRedis.del(`${app.env.REDIS_KEY_PREFIX}clicks`, `${app.env.REDIS_KEY_PREFIX}clicks:dead`);
        streamRedis.disconnect();
      }
      await db?.end();
      await app?.stop();
    });

    const directEnv = (extra: Record<string, string> = {}) => ({
      SIGNPOST_SECRET: TEST_SECRET,
      SHORT_DOMAINS: host,
      ORIGIN_URL: deadOrigin,
      DATABASE_URL: app.env.DATABASE_URL!,
      DATABASE_POOL_MAX: "4",
      ...(redis ? { REDIS_URL: REDIS_URL!, REDIS_KEY_PREFIX: app.env.REDIS_KEY_PREFIX! } : {}),
      ...extra,
    });

    async function api(method: string, pathname: string, body?: unknown) {
      return fetch(`${app.url}${pathname}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    }
    async function createLink(body: Record<string, unknown>) {
      const response = await api("POST", "/api/v1/links", { domain: host, ...body });
      expect(response.status, await response.clone().text()).toBe(201);
      return (await response.json()) as { id: string; key: string };
    }
    async function patchLink(id: string, body: Record<string, unknown>) {
      const response = await api("PATCH", `/api/v1/links/${id}`, body);
      expect(response.status, await response.clone().text()).toBe(200);
    }
    const visit = (redirector: Redirector, key: string, init: RequestInit = {}) =>
      fetch(`${redirector.url}/${key}`, { redirect: "manual", ...init, headers: { "user-agent": BROWSER_UA, ...init.headers } });
    const submitPassword = (redirector: Redirector, key: string, password: string) =>
      visit(redirector, key, { method: "POST", body: new URLSearchParams({ password }), headers: { "content-type": "application/x-www-form-urlencoded" } });

    /** Raw click rows of a link, and the link's counter, in Postgres. */
    async function stored(linkId: string) {
      const rows = await db.query<{ n: string }>("select count(*) as n from click where link_id = $1", [linkId]);
      const counter = await db.query<{ clicks: string }>("select clicks from link where id = $1", [linkId]);
      return { rows: Number(rows.rows[0]!.n), counter: Number(counter.rows[0]!.clicks) };
    }
    /** Clicks of a link waiting on the click stream (entries hold JSON arrays of clicks). */
    async function onStream(linkId: string) {
      const entries = await streamRedis!.xrange(`${app.env.REDIS_KEY_PREFIX}clicks`, "-", "+");
      return entries.reduce((n, [, fields]) => n + (JSON.parse(fields[1]!) as { linkId: string }[]).filter((c) => c.linkId === linkId).length, 0);
    }
    /** Waits until `expected` clicks of the link are stored (starting the stream consumer with Redis), then a moment more for extras. */
    async function landed(linkId: string, expected: number) {
      if (redis && !worker) {
        worker = await startWorker({
          APP_URL: app.url,
          SIGNPOST_SECRET: TEST_SECRET,
          DATABASE_URL: app.env.DATABASE_URL!,
          REDIS_URL: REDIS_URL!,
          REDIS_KEY_PREFIX: app.env.REDIS_KEY_PREFIX!,
        });
      }
      let now = await stored(linkId);
      for (let i = 0; i < 150 && now.rows < expected; i++) {
        await sleep(100);
        now = await stored(linkId);
      }
      await sleep(300);
      return stored(linkId);
    }

    test("redirects, gates and 404s with the origin unreachable; every click lands exactly once", async () => {
      const link = await createLink({ url: "https://example.com/hello", key: "hello" });
      await createLink({ url: "https://example.com/secret", key: "secret", password: "open sesame" });
      const redirector = await startRedirector(port, directEnv());
      expect(redirector.output()).toContain('"store":"direct"');
      expect(redirector.output()).not.toContain(app.env.DATABASE_URL!);
      if (redis) await waitForSubscribed(redirector);

      const first = await visit(redirector, "hello");
      expect(first.status).toBe(302);
      expect(first.headers.get("location")).toBe("https://example.com/hello");
      expect(first.headers.get("server-timing")).toContain('desc="miss"');
      expect((await visit(redirector, "hello")).headers.get("server-timing")).toContain('desc="hit"');
      expect((await visit(redirector, "hello?x=1")).status).toBe(302);
      const gate = await visit(redirector, "secret");
      expect(gate.status).toBe(401);
      expect(await gate.text()).not.toContain("example.com/secret");
      const through = await submitPassword(redirector, "secret", "open sesame");
      expect(through.status).toBe(303);
      expect((await visit(redirector, "no-such-link")).status).toBe(404);

      expect(await redirector.stop()).toBe(0);
      expect(clickStats(redirector.output())).toMatchObject({ processes: 1, buffered: 0, dropped: 0 });
      if (redis) {
        // Durable on the click stream when the process exited; nothing in Postgres until a consumer runs.
        expect(await onStream(link.id)).toBe(3);
        expect((await stored(link.id)).rows).toBe(0);
      }
      expect(await landed(link.id, 3)).toEqual({ rows: 3, counter: 3 });
      if (redis) expect(await onStream(link.id)).toBe(0);
    });

    test("maxClicks is exact under 50 concurrent visits across two worker processes", async () => {
      const link = await createLink({ url: "https://example.com/limited", key: "limited", maxClicks: 10 });
      const redirector = await startRedirector(port, directEnv({ REDIRECTOR_WORKERS: "2" }));
      // Both processes, not only the one that answered first, before anything counts on them.
      await waitForListening(redirector, 2);
      const statuses = (await Promise.all(Array.from({ length: 50 }, () => visit(redirector, "limited")))).map((r) => r.status);
      expect(statuses.filter((s) => s === 302)).toHaveLength(10);
      expect(statuses.filter((s) => s === 410)).toHaveLength(40);
      expect(await redirector.stop()).toBe(0);
      expect(clickStats(redirector.output())).toEqual({ processes: 2, buffered: 0, dropped: 0, sent: 50 });
      const reserved = await db.query<{ reserved_clicks: number }>("select reserved_clicks from link where id = $1", [link.id]);
      expect(reserved.rows[0]!.reserved_clicks).toBe(10);
      // Every visit is a click row (the 40 refused ones too, with reason max_clicks); the link's counter counts the 10 admitted.
      expect(await landed(link.id, 50)).toEqual({ rows: 50, counter: 10 });
    });

    test.skipIf(redis)("REDIRECTOR_METRICS_PORT: its edge and ingest counters, both worker processes summed, behind METRICS_TOKEN", async () => {
      await createLink({ url: "https://example.com/measured", key: "measured" });
      const token = "redirector-metrics-token-0123";
      const scrape = (metricsPort: number, auth?: string) => fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: auth ? { authorization: `Bearer ${auth}` } : {} });

      // Two worker processes: the primary answers for both.
      const metricsPort = await freePort();
      const redirector = await startRedirector(port, directEnv({ REDIRECTOR_WORKERS: "2", REDIRECTOR_METRICS_PORT: String(metricsPort), METRICS_TOKEN: token }));
      await waitForListening(redirector, 2);
      const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => visit(redirector, i % 4 === 3 ? "nothing-here" : "measured")));
      expect(responses.map((r) => r.status).sort()).toEqual([...Array(30).fill(302), ...Array(10).fill(404)]);
      // Both processes answered some of them (so a sum of 40 is two registries added up).
      const pids = new Set(redirector.output().split("\n").filter((l) => l.includes('"msg":"request"')).map((l) => (JSON.parse(l) as { pid: number }).pid));
      expect(pids.size).toBe(2);

      const refused = await scrape(metricsPort);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ error: { code: "unauthorized" } });
      expect((await scrape(metricsPort, "not-the-token-0123456789xx")).status).toBe(401);
      // Clicks are written every 100 ms: wait for the 30 to be counted as stored.
      let text = "";
      for (let i = 0; i < 50; i++) {
        const response = await scrape(metricsPort, token);
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
        text = await response.text();
        if (metricValue(text, 'signpost_click_ingest_clicks_total{mode="stored"}') >= 30) break;
        await sleep(100);
      }
      expect(metricValue(text, 'signpost_edge_redirects_total{host="redirector",outcome="redirect"}')).toBe(30);
      expect(metricValue(text, 'signpost_edge_redirects_total{host="redirector",outcome="not_found"}')).toBe(10);
      expect(metricValue(text, 'signpost_click_ingest_clicks_total{mode="stored"}')).toBe(30);
      // Each process looked each key up in the database once, at most (then its cache answered).
      const found = metricValue(text, 'signpost_edge_origin_lookups_total{host="redirector",status="found"}');
      expect(found).toBeGreaterThanOrEqual(1);
      expect(found).toBeLessThanOrEqual(2);
      const lookups = ["hit", "negative", "stale", "miss"].reduce((sum, result) => sum + metricValue(text, `signpost_edge_cache_lookups_total{host="redirector",result="${result}"}`), 0);
      expect(lookups).toBe(40);
      expect(text).toContain("signpost_db_pool_connections");
      expect(text).toContain("signpost_process_cpu_user_seconds_total");
      expect(text).not.toContain("signpost_jobs"); // the app's figure, not the redirector's
      expect((await fetch(`http://127.0.0.1:${metricsPort}/`)).status).toBe(404);
      expect(await redirector.stop()).toBe(0);

      // One process: it serves its own registry.
      const singlePort = await freePort();
      const single = await startRedirector(port, directEnv({ REDIRECTOR_METRICS_PORT: String(singlePort) }));
      expect(single.output()).toContain(`"metricsPort":${singlePort}`);
      expect((await visit(single, "measured")).status).toBe(302);
      const open = await scrape(singlePort); // no METRICS_TOKEN: open
      expect(open.status).toBe(200);
      expect(metricValue(await open.text(), 'signpost_edge_redirects_total{host="redirector",outcome="redirect"}')).toBe(1);
      expect(await single.stop()).toBe(0);
    });

    test("password attempts are limited per visitor in the database: the 11th in a window is refused", async () => {
      const link = await createLink({ url: "https://example.com/guarded", key: "guarded", password: "open sesame" });
      const redirector = await startRedirector(port, directEnv({ REDIRECTOR_WORKERS: "2" }));
      // Both processes, not only the one that answered first, before anything counts on them.
      await waitForListening(redirector, 2);
      for (let i = 0; i < 10; i++) expect((await submitPassword(redirector, "guarded", `wrong ${i}`)).status).toBe(401);
      const refused = await submitPassword(redirector, "guarded", "open sesame");
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      const attempts = await db.query<{ attempts: number }>("select sum(attempts)::int as attempts from password_attempt where link_id = $1", [link.id]);
      expect(attempts.rows[0]!.attempts).toBe(11);
    });

    test("SIGTERM right after 300 responses: the buffer is flushed, exit 0, zero loss", async () => {
      const link = await createLink({ url: "https://example.com/flush", key: "flush" });
      const redirector = await startRedirector(port, directEnv());
      const responses = await Promise.all(Array.from({ length: 300 }, () => visit(redirector, "flush")));
      expect(responses.map((r) => r.status)).toEqual(Array(300).fill(302));
      redirector.child.kill("SIGTERM");
      expect(await redirector.stop()).toBe(0);
      expect(clickStats(redirector.output())).toEqual({ processes: 1, buffered: 0, dropped: 0, sent: 300 });
      if (redis) expect(await onStream(link.id)).toBe(300);
      expect(await landed(link.id, 300)).toEqual({ rows: 300, counter: 300 });
    });

    /** What `key` answers once the eviction arrived (within a second; the cache TTL is 30 s). */
    async function answerOf(redirector: Redirector, key: string, expected: (r: Response) => boolean) {
      const deadline = Date.now() + 1_000;
      for (;;) {
        const response = await visit(redirector, key);
        if (expected(response) || Date.now() > deadline) return response;
        await sleep(20);
      }
    }

    test.skipIf(!redis)("link edits, key changes and archiving reach the cache through Redis pub/sub within a second", async () => {
      const link = await createLink({ url: "https://example.com/before", key: "fresh" });
      const redirector = await startRedirector(port, directEnv());
      await waitForSubscribed(redirector);
      expect((await visit(redirector, "fresh")).headers.get("location")).toBe("https://example.com/before");
      expect((await visit(redirector, "fresh")).headers.get("server-timing")).toContain('desc="hit"');

      await patchLink(link.id, { url: "https://example.com/after" });
      const after = await answerOf(redirector, "fresh", (r) => r.headers.get("location") === "https://example.com/after");
      expect(after.headers.get("location")).toBe("https://example.com/after");

      expect((await visit(redirector, "renamed")).status).toBe(404);
      await patchLink(link.id, { key: "renamed" });
      expect((await answerOf(redirector, "fresh", (r) => r.status === 404)).status).toBe(404);
      expect((await answerOf(redirector, "renamed", (r) => r.status === 302)).headers.get("location")).toBe("https://example.com/after");

      await patchLink(link.id, { archived: true });
      expect((await answerOf(redirector, "renamed", (r) => r.status === 404)).status).toBe(404);
    });

    test.skipIf(redis)("without Redis, an edit reaches the cache through the link-change feed, read from the database", async () => {
      const link = await createLink({ url: "https://example.com/polled-old", key: "polled" });
      const redirector = await startRedirector(port, directEnv({ EDGE_CHANGES_POLL_MS: "500" }));
      expect((await visit(redirector, "polled")).headers.get("location")).toBe("https://example.com/polled-old");
      await patchLink(link.id, { url: "https://example.com/polled-new" });
      const { location, ms } = await locationWithin(() => visit(redirector, "polled"), "https://example.com/polled-new", 5_000);
      expect(location).toBe("https://example.com/polled-new");
      expect(ms).toBeLessThan(5_000);
    });

    test.skipIf(redis)("without Redis and with the feed off, an edited link is served from the cache until its TTL", async () => {
      const link = await createLink({ url: "https://example.com/old", key: "ttl" });
      const redirector = await startRedirector(port, directEnv({ EDGE_CHANGES_POLL_MS: "0" }));
      expect((await visit(redirector, "ttl")).headers.get("location")).toBe("https://example.com/old");
      await patchLink(link.id, { url: "https://example.com/new" });
      for (let i = 0; i < 4; i++) {
        expect((await visit(redirector, "ttl")).headers.get("location")).toBe("https://example.com/old");
        await sleep(250);
      }
    });
  });

  describe("start-up and failure modes", () => {
    let app: RunningApp;
    let apiKey: string;
    let port: number;
    let host: string;

    beforeAll(async () => {
      port = await freePort();
      host = `localhost:${port}`;
      app = await startApp("postgres", { SHORT_DOMAINS: host });
      const setup = await fetch(`${app.url}/api/v1/setup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Failures", email: "failures@example.com", password: "a long enough password", workspace: "Failures" }),
      });
      apiKey = (await setup.json()).apiKey.key;
    });
    afterEach(async () => {
      await Promise.all([...running].map((r) => r.stop()));
    });
    afterAll(async () => {
      await app?.stop();
    });

    test("Redis down: clicks fall back to Postgres, none lost", async () => {
      const created = await fetch(`${app.url}/api/v1/links`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ url: "https://example.com/fallback", key: "fallback", domain: host }),
      });
      const link = (await created.json()) as { id: string };
      const redirector = await startRedirector(port, {
        SIGNPOST_SECRET: TEST_SECRET,
        SHORT_DOMAINS: host,
        ORIGIN_URL: `http://127.0.0.1:${await freePort()}`,
        DATABASE_URL: app.env.DATABASE_URL!,
        REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      });
      const responses = await Promise.all(Array.from({ length: 40 }, () => fetch(`${redirector.url}/fallback`, { redirect: "manual", headers: { "user-agent": BROWSER_UA } })));
      expect(responses.map((r) => r.status)).toEqual(Array(40).fill(302));
      expect(await redirector.stop()).toBe(0);
      expect(redirector.output()).toContain("committing clicks in Postgres instead");
      const pool = new pg.Pool({ connectionString: app.env.DATABASE_URL, max: 1 });
      try {
        const { rows } = await pool.query<{ n: string }>("select count(*) as n from click where link_id = $1", [link.id]);
        expect(Number(rows[0]!.n)).toBe(40);
      } finally {
        await pool.end();
      }
    });

    test("a database one migration behind: exit 1 naming it, and nothing applied", async () => {
      const clone = await clonePostgres();
      const client = new pg.Client({ connectionString: clone.url });
      await client.connect();
      try {
        const newest = await client.query<{ id: number }>("delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations) returning id");
        expect(newest.rowCount).toBe(1);
        const { exited, output } = spawnRedirector({ SIGNPOST_SECRET: TEST_SECRET, SHORT_DOMAINS: host, DATABASE_URL: clone.url, REDIRECTOR_PORT: String(await freePort()) });
        expect(await exited).toBe(1);
        const journal = JSON.parse(readFileSync(path.join(root, "drizzle", "meta", "_journal.json"), "utf8")) as { entries: { tag: string }[] };
        expect(output()).toContain(`1 migration(s) not applied (${journal.entries.at(-1)!.tag})`);
        const { rows } = await client.query<{ n: number }>("select count(*)::int as n from drizzle.__drizzle_migrations");
        expect(rows[0]!.n).toBe(journal.entries.length - 1);
      } finally {
        await client.end();
        await clone.drop();
      }
    });

    test("a database the app has never migrated: exit 1 saying so, and nothing created", async () => {
      const name = `signpost_direct_empty_${Date.now().toString(36)}`;
      const admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
      await admin.query(`create database "${name}"`);
      try {
        const { exited, output } = spawnRedirector({ SIGNPOST_SECRET: TEST_SECRET, SHORT_DOMAINS: host, DATABASE_URL: withDatabase(DATABASE_URL!, name), REDIRECTOR_PORT: String(await freePort()) });
        expect(await exited).toBe(1);
        expect(output()).toContain("The database schema is older than this code: no Signpost migrations are applied");
        const empty = new pg.Client({ connectionString: withDatabase(DATABASE_URL!, name) });
        await empty.connect();
        const tables = await empty.query("select table_schema, table_name from information_schema.tables where table_schema in ('public', 'drizzle')");
        const schemas = await empty.query("select 1 from information_schema.schemata where schema_name = 'drizzle'");
        await empty.end();
        expect(tables.rows).toEqual([]);
        expect(schemas.rows).toEqual([]);
      } finally {
        await admin.query(`drop database if exists "${name}" with (force)`);
        await admin.end();
      }
    });

    test("an unreachable database at start: exit 1", async () => {
      const { exited, output } = spawnRedirector({
        SIGNPOST_SECRET: TEST_SECRET,
        SHORT_DOMAINS: host,
        DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/nothing`,
        REDIRECTOR_PORT: String(await freePort()),
      });
      expect(await exited).toBe(1);
      expect(output()).toContain('"msg":"redirector failed to start"');
    });

    test("`npm run start:redirector` refuses a DATABASE_URL that is not Postgres, naming it", async () => {
      const { exited, output } = spawnRedirector({ SIGNPOST_SECRET: TEST_SECRET, DATABASE_URL: "file:///tmp/pglite" }, "npm");
      expect(await exited).not.toBe(0);
      expect(output()).toContain("DATABASE_URL: must be a postgres:// or postgresql:// URL");
    });
  });
});
