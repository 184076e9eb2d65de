/**
 * /healthz, /readyz and /metrics through their route handlers on real databases: readiness names
 * the failing dependency (a migration missing, Redis unreachable), metrics need the token and carry
 * the click-pipeline and job figures.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GET as healthz } from "@/app/healthz/route";
import { GET as metrics } from "@/app/metrics/route";
import { GET as readyz } from "@/app/readyz/route";
import { getDatabase } from "@/server/db/client";
import { pendingMigrationTags, readiness } from "@/server/observability/health";
import { routeTemplate } from "@/server/observability/metrics";
import { startBackgroundJobs } from "@/server/jobs/runner";
import { backends, type TestDatabase } from "../support/databases";
import { openTestDatabase } from "../support/integration-helpers";

// Read by serverConfig() on first use, which happens inside these tests.
const TOKEN = "metrics-token-0123456789";
process.env.METRICS_TOKEN = TOKEN;

test("route templates fold ids so each route is one series", () => {
  expect(routeTemplate("/api/v1/links/lnk_8fK2mQ9xZr")).toBe("/api/v1/links/:id");
  expect(routeTemplate("/api/v1/links/lnk_8fK2mQ9xZr/archive")).toBe("/api/v1/links/:id/archive");
  expect(routeTemplate("/api/v1/tags/3f2a9c1e-1b2c-4d5e-8f90-123456789abc")).toBe("/api/v1/tags/:id");
  expect(routeTemplate("/api/v1/links")).toBe("/api/v1/links");
  expect(routeTemplate("/api/internal/v1/links/lookup")).toBe("/api/internal/v1/links/lookup");
});

describe.each(backends())("health and metrics on %s", (backend) => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  test("/healthz answers 200 without touching anything else", async () => {
    const response = healthz();
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok" });
  });

  test("/readyz: 200 with the database and migrations checked", async () => {
    const response = await readyz();
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(body.status).toBe("ready");
    expect(Object.keys(body.checks).sort()).toEqual(["database", "migrations"]);
    expect(Object.values(body.checks).every((c) => c.ok)).toBe(true);
  });

  test("/readyz: 503 naming the migration the database lacks", async () => {
    const database = testDb.database;
    expect(await pendingMigrationTags(database)).toEqual([]);
    const { rows } = await database.query("select id, hash, created_at::text as created_at from drizzle.__drizzle_migrations order by created_at desc limit 1");
    const newest = rows[0]!;
    await database.query("delete from drizzle.__drizzle_migrations where id = $1", [newest.id]);
    try {
      const response = await readyz();
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; checks: { migrations: { ok: boolean; detail: string } } };
      expect(body.status).toBe("not_ready");
      expect(body.checks.migrations.ok).toBe(false);
      const tags = await pendingMigrationTags(database);
      expect(tags).toHaveLength(1);
      expect(body.checks.migrations.detail).toContain(tags[0]);
    } finally {
      await database.query("insert into drizzle.__drizzle_migrations (id, hash, created_at) values ($1, $2, $3::bigint)", [newest.id, newest.hash, newest.created_at]);
    }
    expect((await readyz()).status).toBe(200);
  });

  test("readiness fails on an unreachable Redis, within its time bound", async () => {
    const closed = new Redis("redis://127.0.0.1:1", { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    closed.on("error", () => {});
    try {
      const result = await readiness(getDatabase(), closed, 500);
      expect(result.ready).toBe(false);
      expect(result.checks.database!.ok).toBe(true);
      expect(result.checks.redis!.ok).toBe(false);
      expect(result.checks.redis!.ms).toBeLessThanOrEqual(1_000);
    } finally {
      closed.disconnect();
    }
  });

  test("/metrics: 401 in the API's error shape without the token, or with a wrong one", async () => {
    for (const authorization of [undefined, "Bearer wrong-token-0123456789", `Basic ${TOKEN}`]) {
      const response = await metrics(new Request("http://localhost:3000/metrics", { headers: authorization ? { authorization } : {} }));
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: "unauthorized" } });
    }
  });

  test("/metrics: Prometheus text with ingest counters, job states and process figures", async () => {
    const jobs = await startBackgroundJobs(testDb.database, { schema: "pgboss" });
    try {
      const response = await metrics(new Request("http://localhost:3000/metrics", { headers: { authorization: `Bearer ${TOKEN}` } }));
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      expect(text).toMatch(/^# TYPE signpost_click_ingest_batches_total counter$/m);
      expect(text).toMatch(/^signpost_click_ingest_batches_total\{mode="queued"\} \d+$/m);
      expect(text).toMatch(/^signpost_click_ingest_unavailable_total \d+$/m);
      expect(text).toMatch(/^# TYPE signpost_jobs gauge$/m);
      expect(text).toMatch(/^signpost_process_resident_memory_bytes \d+/m);
      // The earlier refused scrapes were timed by the handler wrapper, under their route template.
      expect(text).toMatch(/^signpost_http_request_duration_seconds_count\{method="GET",route="\/metrics",status="401"\} [1-9]\d*$/m);
      // The scrape itself queried the database (job states): its Server-Timing says how long.
      expect(response.headers.get("server-timing")).toMatch(/^app;desc="route handler";dur=\d+\.\d, db;desc="database queries";dur=\d+\.\d$/);
    } finally {
      await jobs.stop();
    }
  });
});
