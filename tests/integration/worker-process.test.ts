/**
 * `npm run worker` as real processes on Postgres and Redis (CI sets both): two workers drain the
 * click stream; one is killed with SIGKILL mid-run and restarted; every click lands exactly once.
 * SIGTERM lets a worker finish its batch and exit 0. Skipped without DATABASE_URL and REDIS_URL.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { StoredClick } from "@/server/clicks/enrich";
import { clickStreamKeys, clickStreamStats, enqueueClicks, ensureClickGroup } from "@/server/clicks/stream";
import * as schema from "@/server/db/schema";
import { link, organization } from "@/server/db/schema";
import { sleep } from "../support/integration-helpers";
import { clonePostgres } from "../support/templates";

const REDIS_URL = process.env.TEST_REDIS_URL || undefined;
const root = fileURLToPath(new URL("../..", import.meta.url));
const TOTAL = 24_000;
const LINKS = 20;

interface Worker {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

describe.skipIf(!process.env.DATABASE_URL || !REDIS_URL)("worker processes on Postgres and Redis", () => {
  let clone: { url: string; drop(): Promise<void> };
  let pool: pg.Pool;
  let redis: Redis;
  const keys = clickStreamKeys(`test-worker-${randomUUID()}:`);
  const workers: Worker[] = [];

  beforeAll(async () => {
    clone = await clonePostgres();
    pool = new pg.Pool({ connectionString: clone.url, max: 2 });
    redis = new Redis(REDIS_URL!);
    await ensureClickGroup(redis, keys);
  });
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
    redis?.disconnect();
    await pool?.end();
    await clone?.drop();
  });

  function startWorker(): Worker {
    const child = spawn(process.execPath, [path.join("scripts", "worker.mjs")], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        NODE_ENV: "production",
        APP_URL: "http://localhost:3000",
        SIGNPOST_SECRET: "worker-test-secret-0123456789abcdef0123456789",
        DATABASE_URL: clone.url,
        REDIS_URL: REDIS_URL!,
        REDIS_KEY_PREFIX: keys.stream.slice(0, -"clicks".length),
        CLICK_CLAIM_IDLE_SECONDS: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const worker = { child, output: () => output, exited };
    workers.push(worker);
    return worker;
  }

  async function ready(worker: Worker): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!worker.output().includes('"msg":"worker ready"')) {
      if (worker.child.exitCode !== null) throw new Error(`worker exited early:\n${worker.output()}`);
      if (Date.now() > deadline) throw new Error(`worker not ready:\n${worker.output()}`);
      await sleep(50);
    }
  }

  const storedCount = async () => Number((await pool.query("select count(*)::int as n from click")).rows[0].n);

  test("SIGKILL of one of two workers mid-run, then a restart: every click stored exactly once, rollups exact", async () => {
    const db = drizzle(pool, { schema });
    await db.insert(organization).values({ id: "org_workers", name: "Workers", slug: "workers" });
    const linkIds = Array.from({ length: LINKS }, (_, i) => `lnk_worker_${i}`);
    await db.insert(link).values(linkIds.map((id) => ({ id, workspaceId: "org_workers", domain: "localhost:3000", key: id, url: "https://example.com/" })));

    const start = Date.parse("2025-07-01T00:00:00Z");
    const clicks: StoredClick[] = Array.from({ length: TOTAL }, (_, i) => ({
      id: randomUUID(),
      linkId: linkIds[i % LINKS]!,
      workspaceId: "org_workers",
      at: new Date(start + i * 1_000).toISOString(),
      url: "https://example.com/",
      userAgent: null,
      referrer: null,
      isBot: i % 10 === 0,
      country: i % 3 === 0 ? "DE" : "US",
      region: null,
      city: null,
      device: "desktop",
      os: null,
      browser: null,
      language: null,
      visitorId: `v${i % 500}`,
      reason: "destination",
      ruleIndex: null,
      variantIndex: null,
    }));
    for (let i = 0; i < TOTAL; i += 250) await enqueueClicks(redis, keys, clicks.slice(i, i + 250));

    // A alone first, frozen (SIGSTOP) while it holds a round: frozen it cannot acknowledge, so the
    // round stays pending until the kill. Caught this way, not by sampling a running A beside B,
    // because 24,000 clicks on 20 links drain in about a second: a running A could finish (or never
    // get) its share between two looks. The pause lets Redis apply an acknowledgement A had already
    // written to its socket when it stopped. Consumers are named host-pid-n (src/server/clicks/stream.ts).
    const a = startWorker();
    await ready(a);
    const consumerA = `${hostname()}-${a.child.pid}-1`;
    const pendingOfA = async () => ((await redis.xpending(keys.stream, keys.group, "-", "+", 100, consumerA)) as unknown[]).length;
    for (;;) {
      a.child.kill("SIGSTOP");
      await sleep(200);
      if ((await pendingOfA()) > 0) break;
      a.child.kill("SIGCONT");
      if ((await storedCount()) === TOTAL) throw new Error("the stream drained before worker A was seen holding a round");
      await sleep(1);
    }
    // B drains the rest beside the frozen A (mid-run: not all stored yet), then A is killed.
    const b = startWorker();
    await ready(b);
    while ((await storedCount()) < TOTAL / 6) await sleep(20);
    a.child.kill("SIGKILL");
    expect(await a.exited).toBeNull();
    const restarted = startWorker();
    await ready(restarted);

    const deadline = Date.now() + 120_000;
    for (;;) {
      const stats = await clickStreamStats(redis, keys);
      if (stats.length === 0 && stats.pending === 0) break;
      if (Date.now() > deadline) throw new Error(`not drained: ${JSON.stringify(stats)}`);
      await sleep(100);
    }

    const humans = clicks.filter((c) => !c.isBot).length;
    expect(await storedCount()).toBe(TOTAL);
    const [sums] = (
      await db.execute<{ counted: string; total: string; bots: string; country_de: string }>(sql`
        select
          (select sum(clicks) from link where workspace_id = 'org_workers') as counted,
          (select sum(clicks) from click_rollup_hour where dimension = 'all' and not is_bot) as total,
          (select sum(clicks) from click_rollup_day where dimension = 'all' and is_bot) as bots,
          (select sum(clicks) from click_rollup_hour where dimension = 'country' and value = 'DE') as country_de`)
    ).rows;
    expect(Number(sums!.counted)).toBe(humans);
    expect(Number(sums!.total)).toBe(humans);
    expect(Number(sums!.bots)).toBe(TOTAL - humans);
    expect(Number(sums!.country_de)).toBe(clicks.filter((c) => c.country === "DE").length);
    expect((await clickStreamStats(redis, keys)).deadLetters).toBe(0);
    // The killed worker's pending list is empty: its round was taken over by a survivor once idle
    // (CLICK_CLAIM_IDLE_SECONDS), never acknowledged by the dead process itself.
    expect(await pendingOfA()).toBe(0);

    // SIGTERM: both finish what they hold and exit 0.
    b.child.kill("SIGTERM");
    restarted.child.kill("SIGTERM");
    expect(await b.exited).toBe(0);
    expect(await restarted.exited).toBe(0);
    expect(b.output()).toContain('"msg":"worker stopped"');
    // Read once both have exited: a log line still buffered in a live worker is not in its output yet.
    expect(b.output() + restarted.output()).toContain('"msg":"claimed clicks left pending by another consumer"');
  }, 240_000);
});
