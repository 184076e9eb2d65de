import { hmacHex, verifyHmacHex } from "@/core/keys";

/** Parses a Cookie header leniently: malformed pairs are skipped, never thrown on. */
export function parseCookies(header: string | null): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      continue;
    }
    if (name && !cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

export interface CookieOptions {
  path: string;
  maxAgeSeconds: number;
  secure: boolean;
  httpOnly?: boolean;
}

export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${options.path}`,
    `Max-Age=${options.maxAgeSeconds}`,
    "SameSite=Lax",
    ...(options.httpOnly === false ? [] : ["HttpOnly"]),
    ...(options.secure ? ["Secure"] : []),
  ].join("; ");
}

const PASSWORD_PURPOSE = "signpost/link-password-cookie/v1";

/** Cookie name for a link's password pass; link-scoped so one pass never opens another link. */
export const passwordCookieName = (linkId: string) => `sp_pw_${linkId}`;
export const variantCookieName = (linkId: string) => `sp_v_${linkId}`;

/**
 * A signed pass for one link until `expiresAt`: `<expiry ms>.<hmac>`. The MAC covers the link id
 * and its password hash, so changing the password revokes every pass.
 */
export async function signPasswordPass(secret: string, linkId: string, passwordHash: string, expiresAt: number): Promise<string> {
  return `${expiresAt}.${await hmacHex(secret, PASSWORD_PURPOSE, `${linkId}\n${expiresAt}\n${passwordHash}`)}`;
}

export async function verifyPasswordPass(secret: string, linkId: string, passwordHash: string, value: string | undefined, now: number): Promise<boolean> {
  if (!value) return false;
  const [expiry, signature, extra] = value.split(".");
  if (extra !== undefined || !expiry || !signature || !/^\d{1,16}$/.test(expiry)) return false;
  if (Number(expiry) <= now) return false;
  return verifyHmacHex(secret, PASSWORD_PURPOSE, `${linkId}\n${expiry}\n${passwordHash}`, signature);
}
