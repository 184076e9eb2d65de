import type { OriginClient } from "./origin-client";
import { OriginUnavailableError } from "./link-store";

export type Reservation = { admitted: true; remaining: number } | { admitted: false; reason: "exhausted" | "unknown" };
export type AttemptVerdict = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

/** The origin's shared, authoritative counters: exact `maxClicks` and password-attempt limits. */
export interface OriginGates {
  reserveClick(linkId: string, requestId?: string): Promise<Reservation>;
  recordPasswordAttempt(linkId: string, visitor: string, requestId?: string): Promise<AttemptVerdict>;
}

export function createOriginGates(origin: OriginClient): OriginGates {
  async function post<T>(path: string, body: unknown, requestId?: string): Promise<T> {
    const response = await origin.request("POST", path, { body: JSON.stringify(body), requestId });
    if (!response.ok) {
      await response.body?.cancel();
      throw new OriginUnavailableError(response.status);
    }
    return (await response.json()) as T;
  }
  return {
    reserveClick: (linkId, requestId) => post("/api/internal/v1/links/reserve", { linkId }, requestId),
    recordPasswordAttempt: (linkId, visitor, requestId) => post("/api/internal/v1/password-attempts", { linkId, visitor }, requestId),
  };
}
