import { hmac } from "@noble/hashes/hmac";
import { sha256 } from "@noble/hashes/sha2";
import { hmacHex, toHex } from "@/core/keys";

/*
 * These run on every redirect, so they hash synchronously in plain JS (@noble/hashes): a Web Crypto
 * call costs an async round trip per use, which dominated the redirector's profile. The values are
 * the same construction as src/core/keys.ts: HMAC(HMAC(secret, purpose), data).
 */
const encoder = new TextEncoder();
const dayKeys = new Map<string, Uint8Array>();

function dayKey(secret: string, day: string): Uint8Array {
  const id = `${day}\n${secret}`;
  let key = dayKeys.get(id);
  if (!key) {
    if (dayKeys.size > 8) dayKeys.clear(); // yesterday's and today's are all that matter
    key = hmac(sha256, encoder.encode(secret), encoder.encode(`signpost/visitor/${day}`));
    dayKeys.set(id, key);
  }
  return key;
}

/**
 * Visitor ids follow the Plausible convention: a salted hash of IP + user agent + workspace whose
 * salt rotates daily (derived from the secret and the UTC date), so no raw IP is kept and a visitor
 * cannot be followed from one day to the next.
 */
export function visitorId(secret: string, now: Date, ip: string | null, userAgent: string | null, workspaceId: string): string {
  const day = now.toISOString().slice(0, 10);
  const digest = hmac(sha256, dayKey(secret, day), encoder.encode(`${ip ?? "-"}\n${userAgent ?? "-"}\n${workspaceId}`));
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
