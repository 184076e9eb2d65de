import "server-only";
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import type PgBoss from "pg-boss";
import type { Db } from "@/server/db/client";
import { linkImport } from "@/server/db/schema";
import { logger } from "@/server/observability/logger";

/**
 * Bulk imports run as jobs on this queue, in whichever process works it (the app or a worker):
 * the file is in the database, so any of them can. The import row's status is the truth; the job
 * is only a wake-up, and a sweep every minute queues imports whose wake-up was lost.
 */
export const IMPORT_QUEUE = "imports.run";
export const IMPORT_SWEEP_CRON = "* * * * *";
/** A running import whose progress has not moved for this long lost its worker. */
const STALLED_AFTER_MINUTES = 15;

export type ImportJob = { importId: string } | { sweep: true };

const QUEUE_KEY = Symbol.for("signpost.import-queue");
type Holder = { [QUEUE_KEY]?: Pick<PgBoss, "send"> | null };

/** Set by the job runner of a process that works the import queue. */
export function setImportQueue(boss: Pick<PgBoss, "send"> | null): void {
  (globalThis as Holder)[QUEUE_KEY] = boss;
}

/** Queues the import's job now; without a queue in this process, the sweep does within a minute. */
export async function wakeImportJob(importId: string): Promise<void> {
  const boss = (globalThis as Holder)[QUEUE_KEY];
  if (!boss) return;
  try {
    await boss.send(IMPORT_QUEUE, { importId }, { singletonKey: importId });
  } catch (error) {
    logger().warn({ error: String(error) }, "could not queue the import job; the sweep will");
  }
}

/**
 * Queues every import still waiting, and fails imports whose worker stopped mid-way (the rows a
 * skip_invalid import already wrote stay; an all_or_nothing import's transaction rolled back).
 */
export async function sweepImports(db: Db, boss: Pick<PgBoss, "send">): Promise<number> {
  await db
    .update(linkImport)
    .set({ status: "failed", error: "The import's worker stopped before it finished", finishedAt: new Date(), updatedAt: new Date() })
    .where(and(inArray(linkImport.status, ["validating", "importing"]), lt(linkImport.updatedAt, sql`now() - make_interval(mins => ${STALLED_AFTER_MINUTES})`)));
  const waiting = await db.select({ id: linkImport.id }).from(linkImport).where(eq(linkImport.status, "queued")).limit(100);
  for (const { id } of waiting) await boss.send(IMPORT_QUEUE, { importId: id }, { singletonKey: id });
  return waiting.length;
}
