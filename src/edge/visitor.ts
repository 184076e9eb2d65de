import { hmacHex } from "@/core/keys";

/**
 * Visitor ids follow the Plausible convention: a salted hash of IP + user agent + workspace whose
 * salt rotates daily (derived from the secret and the UTC date), so no raw IP is kept and a visitor
 * cannot be followed from one day to the next.
 */
export async function visitorId(secret: string, now: Date, ip: string | null, userAgent: string | null, workspaceId: string): Promise<string> {
  const day = now.toISOString().slice(0, 10);
  const digest = await hmacHex(secret, `signpost/visitor/${day}`, `${ip ?? "-"}\n${userAgent ?? "-"}\n${workspaceId}`);
  return digest.slice(0, 32);
}

/** The A/B bucket 0..99 for a visitor and link: deterministic, evenly spread. */
export async function variantRoll(visitor: string, linkId: string): Promise<number> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${visitor}\n${linkId}`)));
  const value = ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0;
  return value % 100;
}

/** Who a password attempt is counted against: the IP, hashed (the origin never sees it raw). */
export function attemptVisitor(secret: string, ip: string | null): Promise<string> {
  return hmacHex(secret, "signpost/password-attempts", ip ?? "unknown");
}
