/**
 * The edge gate for dashboard paths: what can be known about a session without a database.
 *
 * Better Auth (src/server/auth/auth.ts) sets two cookies, both HMAC-SHA256 with SIGNPOST_SECRET:
 * - `better-auth.session_token` = `<token>.<base64 HMAC(token)>` — who you claim to be;
 * - `better-auth.session_data` (the cookie cache, "compact") = base64url JSON
 *   `{ session: { session, user, updatedAt, version }, expiresAt, signature }`, the signature being
 *   base64url HMAC over `JSON.stringify({ ...session, expiresAt })` — a 5-minute signed snapshot.
 * On https the names carry the `__Secure-` prefix.
 *
 * Verdicts: no token or a bad signature → anonymous (sign in); a valid snapshot bound to that
 * token, not lapsed, whose session has not expired → fresh (let through); a validly signed token
 * without a usable snapshot → stale (Node checks the database and re-issues the snapshot); a
 * valid snapshot saying the session itself expired → anonymous. Node checks the session and the
 * role again on every read and write: the edge only keeps obvious strangers off the backend.
 *
 * Runtime-neutral: Web Crypto, TextEncoder, atob. No Node built-ins.
 */
import { parseCookies } from "./cookies";

/** Dashboard paths the gate covers (and their sub-paths). All are reserved app paths. */
export const GATED_PREFIXES = ["/app", "/settings"] as const;

/** Where anonymous visitors go, and where a stale snapshot is refreshed (Node). */
export const LOGIN_PATH = "/login";
export const REFRESH_PATH = "/api/auth/session-refresh";
/** Where people land after signing in when no (acceptable) `next` was given. */
export const DEFAULT_AFTER_LOGIN = "/app";

/** Paths that are never a useful (or safe) place to return to after signing in. */
const NOT_NEXT = [LOGIN_PATH, "/signup", "/logout", "/api/auth"];

const COOKIE_PREFIX = "better-auth";

export function sessionCookieNames(secure: boolean): { token: string; data: string } {
  const prefix = secure ? "__Secure-" : "";
  return { token: `${prefix}${COOKIE_PREFIX}.session_token`, data: `${prefix}${COOKIE_PREFIX}.session_data` };
}

/**
 * The pathname as Next will route it: percent-decoded (so `/%61pp` is `/app`), repeated slashes
 * collapsed, lower-cased for the comparison. Undecodable paths are gated, to be safe.
 */
export function isGatedPath(pathname: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return true;
  }
  const normalized = decoded.replace(/\\/g, "/").replace(/\/{2,}/g, "/").toLowerCase();
  return GATED_PREFIXES.some((prefix) => normalized === prefix || normalized.startsWith(`${prefix}/`));
}

const SAFE_BASE = "https://signpost.invalid";

/**
 * `raw` as a same-site path to return to after signing in, or null when it is not one. Accepts only
 * a plain absolute path (`/settings?x=1#y`): no scheme, no host, no protocol-relative `//` or
 * `/\` (browsers read `\` as `/`), no control characters or whitespace, not even once
 * percent-decoded (`/%2F%2Fevil.com`), and never the sign-in pages themselves.
 */
export function safeNextPath(raw: string | null | undefined): string | null {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 2048) return null;
  if (!raw.startsWith("/") || raw.startsWith("//")) return null;
  if (/[\\\s\u0000-\u001f\u007f]/.test(raw)) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return null;
  }
  if (decoded.startsWith("//") || /[\\\u0000-\u001f\u007f]/.test(decoded)) return null;
  let url: URL;
  try {
    url = new URL(raw, SAFE_BASE);
  } catch {
    return null;
  }
  if (url.origin !== SAFE_BASE) return null;
  const path = url.pathname.toLowerCase();
  if (NOT_NEXT.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** `/login?next=<path>` for a request to `pathWithSearch` (a gated path, so always same-site). */
export function loginPath(pathWithSearch: string): string {
  const next = safeNextPath(pathWithSearch);
  return next ? `${LOGIN_PATH}?next=${encodeURIComponent(next)}` : LOGIN_PATH;
}

// ---- Signatures --------------------------------------------------------------------------------

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify", "sign"]);
    keys.set(secret, key);
  }
  return key;
}

function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> | null {
  try {
    const binary = atob(base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

function base64UrlToBytes(value: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(value)) return null;
  const padded = value.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (value.length % 4)) % 4);
  return base64ToBytes(padded);
}

async function verifyHmac(secret: string, signature: Uint8Array<ArrayBuffer>, data: string): Promise<boolean> {
  // crypto.subtle.verify compares in constant time.
  return crypto.subtle.verify("HMAC", await hmacKey(secret), signature, encoder.encode(data));
}

/** The session token from a signed `better-auth.session_token` value, or null when forged or malformed. */
export async function verifySessionToken(secret: string, value: string | undefined): Promise<string | null> {
  if (!value) return null;
  const dot = value.lastIndexOf(".");
  if (dot < 1) return null;
  const token = value.slice(0, dot);
  const signature = value.slice(dot + 1);
  // Better Auth's signatures are standard base64 of 32 bytes: 44 characters ending in "=".
  if (signature.length !== 44 || !signature.endsWith("=")) return null;
  const bytes = base64ToBytes(signature);
  if (!bytes || bytes.length !== 32) return null;
  return (await verifyHmac(secret, bytes, token)) ? token : null;
}

/** What the edge learns from a valid session-data cookie. */
export interface SessionSnapshot {
  token: string;
  userId: string;
  /** When the session itself ends (ms since the epoch). */
  sessionExpiresAt: number;
  /** When this snapshot lapses and Node must look again (ms since the epoch). */
  snapshotExpiresAt: number;
}

/** The session-data cookie's value, joined from `name.0`, `name.1`, … when Better Auth chunked it. */
function sessionDataValue(cookies: Map<string, string>, name: string): string | undefined {
  const whole = cookies.get(name);
  if (whole) return whole;
  const chunks: [number, string][] = [];
  for (const [cookieName, value] of cookies) {
    const match = cookieName.startsWith(`${name}.`) ? /^\d+$/.exec(cookieName.slice(name.length + 1)) : null;
    if (match) chunks.push([Number(match[0]), value]);
  }
  if (chunks.length === 0) return undefined;
  return chunks
    .sort((a, b) => a[0] - b[0])
    .map(([, value]) => value)
    .join("");
}

/** A signed session-data cookie's content, or null when absent, malformed or not signed by us. */
export async function readSessionSnapshot(secret: string, value: string | undefined): Promise<SessionSnapshot | null> {
  if (!value || value.length > 16_384) return null;
  const bytes = base64UrlToBytes(value);
  if (!bytes) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const { session, expiresAt, signature } = parsed as { session?: unknown; expiresAt?: unknown; signature?: unknown };
  if (typeof session !== "object" || session === null || typeof expiresAt !== "number" || typeof signature !== "string") return null;
  const signatureBytes = base64UrlToBytes(signature);
  if (!signatureBytes || signatureBytes.length !== 32) return null;
  if (!(await verifyHmac(secret, signatureBytes, JSON.stringify({ ...session, expiresAt })))) return null;
  const inner = (session as { session?: { token?: unknown; userId?: unknown; expiresAt?: unknown } }).session;
  if (!inner || typeof inner.token !== "string" || typeof inner.userId !== "string") return null;
  const sessionExpiresAt = typeof inner.expiresAt === "string" || typeof inner.expiresAt === "number" ? new Date(inner.expiresAt).getTime() : NaN;
  if (!Number.isFinite(sessionExpiresAt)) return null;
  return { token: inner.token, userId: inner.userId, sessionExpiresAt, snapshotExpiresAt: expiresAt };
}

export type GateVerdict =
  | { kind: "fresh"; userId: string; sessionExpiresAt: number }
  | { kind: "stale" }
  | { kind: "anonymous"; reason: "missing" | "invalid" | "expired" };

export interface GateOptions {
  secret: string;
  /** True when APP_URL is https (Better Auth then names its cookies `__Secure-…`). */
  secure: boolean;
  /** Clock, ms since the epoch. */
  now?: number;
}

/** What the cookies on a request say, checked with nothing but the shared secret. */
export async function checkSessionCookies(cookieHeader: string | null, options: GateOptions): Promise<GateVerdict> {
  const now = options.now ?? Date.now();
  const names = sessionCookieNames(options.secure);
  const cookies = parseCookies(cookieHeader);
  const raw = cookies.get(names.token);
  if (!raw) return { kind: "anonymous", reason: "missing" };
  const token = await verifySessionToken(options.secret, raw);
  if (!token) return { kind: "anonymous", reason: "invalid" };
  const snapshot = await readSessionSnapshot(options.secret, sessionDataValue(cookies, names.data));
  // No snapshot, someone else's, or a lapsed one: only the database can tell.
  if (!snapshot || snapshot.token !== token || snapshot.snapshotExpiresAt <= now) return { kind: "stale" };
  if (snapshot.sessionExpiresAt <= now) return { kind: "anonymous", reason: "expired" };
  return { kind: "fresh", userId: snapshot.userId, sessionExpiresAt: snapshot.sessionExpiresAt };
}

export interface SessionGateOptions extends GateOptions {
  /** Origin to build absolute redirect URLs on (the host the request was routed by). */
  baseUrl: string;
}

function expired(name: string, secure: boolean): string {
  return `${name}=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly${secure ? "; Secure" : ""}`;
}

/**
 * The gate for one request to a gated path: null to let it through, or the response that replaces
 * it — a redirect to sign in, or (for a stale snapshot on a page load) a redirect through Node's
 * refresh, which checks the database and re-issues the snapshot. Other methods with a stale
 * snapshot go on to Node, whose own checks decide.
 */
export async function sessionGate(request: Request, options: SessionGateOptions): Promise<Response | null> {
  const url = new URL(request.url);
  const here = `${url.pathname}${url.search}`;
  const verdict = await checkSessionCookies(request.headers.get("cookie"), options);
  if (verdict.kind === "fresh") return null;
  const headers = new Headers({ "cache-control": "private, no-store" });
  if (verdict.kind === "stale") {
    if (request.method !== "GET" && request.method !== "HEAD") return null;
    const next = safeNextPath(here);
    headers.set("location", new URL(`${REFRESH_PATH}${next ? `?next=${encodeURIComponent(next)}` : ""}`, options.baseUrl).toString());
    return new Response(null, { status: 307, headers });
  }
  if (verdict.reason !== "missing") {
    // A forged, tampered or expired cookie is useless: drop it so the next sign-in starts clean.
    const names = sessionCookieNames(options.secure);
    headers.append("set-cookie", expired(names.token, options.secure));
    headers.append("set-cookie", expired(names.data, options.secure));
  }
  headers.set("location", new URL(loginPath(here), options.baseUrl).toString());
  // 303 for a form post, so the browser fetches the sign-in page rather than posting to it.
  return new Response(null, { status: request.method === "GET" || request.method === "HEAD" ? 307 : 303, headers });
}
