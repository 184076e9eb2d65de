import "server-only";
import { lt, sql } from "drizzle-orm";
import type { Db } from "@/server/db/client";
import { session, verification } from "@/server/db/schema";

/** Queue (and schedule) name of the recurring purge. */
export const PURGE_EXPIRED_AUTH_QUEUE = "maintenance.purge-expired-auth";

/** Every hour, on the hour (UTC). */
export const PURGE_EXPIRED_AUTH_CRON = "0 * * * *";

export interface PurgeExpiredAuthResult {
  sessions: number;
  verifications: number;
}

/**
 * Deletes Better Auth sessions and verification tokens that expired more than a day ago. The day of
 * grace keeps just-expired rows around for debugging "why was I signed out" reports; Better Auth
 * already refuses expired rows, so nothing here changes who is signed in. The cut-off is taken
 * from the database clock, the same clock the rows were written against.
 */
export async function purgeExpiredAuth(db: Db): Promise<PurgeExpiredAuthResult> {
  const cutoff = sql`now() - interval '1 day'`;
  const sessions = await db.delete(session).where(lt(session.expiresAt, cutoff)).returning({ id: session.id });
  const verifications = await db
    .delete(verification)
    .where(lt(verification.expiresAt, cutoff))
    .returning({ id: verification.id });
  return { sessions: sessions.length, verifications: verifications.length };
}
