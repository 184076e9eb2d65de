/**
 * Link passwords: salted PBKDF2-SHA256, with Web Crypto only, so the edge can verify what Node
 * stored. Format: `pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>`.
 *
 * 100,000 iterations: a deliberate balance. OWASP suggests 600,000 for PBKDF2-SHA256 against
 * offline cracking of account passwords; a link password guards one link, attempts are limited
 * per IP and link at the origin, and the verify runs on the redirect path of edge runtimes with
 * tight CPU budgets. The iteration count is stored per hash, so it can be raised without a
 * migration.
 */
const ALGORITHM = "pbkdf2-sha256";
export const LINK_PASSWORD_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;

const encoder = new TextEncoder();

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password.normalize("NFC")), "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BITS));
}

export async function hashLinkPassword(password: string, iterations = LINK_PASSWORD_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, iterations);
  return [ALGORITHM, iterations, toBase64Url(salt), toBase64Url(hash)].join("$");
}

/** True when `password` matches `stored`; false for a wrong password or a malformed hash. */
export async function verifyLinkPassword(password: string, stored: string): Promise<boolean> {
  const [algorithm, iterationsText, saltText, hashText, extra] = stored.split("$");
  if (algorithm !== ALGORITHM || extra !== undefined || !saltText || !hashText) return false;
  const iterations = Number(iterationsText);
  if (!Number.isSafeInteger(iterations) || iterations < 1_000 || iterations > 10_000_000) return false;
  const salt = fromBase64Url(saltText);
  const expected = fromBase64Url(hashText);
  if (!salt || !expected || expected.length !== HASH_BITS / 8) return false;
  const actual = await derive(password, salt, iterations);
  // Constant-time comparison.
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= expected[i]! ^ actual[i]!;
  return difference === 0;
}
