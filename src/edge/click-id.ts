import { v7 } from "uuid";

/*
 * Click ids: UUIDv7 (RFC 9562), stamped with the click's own time, so the click table's primary key
 * grows at its right edge (docs/decisions/0027-time-ordered-click-ids.md).
 *
 * Their random bits come from a pool filled 256 ids at a time: `crypto.getRandomValues` per id (what
 * `v7()` does by default) was 6% of the Node redirector's CPU under load, where Node's own
 * `randomUUID` draws from a buffer. Filled on first use, not at load: Workers refuse random numbers
 * outside a request.
 */
const IDS_PER_FILL = 256;
const pool = new Uint8Array(16 * IDS_PER_FILL);
let used = IDS_PER_FILL;

/** A new click id whose timestamp is `atMs` (ms since the epoch). */
export function clickId(atMs: number): string {
  if (used === IDS_PER_FILL) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  const random = pool.subarray(used * 16, (used + 1) * 16);
  used += 1;
  return v7({ msecs: atMs, random });
}
