import "server-only";
import { sql } from "drizzle-orm";
import { getDatabase, type Db } from "@/server/db/client";
import { literalChunks, pgArray } from "@/server/db/pg-array";
import type { LinkRef } from "./link-changes";

/**
 * The link-change feed (docs/decisions/0032-link-change-feed.md): the pull twin of the Redis
 * channel in link-changes.ts, for edge caches that cannot hold a subscription (Next's middleware,
 * Workers, a redirector without Redis). Every change published there is also a `link_change` row,
 * written by the change's own transaction; an edge polls with the cursor of its last poll and
 * evicts what comes back.
 *
 * A cursor is `<xmin>.<ms>`: the oldest transaction still running when the poll read (every one
 * older had finished, so its rows were visible) and the database clock then. The next poll returns
 * the rows of every transaction from that xmin on, so a change still in flight during one poll is
 * returned by the next; the clock bounds the repeat to rows written at most OVERLAP_MS before it.
 */

/** Rows are kept this long; a cursor older than CURSOR_MAX_AGE_MS starts over instead. */
export const KEEP_MS = 60 * 60_000;
export const CURSOR_MAX_AGE_MS = 30 * 60_000;
/** Most changes one poll returns; past that the feed starts over (links cached before it are back on the 30 s TTL). */
export const MAX_CHANGES = 1_000;
/**
 * How far before the previous poll the time bound reaches. A row is written by the transaction that
 * makes its change, as that transaction's last statement, and `at` is the clock at that write: a
 * row is visible within moments of its `at` (the commit right after it).
 */
export const OVERLAP_MS = 60_000;
/** How often a process deletes rows past KEEP_MS (on a poll). */
const PRUNE_EVERY_MS = 60_000;

export interface LinkChangePage {
  cursor: string;
  /**
   * The feed starts over at this cursor (first poll, a cursor too old or unreadable, or more
   * changes than one page), naming no changes: links cached before the poll may have changed unseen.
   */
  fresh: boolean;
  changes: LinkRef[];
}

let prunedAt = 0;

/**
 * Writes one feed row per distinct link in `tx`, the transaction that changes them: the feed holds a
 * change exactly when the change commits (an origin that stops between the two loses neither).
 * Call it as the transaction's last statement (see OVERLAP_MS); `publishLinkChanges` pushes the
 * same refs to subscribed edges once it committed. Throws on a database error, failing the change.
 */
export async function recordLinkChanges(tx: Db, refs: readonly LinkRef[]): Promise<void> {
  if (refs.length === 0) return;
  const unique = [...new Map(refs.map((ref) => [`${ref.domain}\n${ref.key}`, ref])).values()];
  for (const chunk of literalChunks(unique, (ref) => Math.max(ref.domain.length, ref.key.length))) {
    await tx.execute(sql`
      insert into link_change (domain, key, at)
      select domain, key, clock_timestamp()
      from unnest(${sql.param(pgArray(chunk, (ref) => ref.domain))}::text[], ${sql.param(pgArray(chunk, (ref) => ref.key))}::text[]) as changed(domain, key)`);
  }
}

/** Deletes feed rows older than KEEP_MS (a poll does it at most once a minute per process); returns how many. */
export async function pruneLinkChanges(): Promise<number> {
  const { query } = await getDatabase();
  const { rows } = await query("with gone as (delete from link_change where at < now() - make_interval(secs => $1) returning 1) select count(*)::int as n from gone", [KEEP_MS / 1000]);
  return Number(rows[0]!.n);
}

function parseCursor(cursor: string | null): { xmin: string; at: number } | null {
  const match = cursor ? /^(\d{1,20})\.(\d{1,15})$/.exec(cursor) : null;
  return match ? { xmin: match[1]!, at: Number(match[2]) } : null;
}

/** The changes after `cursor` (null: a new feed) and the cursor to ask with next. */
export async function readLinkChanges(cursor: string | null): Promise<LinkChangePage> {
  const { query } = await getDatabase();
  // xmin before the rows: a transaction older than it had finished before the read below began.
  const [snapshot] = (await query("select pg_snapshot_xmin(pg_current_snapshot())::text as xmin, floor(extract(epoch from clock_timestamp()) * 1000)::bigint::text as at")).rows;
  const xmin = String(snapshot!.xmin);
  const now = Number(snapshot!.at);
  const next = `${xmin}.${now}`;
  if (now - prunedAt >= PRUNE_EVERY_MS) {
    prunedAt = now;
    await pruneLinkChanges();
  }
  const previous = parseCursor(cursor);
  const fresh = !previous || previous.at < now - CURSOR_MAX_AGE_MS || previous.at > now + OVERLAP_MS;
  // A new feed names nothing: the edge keeps what it cached before it on the plain TTL.
  if (fresh) return { cursor: next, fresh, changes: [] };
  const { rows } = await query("select domain, key from link_change where xid >= $1::xid8 and at >= to_timestamp($2::double precision / 1000) order by id limit $3", [
    previous.xmin,
    previous.at - OVERLAP_MS,
    MAX_CHANGES + 1,
  ]);
  if (rows.length > MAX_CHANGES) return { cursor: next, fresh: true, changes: [] };
  const seen = new Set<string>();
  const changes: LinkRef[] = [];
  for (const row of rows) {
    const ref = { domain: String(row.domain), key: String(row.key) };
    const id = `${ref.domain}\n${ref.key}`;
    if (!seen.has(id)) {
      seen.add(id);
      changes.push(ref);
    }
  }
  return { cursor: next, fresh: false, changes };
}
