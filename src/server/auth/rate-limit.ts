import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { getDb } from "@/server/db/client";
import { rateLimit } from "@/server/db/schema";

/** A limit: at most `max` attempts per fixed window of `windowSeconds`. */
export interface Limit {
  max: number;
  windowSeconds: number;
}

/**
 * The abuse limits on the account flows. Per IP they are enforced by Better Auth's own limiter on
 * its HTTP endpoints (storage: database) and by Signpost for the same calls made from the pages'
 * server actions; per account (the email address) by Signpost for both.
 */
export const AUTH_LIMITS = {
  signIn: { perIp: { max: 10, windowSeconds: 60 }, perAccount: { max: 10, windowSeconds: 15 * 60 } },
  signUp: { perIp: { max: 5, windowSeconds: 60 * 60 }, perAccount: { max: 3, windowSeconds: 60 * 60 } },
  requestReset: { perIp: { max: 5, windowSeconds: 60 * 60 }, perAccount: { max: 3, windowSeconds: 60 * 60 } },
  resetPassword: { perIp: { max: 10, windowSeconds: 15 * 60 }, perAccount: null },
  sendVerification: { perIp: { max: 5, windowSeconds: 60 * 60 }, perAccount: { max: 3, windowSeconds: 60 * 60 } },
} as const satisfies Record<string, { perIp: Limit; perAccount: Limit | null }>;

export type LimitedFlow = keyof typeof AUTH_LIMITS;

/** Better Auth endpoint path -> the flow it belongs to. */
export const LIMITED_PATHS: Record<string, LimitedFlow> = {
  "/sign-in/email": "signIn",
  "/sign-up/email": "signUp",
  "/request-password-reset": "requestReset",
  "/reset-password": "resetPassword",
  "/send-verification-email": "sendVerification",
};

export type Verdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Keys are hashed: the table never holds an email address or an IP in clear. */
function hashed(value: string): string {
  return createHash("sha256").update(value).digest("base64url").slice(0, 32);
}

export function accountKey(flow: LimitedFlow, email: string): string {
  return `signpost:${flow}:account:${hashed(email.trim().toLowerCase())}`;
}

export function ipKey(flow: LimitedFlow, ip: string): string {
  return `signpost:${flow}:ip:${hashed(ip)}`;
}

/**
 * Counts one attempt under `key` in fixed windows, atomically (one upsert, so concurrent requests
 * on any number of instances share the count), and says whether it is within `limit`. For these
 * keys `last_request` holds the start of the current window.
 */
export async function consume(key: string, limit: Limit, now = Date.now()): Promise<Verdict> {
  const db = await getDb();
  const windowMs = limit.windowSeconds * 1000;
  const lapsed = sql`${rateLimit.lastRequest} <= ${now - windowMs}`;
  const [row] = await db
    .insert(rateLimit)
    .values({ id: randomUUID(), key, count: 1, lastRequest: now })
    .onConflictDoUpdate({
      target: rateLimit.key,
      set: {
        count: sql`case when ${lapsed} then 1 else ${rateLimit.count} + 1 end`,
        lastRequest: sql`case when ${lapsed} then ${now}::bigint else ${rateLimit.lastRequest} end`,
      },
    })
    .returning({ count: rateLimit.count, windowStart: rateLimit.lastRequest });
  if (row!.count <= limit.max) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((Number(row!.windowStart) + windowMs - now) / 1000)) };
}
