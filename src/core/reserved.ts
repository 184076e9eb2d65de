/**
 * Paths the app owns when one host serves both the dashboard and short links (the embedded
 * default). Every other single-segment path on a short host is a short link, and none of these
 * words can ever be a slug.
 */
export const RESERVED_PATH_PREFIXES = [
  "api",
  "app",
  "login",
  "logout",
  "signup",
  "setup",
  "settings",
  "docs",
  "_next",
  "static",
  "assets",
  "favicon.ico",
  "robots.txt",
  "sitemap.xml",
  "manifest.json",
  "metrics",
  "healthz",
  "readyz",
  "invite",
  "verify-email",
  "reset-password",
  "forgot-password",
] as const;

const reserved = new Set<string>(RESERVED_PATH_PREFIXES);

/** True when `key` may not be used as a slug because the app owns that path. */
export function isReservedKey(key: string): boolean {
  return reserved.has(key.toLowerCase());
}

/** True when a pathname belongs to the app rather than to a short link. */
export function isAppPath(pathname: string): boolean {
  const first = pathname.split("/")[1] ?? "";
  return first === "" || reserved.has(first.toLowerCase());
}
