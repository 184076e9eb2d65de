import { timingSafeEqual } from "node:crypto";

/**
 * Whether an `Authorization` header may read metrics: always when no METRICS_TOKEN is set, otherwise
 * only `Bearer <token>` exactly, compared in constant time. The app's /metrics and the standalone
 * redirector's metrics port both ask this. It lives with the redirector, not in src/server, because
 * hosts may not reach src/server or `server-only` (the runtime boundary, .dependency-cruiser.cjs);
 * the app's route may import it from here.
 */
export function metricsAuthorized(header: string | null | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const given = Buffer.from(header ?? "");
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
