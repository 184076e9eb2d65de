import "server-only";
import { sql } from "drizzle-orm";
import type { Db } from "@/server/db/client";

/** Queue (and schedule) name of the raw-click retention job. */
export const PRUNE_CLICKS_QUEUE = "maintenance.prune-clicks";

/** Daily at 03:17 UTC, off the top of the hour when other cron work clusters. */
export const PRUNE_CLICKS_CRON = "17 3 * * *";

/** Rows deleted per statement: short transactions, so ingest never waits long on the table. */
const CHUNK = 10_000;

/**
 * Deletes raw clicks older than `retentionDays` (by the database clock), in chunks. Rollups, visitor
 * counts and each link's counters stay: analytics over the pruned period keep working; only the
 * per-click rows (and so CSV exports of them) are gone. Returns how many rows were deleted.
 */
export async function pruneClicks(db: Db, retentionDays: number, options: { chunk?: number } = {}): Promise<number> {
  if (!Number.isInteger(retentionDays) || retentionDays <= 0) return 0;
  const chunk = options.chunk ?? CHUNK;
  let total = 0;
  for (;;) {
    const result = await db.execute(sql`
      delete from click where ctid = any (array(
        select ctid from click
        where clicked_at < now() - make_interval(days => ${retentionDays})
        limit ${chunk}))`);
    const deleted = Number((result as { affectedRows?: number; rowCount?: number }).affectedRows ?? (result as { rowCount?: number }).rowCount ?? 0);
    total += deleted;
    if (deleted < chunk) return total;
  }
}
