/**
 * The background job runner (pg-boss) on real databases: embedded PGlite always, Postgres too when
 * DATABASE_URL is set (a fresh database per run, dropped afterwards). Nothing is mocked: jobs go
 * through pg-boss's tables on the backend under test.
 */
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { inArray } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "@/server/db/client";
import { session, user, verification } from "@/server/db/schema";
import { PURGE_EXPIRED_AUTH_CRON, PURGE_EXPIRED_AUTH_QUEUE, purgeExpiredAuth } from "@/server/jobs/purge-expired-auth";
import { startBackgroundJobs, type BackgroundJobs } from "@/server/jobs/runner";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

const backends: { backend: string; baseUrl?: string }[] = [
  { backend: "pglite" },
  ...(process.env.DATABASE_URL ? [{ backend: "postgres", baseUrl: process.env.DATABASE_URL }] : []),
];

/** A fresh database on the server at `baseUrl`, and how to drop it. */
async function createScratchDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `signpost_jobs_${randomBytes(6).toString("hex")}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

/** Rows of auth data with known expiries, relative to now: old ones must go, the rest must stay. */
function authFixture() {
  const tag = randomUUID();
  const now = Date.now();
  const userRow = { id: `user-${tag}`, name: "Jobs Test", email: `jobs-${tag}@example.test` };
  const sessionAt = (name: string, offsetMs: number) => ({
    id: `session-${name}-${tag}`,
    token: `token-${name}-${tag}`,
    userId: userRow.id,
    expiresAt: new Date(now + offsetMs),
  });
  const verificationAt = (name: string, offsetMs: number) => ({
    id: `verification-${name}-${tag}`,
    identifier: `jobs-${tag}@example.test`,
    value: `value-${name}`,
    expiresAt: new Date(now + offsetMs),
  });
  return {
    user: userRow,
    sessions: {
      old: sessionAt("old", -3 * DAY),
      justOld: sessionAt("just-old", -(DAY + HOUR)),
      recentlyExpired: sessionAt("recently-expired", -2 * HOUR),
      live: sessionAt("live", 7 * DAY),
    },
    verifications: {
      old: verificationAt("old", -2 * DAY),
      recentlyExpired: verificationAt("recently-expired", -HOUR),
      live: verificationAt("live", HOUR),
    },
  };
}

describe.each(backends)("background jobs on $backend", ({ backend, baseUrl }) => {
  let dataDir: string;
  let scratch: { url: string; drop(): Promise<void> } | undefined;
  let database: Database;
  let jobs: BackgroundJobs;
  const backgroundErrors: unknown[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "signpost-jobs-"));
    if (baseUrl) scratch = await createScratchDatabase(baseUrl);
    database = await openDatabase({ databaseUrl: scratch?.url, dataDir });
    expect(database.mode).toBe(backend === "postgres" ? "postgres" : "embedded");
    jobs = await startBackgroundJobs(database, {
      // Short cron intervals so the cron test below does not wait half a minute per step.
      timing: { cronMonitorIntervalSeconds: 1, cronWorkerIntervalSeconds: 1 },
      purgePollingIntervalSeconds: 1,
      onError: (error) => backgroundErrors.push(error),
    });
  });

  afterAll(async () => {
    await jobs?.stop();
    await database?.close();
    await scratch?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("installs pg-boss in its own schema", async () => {
    const { rows } = await database.query("select version from pgboss.version");
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]?.version)).toBeGreaterThan(0);
  });

  it("purgeExpiredAuth deletes auth rows expired more than a day ago and keeps the rest", async () => {
    const fixture = authFixture();
    // In one transaction, so the hourly purge (should it fire right now) cannot take rows first.
    const { first, second, remaining } = await database.db.transaction(async (tx) => {
      await tx.insert(user).values(fixture.user);
      await tx.insert(session).values(Object.values(fixture.sessions));
      await tx.insert(verification).values(Object.values(fixture.verifications));
      const first = await purgeExpiredAuth(tx);
      const second = await purgeExpiredAuth(tx);
      const sessionIds = Object.values(fixture.sessions).map((s) => s.id);
      const verificationIds = Object.values(fixture.verifications).map((v) => v.id);
      const remaining = {
        sessions: (await tx.select({ id: session.id }).from(session).where(inArray(session.id, sessionIds)))
          .map((r) => r.id)
          .sort(),
        verifications: (
          await tx.select({ id: verification.id }).from(verification).where(inArray(verification.id, verificationIds))
        )
          .map((r) => r.id)
          .sort(),
      };
      return { first, second, remaining };
    });

    expect(first).toEqual({ sessions: 2, verifications: 1 });
    expect(second).toEqual({ sessions: 0, verifications: 0 });
    expect(remaining.sessions).toEqual([fixture.sessions.live.id, fixture.sessions.recentlyExpired.id].sort());
    expect(remaining.verifications).toEqual(
      [fixture.verifications.live.id, fixture.verifications.recentlyExpired.id].sort(),
    );
  });

  it("registers the purge as an hourly schedule", async () => {
    const schedules = await jobs.boss.getSchedules();
    const purge = schedules.filter((s) => s.name === PURGE_EXPIRED_AUTH_QUEUE);
    expect(purge).toHaveLength(1);
    expect(purge[0]).toMatchObject({ name: PURGE_EXPIRED_AUTH_QUEUE, cron: "0 * * * *" });
    expect(PURGE_EXPIRED_AUTH_CRON).toBe("0 * * * *");
    expect((purge[0] as unknown as { timezone: string }).timezone).toBe("UTC");
    // And it lives in the database, not just in this process.
    const { rows } = await database.query("select cron, timezone from pgboss.schedule where name = $1", [
      PURGE_EXPIRED_AUTH_QUEUE,
    ]);
    expect(rows).toEqual([{ cron: "0 * * * *", timezone: "UTC" }]);
  });

  it("works a purge job sent to its queue with the registered worker", async () => {
    const fixture = authFixture();
    await database.db.insert(user).values(fixture.user);
    await database.db.insert(session).values(Object.values(fixture.sessions));
    await database.db.insert(verification).values(Object.values(fixture.verifications));

    const id = await jobs.boss.send(PURGE_EXPIRED_AUTH_QUEUE, {});
    expect(id).toBeTruthy();
    await expect
      .poll(async () => (await jobs.boss.getJobById(PURGE_EXPIRED_AUTH_QUEUE, id!))?.state, { timeout: 20_000, interval: 200 })
      .toBe("completed");

    const sessionIds = Object.values(fixture.sessions).map((s) => s.id);
    const left = await database.db.select({ id: session.id }).from(session).where(inArray(session.id, sessionIds));
    expect(left.map((r) => r.id).sort()).toEqual([fixture.sessions.live.id, fixture.sessions.recentlyExpired.id].sort());
    const verificationIds = Object.values(fixture.verifications).map((v) => v.id);
    const leftVerifications = await database.db
      .select({ id: verification.id })
      .from(verification)
      .where(inArray(verification.id, verificationIds));
    expect(leftVerifications.map((r) => r.id).sort()).toEqual(
      [fixture.verifications.live.id, fixture.verifications.recentlyExpired.id].sort(),
    );
  });

  it("round-trips a job through the queue tables: send, work, complete with output", async () => {
    const queue = `test.echo-${randomBytes(4).toString("hex")}`;
    await jobs.boss.createQueue(queue, { name: queue });
    const worked: { id: string; data: unknown }[] = [];
    await jobs.work<{ n: number }>(queue, { pollingIntervalSeconds: 0.5 }, async ([job]) => {
      worked.push({ id: job!.id, data: job!.data });
      return { doubled: job!.data.n * 2 };
    });

    const id = await jobs.boss.send(queue, { n: 21 });
    expect(id).toBeTruthy();
    await expect
      .poll(async () => (await jobs.boss.getJobById(queue, id!))?.state, { timeout: 20_000, interval: 200 })
      .toBe("completed");

    expect(worked).toEqual([{ id, data: { n: 21 } }]);
    const { rows } = await database.query("select state::text as state, data, output from pgboss.job where id = $1", [id]);
    expect(rows).toEqual([{ state: "completed", data: { n: 21 }, output: { doubled: 42 } }]);
  });

  it("records a failing handler's error on the job", async () => {
    const queue = `test.fail-${randomBytes(4).toString("hex")}`;
    await jobs.boss.createQueue(queue, { name: queue, retryLimit: 0 });
    await jobs.work(queue, { pollingIntervalSeconds: 0.5 }, async () => {
      throw new Error("handler refused");
    });

    const id = await jobs.boss.send(queue, {});
    await expect
      .poll(async () => (await jobs.boss.getJobById(queue, id!))?.state, { timeout: 20_000, interval: 200 })
      .toBe("failed");
    const job = await jobs.boss.getJobById(queue, id!);
    expect(job?.output).toMatchObject({ message: "handler refused" });
  });

  it("fires a cron schedule through pg-boss's timekeeper into a worker", async () => {
    const queue = `test.cron-${randomBytes(4).toString("hex")}`;
    await jobs.boss.createQueue(queue, { name: queue });
    const worked: unknown[] = [];
    await jobs.work(queue, { pollingIntervalSeconds: 0.5 }, async ([job]) => {
      worked.push(job!.data);
    });
    // Every minute: due at once, so the next cron check (every second here) sends it.
    await jobs.boss.schedule(queue, "* * * * *", { from: "cron" }, { tz: "UTC" });
    await expect.poll(() => worked.length, { timeout: 30_000, interval: 200 }).toBeGreaterThan(0);
    expect(worked[0]).toEqual({ from: "cron" });
    await jobs.boss.unschedule(queue);
  });

  it("runs pg-boss maintenance (locked multi-statement scripts)", async () => {
    await expect(jobs.boss.maintain()).resolves.not.toThrow();
    // Completed jobs are kept (archived after 12 h by default), so the earlier ones are still there.
    const { rows } = await database.query("select count(*)::int as n from pgboss.job where state = 'completed'");
    expect(Number(rows[0]?.n)).toBeGreaterThan(0);
  });

  it("rolls back a failed script without poisoning the connection", async () => {
    const db = jobs.boss.getDb();
    await expect(db.executeSql("BEGIN; SELECT 1/0; COMMIT;", [])).rejects.toThrow(/division by zero/);
    const { rows } = await database.query("select 1 as ok");
    expect(rows).toEqual([{ ok: 1 }]);
  });

  // pg-boss's own stop() only waits for jobs its workers already hold. A fetch still waiting on
  // Postgres when it is called hands its job over afterwards: stop() must wait for that job too,
  // or the job stays 'active' until it expires. A table lock holds the fetch in flight.
  it.runIf(backend === "postgres")("finishes a job whose fetch was still in flight when stop() began", async () => {
    const schema = `pgboss_late_${randomBytes(4).toString("hex")}`;
    const late = await startBackgroundJobs(database, { schema, imports: false, onError: (error) => backgroundErrors.push(error) });
    const queue = `test.late-${randomBytes(4).toString("hex")}`;
    const locker = new pg.Client({ connectionString: scratch!.url });
    await locker.connect();
    try {
      await late.boss.createQueue(queue, { name: queue, retryLimit: 0 });
      const id = await late.boss.send(queue, { n: 1 });
      await locker.query("begin");
      await locker.query(`lock table ${schema}.job in exclusive mode`);
      const worked: string[] = [];
      await late.work(queue, { pollingIntervalSeconds: 0.5 }, async ([job]) => {
        await new Promise((resolve) => setTimeout(resolve, 200));
        worked.push(job!.id);
      });
      await expect
        .poll(async () => {
          const { rows } = await locker.query(
            "select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query ilike $1",
            [`%${schema}.job%`],
          );
          return rows[0].n;
        }, { timeout: 10_000, interval: 50 })
        .toBeGreaterThan(0);

      const stopped = late.stop();
      let stopDone = false;
      void stopped.then(() => (stopDone = true));
      // pg-boss's part of stop() is over well before this: nothing it knew of was running.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(stopDone).toBe(false);
      await locker.query("commit");
      await stopped;

      expect(worked).toEqual([id]);
      const { rows } = await database.query(`select state::text as state from ${schema}.job where id = $1`, [id]);
      expect(rows).toEqual([{ state: "completed" }]);
      const active = await database.query(`select count(*)::int as n from ${schema}.job where state = 'active'`);
      expect(active.rows).toEqual([{ n: 0 }]);
    } finally {
      await locker.query("rollback").catch(() => {});
      await locker.end();
      await late.stop();
    }
  });

  it("reported no background errors and stops cleanly, twice", async () => {
    expect(backgroundErrors).toEqual([]);
    await jobs.stop();
    await jobs.stop();
    const { rows } = await database.query("select count(*)::int as n from pgboss.job where state = 'active'");
    expect(rows).toEqual([{ n: 0 }]);
  });
});
