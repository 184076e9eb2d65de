import "server-only";
import { and, eq, isNotNull, lt, sql } from "drizzle-orm";
import { getDb } from "@/server/db/client";
import { link, passwordAttempt } from "@/server/db/schema";

export type Reservation = { admitted: true; remaining: number } | { admitted: false; reason: "exhausted" | "unknown" };

/**
 * Admits one visit to a `maxClicks` link, atomically: a single conditional UPDATE, so concurrent
 * edge hosts can never admit more than the limit between them.
 */
export async function reserveClick(linkId: string): Promise<Reservation> {
  const db = await getDb();
  const [row] = await db
    .update(link)
    .set({ reservedClicks: sql`${link.reservedClicks} + 1` })
    .where(and(eq(link.id, linkId), isNotNull(link.maxClicks), lt(link.reservedClicks, link.maxClicks)))
    .returning({ reserved: link.reservedClicks, max: link.maxClicks });
  if (row) return { admitted: true, remaining: row.max! - row.reserved };
  const [exists] = await db.select({ id: link.id }).from(link).where(eq(link.id, linkId)).limit(1);
  return { admitted: false, reason: exists ? "exhausted" : "unknown" };
}

export const PASSWORD_ATTEMPT_LIMIT = 10;
export const PASSWORD_ATTEMPT_WINDOW_SECONDS = 15 * 60;

export type AttemptVerdict = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

/**
 * Counts one password attempt for `visitor` (a hash, never a raw IP) on a link, in fixed
 * 15-minute windows; the 11th attempt in a window is refused. One upsert, safe under concurrency.
 */
export async function recordPasswordAttempt(linkId: string, visitor: string, now = new Date()): Promise<AttemptVerdict> {
  const windowMs = PASSWORD_ATTEMPT_WINDOW_SECONDS * 1000;
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const db = await getDb();
  const [row] = await db
    .insert(passwordAttempt)
    .values({ linkId, visitor, windowStart, attempts: 1 })
    .onConflictDoUpdate({
      target: [passwordAttempt.linkId, passwordAttempt.visitor, passwordAttempt.windowStart],
      set: { attempts: sql`${passwordAttempt.attempts} + 1` },
    })
    .returning({ attempts: passwordAttempt.attempts });
  // Old windows are useless after they close.
  await db.delete(passwordAttempt).where(and(eq(passwordAttempt.linkId, linkId), lt(passwordAttempt.windowStart, windowStart)));
  if (row!.attempts <= PASSWORD_ATTEMPT_LIMIT) return { allowed: true, remaining: PASSWORD_ATTEMPT_LIMIT - row!.attempts };
  return { allowed: false, retryAfterSeconds: Math.ceil((windowStart.getTime() + windowMs - now.getTime()) / 1000) };
}
