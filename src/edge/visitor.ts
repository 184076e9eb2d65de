import { hmac } from "@noble/hashes/hmac";
import { sha256 } from "@noble/hashes/sha2";
import { hmacHex, toHex } from "@/core/keys";

/*
 * These run on every redirect, so they hash synchronously in plain JS (@noble/hashes): a Web Crypto
 * call costs an async round trip per use, which dominated the redirector's profile. The values are
 * the same construction as src/core/keys.ts: HMAC(HMAC(secret, purpose), data).
 */
const encoder = new TextEncoder();
type Keyed = ReturnType<typeof hmac.create>;
const dayHmacs = new Map<string, Keyed>();

/**
 * The day's HMAC with its key already absorbed: cloning it skips the two key blocks each visitor id
 * would otherwise hash again.
 */
function dayHmac(secret: string, day: string): Keyed {
  const id = `${day}\n${secret}`;
  let keyed = dayHmacs.get(id);
  if (!keyed) {
    if (dayHmacs.size > 8) dayHmacs.clear(); // yesterday's and today's are all that matter
    keyed = hmac.create(sha256, hmac(sha256, encoder.encode(secret), encoder.encode(`signpost/visitor/${day}`)));
    dayHmacs.set(id, keyed);
  }
  return keyed;
}

/**
 * Visitor ids follow the Plausible convention: a salted hash of IP + user agent + workspace whose
 * salt rotates daily (derived from the secret and the UTC date), so no raw IP is kept and a visitor
 * cannot be followed from one day to the next.
 */
export function visitorId(secret: string, now: Date, ip: string | null, userAgent: string | null, workspaceId: string): string {
  const day = now.toISOString().slice(0, 10);
  const digest = dayHmac(secret, day).clone().update(encoder.encode(`${ip ?? "-"}\n${userAgent ?? "-"}\n${workspaceId}`)).digest();
  return toHex(digest).slice(0, 32);
}

/** The A/B bucket 0..99 for a visitor and link: deterministic, evenly spread. */
export function variantRoll(visitor: string, linkId: string): number {
  const digest = sha256(encoder.encode(`${visitor}\n${linkId}`));
  const value = ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0;
  return value % 100;
}

/** Who a password attempt is counted against: the IP, hashed (the origin never sees it raw). */
export function attemptVisitor(secret: string, ip: string | null): Promise<string> {
  return hmacHex(secret, "signpost/password-attempts", ip ?? "unknown");
}
