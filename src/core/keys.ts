/**
 * Purpose-bound keys derived from the one shared secret (Web Crypto only):
 * key(purpose) = HMAC-SHA256(SIGNPOST_SECRET, purpose). A key for one purpose (protocol signing,
 * password cookies, visitor ids) can never verify another's data.
 */
const encoder = new TextEncoder();
const cache = new Map<string, Promise<CryptoKey>>();

function importHmacKey(raw: BufferSource): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/** The HMAC key for `purpose`, derived from `secret` (cached). */
export function derivedKey(secret: string, purpose: string): Promise<CryptoKey> {
  const id = `${purpose}\n${secret}`;
  let key = cache.get(id);
  if (!key) {
    key = importHmacKey(encoder.encode(secret))
      .then((root) => crypto.subtle.sign("HMAC", root, encoder.encode(purpose)))
      .then((raw) => importHmacKey(raw));
    cache.set(id, key);
  }
  return key;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

export function toHex(buffer: ArrayBuffer | Uint8Array): string {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  let hex = "";
  for (let i = 0; i < bytes.length; i++) hex += HEX[bytes[i]!];
  return hex;
}

/** Lower-case hex → bytes, or null when malformed. */
export function fromHex(text: string): Uint8Array<ArrayBuffer> | null {
  if (text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) return null;
  return new Uint8Array(text.match(/../g)?.map((pair) => parseInt(pair, 16)) ?? []);
}

/** hex(HMAC-SHA256(key(purpose), data)). */
export async function hmacHex(secret: string, purpose: string, data: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return toHex(await crypto.subtle.sign("HMAC", await derivedKey(secret, purpose), bytes));
}

/** Constant-time check of a hex HMAC made by `hmacHex`. */
export async function verifyHmacHex(secret: string, purpose: string, data: string | Uint8Array<ArrayBuffer>, signature: string): Promise<boolean> {
  const expected = fromHex(signature);
  if (!expected || expected.length !== 32) return false;
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return crypto.subtle.verify("HMAC", await derivedKey(secret, purpose), expected, bytes);
}
