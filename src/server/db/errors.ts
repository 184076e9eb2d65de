import "server-only";

/** True for Postgres' unique_violation (23505), from pg or PGlite, wrapped by Drizzle or not. */
export function isUniqueViolation(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    if ((current as { code?: unknown }).code === "23505") return true;
  }
  return false;
}

const UNAVAILABLE_NODE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"]);

/**
 * True when the database could not do the work for reasons outside the request: unreachable,
 * shutting down, out of connections or resources, or a serialization failure / deadlock that a
 * retry resolves. Callers answer 503 (or back off and retry) instead of 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") {
      // SQLSTATE classes 08 (connection), 53 (resources), 57P (shutdown / crash), 40001 / 40P01.
      if (/^(08|53)[0-9A-Z]{3}$/.test(code) || /^57P0[1-4]$/.test(code) || code === "40001" || code === "40P01") return true;
      if (UNAVAILABLE_NODE_CODES.has(code)) return true;
    }
    const message = String((current as { message?: unknown }).message ?? "");
    // node-postgres' own wording for a dropped connection or an exhausted pool.
    if (/Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/i.test(message)) return true;
  }
  return false;
}
