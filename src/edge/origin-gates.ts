import type { OriginClient, Trace } from "./origin-client";
import { OriginUnavailableError } from "./link-store";

export type Reservation = { admitted: true; remaining: number } | { admitted: false; reason: "exhausted" | "unknown" };
export type AttemptVerdict = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

/** The origin's shared, authoritative counters: exact `maxClicks` and password-attempt limits. */
export interface OriginGates {
  reserveClick(linkId: string, trace?: Trace): Promise<Reservation>;
  recordPasswordAttempt(linkId: string, visitor: string, trace?: Trace): Promise<AttemptVerdict>;
}

export function createOriginGates(origin: OriginClient): OriginGates {
  async function post<T>(path: string, body: unknown, trace?: Trace): Promise<T> {
    const response = await origin.request("POST", path, { body: JSON.stringify(body), trace });
    if (!response.ok) {
      await response.body?.cancel();
      throw new OriginUnavailableError(response.status);
    }
    return (await response.json()) as T;
  }
  return {
    reserveClick: (linkId, trace) => post("/api/internal/v1/links/reserve", { linkId }, trace),
    recordPasswordAttempt: (linkId, visitor, trace) => post("/api/internal/v1/password-attempts", { linkId, visitor }, trace),
  };
}
