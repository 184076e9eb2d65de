import "server-only";
import { cookies, headers } from "next/headers";

/** The incoming request's headers (cookie, client IP, user agent) for the account services. */
export async function requestHeaders(): Promise<Headers> {
  return new Headers(await headers());
}

/**
 * Applies Better Auth's Set-Cookie lines in a server action or route handler. Values arrive
 * URL-encoded (signed cookies) and Next encodes again when it writes, so they are decoded first.
 */
export async function applySetCookies(lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const jar = await cookies();
  for (const line of lines) {
    const [pair, ...attributes] = line.split(";").map((part) => part.trim());
    const eq = pair!.indexOf("=");
    if (eq <= 0) continue;
    const name = pair!.slice(0, eq);
    let value = pair!.slice(eq + 1);
    try {
      value = decodeURIComponent(value);
    } catch {
      // keep the raw value
    }
    const options: { path?: string; domain?: string; maxAge?: number; expires?: Date; httpOnly?: boolean; secure?: boolean; sameSite?: "lax" | "strict" | "none" } = {};
    for (const attribute of attributes) {
      const [rawKey, ...rest] = attribute.split("=");
      const key = rawKey!.trim().toLowerCase();
      const attrValue = rest.join("=").trim();
      if (key === "path") options.path = attrValue;
      else if (key === "domain") options.domain = attrValue;
      else if (key === "max-age") options.maxAge = Number(attrValue);
      else if (key === "expires") options.expires = new Date(attrValue);
      else if (key === "httponly") options.httpOnly = true;
      else if (key === "secure") options.secure = true;
      else if (key === "samesite") options.sameSite = attrValue.toLowerCase() as "lax" | "strict" | "none";
    }
    jar.set(name, value, options);
  }
}
