/**
 * The edge <-> origin protocol's request signature (see docs/protocol.md). Web Crypto only, so
 * every host of the edge app and the Node origin share this one implementation.
 *
 * signature = hex(HMAC-SHA256(key, "v1\n" + METHOD + "\n" + path?name-sorted-query + "\n" + timestamp + "\n"
 *                                   + nonce + "\n" + hex(SHA-256(body))))
 * key       = HMAC-SHA256(SIGNPOST_SECRET, "signpost/internal/v1")   (domain separation)
 */
import { hmacHex, toHex, verifyHmacHex } from "./keys";

export const PROTOCOL_VERSION = "v1";
export const MAX_CLOCK_SKEW_MS = 60_000;

export const HEADER_TIMESTAMP = "x-signpost-timestamp";
export const HEADER_NONCE = "x-signpost-nonce";
export const HEADER_SIGNATURE = "x-signpost-signature";

const encoder = new TextEncoder();
const PURPOSE = "signpost/internal/v1";

/**
 * The exact path plus a uniformly encoded query with parameters sorted by name (a stable sort, so
 * repeated names keep their order and meaning): proxies and frameworks may re-encode a query.
 */
function canonicalTarget(pathWithQuery: string): string {
  const queryAt = pathWithQuery.indexOf("?");
  const path = queryAt === -1 ? pathWithQuery : pathWithQuery.slice(0, queryAt);
  if (!path.startsWith("/") || path.startsWith("//")) throw new TypeError(`not an origin-relative path: ${path}`);
  if (queryAt === -1) return path;
  const params = [...new URLSearchParams(pathWithQuery.slice(queryAt + 1))].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const query = new URLSearchParams(params).toString();
  return query ? `${path}?${query}` : path;
}

async function canonical(method: string, pathWithQuery: string, timestamp: string, nonce: string, body: string) {
  const bodyHash = toHex(await crypto.subtle.digest("SHA-256", encoder.encode(body)));
  return encoder.encode([PROTOCOL_VERSION, method.toUpperCase(), canonicalTarget(pathWithQuery), timestamp, nonce, bodyHash].join("\n"));
}

export interface SignedHeaders {
  [HEADER_TIMESTAMP]: string;
  [HEADER_NONCE]: string;
  [HEADER_SIGNATURE]: string;
}

/** Headers that authenticate one request to the origin's internal endpoints. */
export async function signRequest(
  secret: string,
  method: string,
  pathWithQuery: string,
  body = "",
  now = Date.now(),
): Promise<SignedHeaders> {
  const timestamp = String(now);
  const nonce = crypto.randomUUID();
  const data = await canonical(method, pathWithQuery, timestamp, nonce, body);
  const signature = await hmacHex(secret, PURPOSE, data);
  return { [HEADER_TIMESTAMP]: timestamp, [HEADER_NONCE]: nonce, [HEADER_SIGNATURE]: signature };
}

export type VerifyResult = { ok: true; nonce: string; timestamp: number } | { ok: false; reason: string };

/** Checks signature and clock skew. Replay detection (nonce seen before) is the caller's job. */
export async function verifyRequest(
  secret: string,
  method: string,
  pathWithQuery: string,
  headers: Headers,
  body: string,
  now = Date.now(),
): Promise<VerifyResult> {
  const timestamp = headers.get(HEADER_TIMESTAMP);
  const nonce = headers.get(HEADER_NONCE);
  const signature = headers.get(HEADER_SIGNATURE);
  if (!timestamp || !nonce || !signature) return { ok: false, reason: "missing signature headers" };
  const ts = Number(timestamp);
  if (!Number.isSafeInteger(ts) || Math.abs(now - ts) > MAX_CLOCK_SKEW_MS) return { ok: false, reason: "timestamp outside allowed skew" };
  if (!/^[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: "malformed signature" };
  let data: Uint8Array<ArrayBuffer>;
  try {
    data = await canonical(method, pathWithQuery, timestamp, nonce, body);
  } catch {
    return { ok: false, reason: "malformed path" };
  }
  // crypto.subtle.verify (inside verifyHmacHex) compares in constant time.
  const valid = await verifyHmacHex(secret, PURPOSE, data, signature);
  return valid ? { ok: true, nonce, timestamp: ts } : { ok: false, reason: "bad signature" };
}
