import "server-only";
import { MAX_CLOCK_SKEW_MS, verifyRequest } from "@/core/protocol";
import { serverConfig } from "@/config/env";
import { ApiError } from "@/server/api/errors";

// Nonces seen within the skew window. Replays older than the window fail the timestamp check.
// Per process: internal writes are idempotent by click id, so a replay that reaches a different
// instance changes nothing either.
const seen = new Map<string, number>();

function rememberNonce(nonce: string, now: number): boolean {
  if (seen.size > 10_000) {
    for (const [n, expires] of seen) if (expires < now) seen.delete(n);
  }
  if (seen.has(nonce)) return false;
  seen.set(nonce, now + 2 * MAX_CLOCK_SKEW_MS);
  return true;
}

/** Verifies a signed internal request and returns its body text; throws 401 otherwise. */
export async function verifyInternalRequest(request: Request): Promise<string> {
  const body = await request.text();
  const url = new URL(request.url);
  const now = Date.now();
  const result = await verifyRequest(serverConfig().secret, request.method, url.pathname + url.search, request.headers, body, now);
  if (!result.ok) throw new ApiError("unauthorized", `Internal request refused: ${result.reason}`);
  if (!rememberNonce(result.nonce, now)) throw new ApiError("unauthorized", "Internal request refused: replayed nonce");
  return body;
}
