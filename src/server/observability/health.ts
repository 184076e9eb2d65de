import "server-only";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Redis } from "ioredis";
import type { Database } from "@/server/db/client";

export interface Check {
  ok: boolean;
  ms: number;
  detail?: string;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, Check>;
}

async function timed(run: () => Promise<string | undefined>, timeoutMs: number): Promise<Check> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const detail = await Promise.race([
      run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, ms: Math.round(performance.now() - started), ...(detail ? { detail } : {}) };
  } catch (error) {
    return { ok: false, ms: Math.round(performance.now() - started), detail: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Migrations this build ships that the database has not applied, by drizzle's rule (a migration is
 * applied when the newest recorded `created_at` is at least its journal `when`).
 */
export async function pendingMigrationTags(database: Database): Promise<string[]> {
  const journal = JSON.parse(await readFile(path.join(process.cwd(), "drizzle", "meta", "_journal.json"), "utf8")) as { entries: { tag: string; when: number }[] };
  const { rows } = await database.query("select max(created_at)::text as last from drizzle.__drizzle_migrations");
  const last = rows[0]?.last === null || rows[0]?.last === undefined ? null : Number(rows[0].last);
  return journal.entries.filter((entry) => last === null || last < entry.when).map((entry) => entry.tag);
}

/**
 * What `/readyz` reports: the database answers, its schema is this build's, and Redis (when
 * configured) answers. Each check is bounded in time so a hung dependency makes the probe fail
 * rather than hang.
 */
export async function readiness(database: Promise<Database>, redis: Redis | null, timeoutMs = 2_000): Promise<Readiness> {
  const checks: Record<string, Check> = {};
  checks.database = await timed(async () => {
    const db = await database;
    await db.query("select 1");
    return db.mode === "embedded" ? "embedded PGlite" : "postgres";
  }, timeoutMs);
  checks.migrations = checks.database.ok
    ? await timed(async () => {
        const pending = await pendingMigrationTags(await database);
        if (pending.length > 0) throw new Error(`not applied: ${pending.join(", ")}`);
        return undefined;
      }, timeoutMs)
    : { ok: false, ms: 0, detail: "database unavailable" };
  if (redis) {
    checks.redis = await timed(async () => {
      const answer = await redis.ping();
      if (answer !== "PONG") throw new Error(`unexpected answer ${answer}`);
      return undefined;
    }, timeoutMs);
  }
  return { ready: Object.values(checks).every((check) => check.ok), checks };
}
