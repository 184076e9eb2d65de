/** Slug rules shared by the API (validation, generation) and the edge (routing). */

/** Letters, digits, `-` and `_`; 1–190 characters; no leading/trailing separator. */
export const SLUG_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,188}[A-Za-z0-9])?$/;

const ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"; // no look-alikes (0/O, 1/l/I)

/**
 * A random slug from Web Crypto, unbiased by rejection sampling. Seven characters from a
 * 57-letter alphabet give ~1.95e12 values, so collisions are rare; callers still retry on one.
 */
export function generateSlug(length = 7): string {
  const out: string[] = [];
  const limit = 256 - (256 % ALPHABET.length);
  while (out.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
    for (const byte of bytes) {
      if (byte < limit && out.length < length) out.push(ALPHABET[byte % ALPHABET.length]!);
    }
  }
  return out.join("");
}
