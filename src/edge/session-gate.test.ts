/**
 * The edge session gate, in the edge runtime: missing, forged, tampered, expired and lapsed cookies;
 * open-redirect `next` values; which paths are gated. Cookies are made here with Web Crypto in
 * Better Auth's exact formats (tests/integration/auth-gate.test.ts checks real Better Auth cookies
 * against the same code).
 */
import { describe, expect, test } from "vitest";
import { checkSessionCookies, isGatedPath, loginPath, readSessionSnapshot, safeNextPath, sessionCookieNames, sessionGate, verifySessionToken } from "./session-gate";

const SECRET = "session-gate-test-secret-0123456789abcdef";
const OTHER_SECRET = "someone-elses-secret-0123456789abcdef0000";
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const HOUR = 3_600_000;
const BASE = "http://localhost:3000";
const names = sessionCookieNames(false);

const encoder = new TextEncoder();

async function hmac(secret: string, data: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(data)));
}

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const base64url = (bytes: Uint8Array) => base64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** better-call's signed cookie: `<value>.<base64 HMAC>`, URL-encoded. */
async function signedToken(token: string, secret = SECRET): Promise<string> {
  return encodeURIComponent(`${token}.${base64(await hmac(secret, token))}`);
}

interface DataOptions {
  token?: string;
  secret?: string;
  /** When the snapshot lapses. */
  expiresAt?: number;
  /** When the session itself ends. */
  sessionExpiresAt?: number;
}

/** Better Auth's "compact" cookie cache. */
async function sessionData(options: DataOptions = {}): Promise<string> {
  const session = {
    session: {
      id: "ses_1",
      token: options.token ?? "tok_abc",
      userId: "usr_1",
      expiresAt: new Date(options.sessionExpiresAt ?? NOW + 30 * 24 * HOUR).toISOString(),
      createdAt: new Date(NOW - HOUR).toISOString(),
      updatedAt: new Date(NOW - HOUR).toISOString(),
      activeOrganizationId: "org_1",
    },
    user: { id: "usr_1", name: "Ada", email: "ada@example.com", emailVerified: true, createdAt: new Date(NOW - HOUR).toISOString(), updatedAt: new Date(NOW - HOUR).toISOString() },
    updatedAt: NOW - 60_000,
    version: "1",
  };
  const expiresAt = options.expiresAt ?? NOW + 4 * 60_000;
  const signature = base64url(await hmac(options.secret ?? SECRET, JSON.stringify({ ...session, expiresAt })));
  return base64url(encoder.encode(JSON.stringify({ session, expiresAt, signature })));
}

async function cookies(parts: { token?: string | null; data?: string | null; extra?: string } = {}): Promise<string> {
  const token = parts.token === undefined ? await signedToken("tok_abc") : parts.token;
  const data = parts.data === undefined ? await sessionData() : parts.data;
  return [token !== null ? `${names.token}=${token}` : null, data !== null ? `${names.data}=${data}` : null, parts.extra ?? null].filter(Boolean).join("; ");
}

const check = (cookie: string | null, now = NOW) => checkSessionCookies(cookie, { secret: SECRET, secure: false, now });

describe("checkSessionCookies", () => {
  test("a signed token with a valid, bound, current snapshot is fresh", async () => {
    expect(await check(await cookies())).toEqual({ kind: "fresh", userId: "usr_1", sessionExpiresAt: NOW + 30 * 24 * HOUR });
  });

  test("missing cookies are anonymous", async () => {
    expect(await check(null)).toEqual({ kind: "anonymous", reason: "missing" });
    expect(await check("")).toEqual({ kind: "anonymous", reason: "missing" });
    expect(await check("unrelated=1; other=2")).toEqual({ kind: "anonymous", reason: "missing" });
    // A snapshot alone is not a session.
    expect(await check(await cookies({ token: null }))).toEqual({ kind: "anonymous", reason: "missing" });
  });

  test("a forged token (signed with another secret) is anonymous", async () => {
    expect(await check(await cookies({ token: await signedToken("tok_abc", OTHER_SECRET) }))).toEqual({ kind: "anonymous", reason: "invalid" });
  });

  test("a tampered token (value or signature changed) is anonymous", async () => {
    const good = decodeURIComponent(await signedToken("tok_abc"));
    const [value, signature] = [good.slice(0, good.lastIndexOf(".")), good.slice(good.lastIndexOf(".") + 1)];
    const flipped = `${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`;
    for (const token of [
      `tok_abd.${signature}`,
      `${value}.${flipped}`,
      value,
      `${value}.`,
      `${value}.${signature.slice(0, -1)}`,
      `${value}.${"=".repeat(44)}`,
      `.${signature}`,
      "not-even-close",
    ]) {
      expect(await check(await cookies({ token: encodeURIComponent(token) })), token).toEqual({ kind: "anonymous", reason: "invalid" });
    }
  });

  test("the token cookie's __Secure- name is required on https and ignored on http", async () => {
    const secure = sessionCookieNames(true);
    const header = `${secure.token}=${await signedToken("tok_abc")}; ${secure.data}=${await sessionData()}`;
    expect(await checkSessionCookies(header, { secret: SECRET, secure: true, now: NOW })).toMatchObject({ kind: "fresh" });
    expect(await checkSessionCookies(await cookies(), { secret: SECRET, secure: true, now: NOW })).toEqual({ kind: "anonymous", reason: "missing" });
    expect(await check(header)).toEqual({ kind: "anonymous", reason: "missing" });
  });

  test("a valid token without a snapshot, or with a lapsed, tampered, forged or foreign one, is stale (Node decides)", async () => {
    expect(await check(await cookies({ data: null }))).toEqual({ kind: "stale" });
    expect(await check(await cookies({ data: await sessionData({ expiresAt: NOW - 1 }) }))).toEqual({ kind: "stale" });
    expect(await check(await cookies({ data: await sessionData({ secret: OTHER_SECRET }) }))).toEqual({ kind: "stale" });
    // Someone else's valid snapshot next to my token.
    expect(await check(await cookies({ data: await sessionData({ token: "tok_other" }) }))).toEqual({ kind: "stale" });
    // Tampered: the payload edited to extend the snapshot, signature kept.
    const data = await sessionData();
    const decoded = JSON.parse(atob(data.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (data.length % 4)) % 4))) as { expiresAt: number };
    decoded.expiresAt = NOW + 365 * 24 * HOUR;
    const tampered = base64url(encoder.encode(JSON.stringify(decoded)));
    expect(await check(await cookies({ data: tampered }))).toEqual({ kind: "stale" });
    expect(await check(await cookies({ data: "garbage!" }))).toEqual({ kind: "stale" });
  });

  test("the snapshot lapses exactly at its expiry", async () => {
    const header = await cookies({ data: await sessionData({ expiresAt: NOW + 1000 }) });
    expect((await check(header, NOW + 999)).kind).toBe("fresh");
    expect((await check(header, NOW + 1000)).kind).toBe("stale");
  });

  test("a valid snapshot whose session has expired is anonymous", async () => {
    expect(await check(await cookies({ data: await sessionData({ sessionExpiresAt: NOW - 1 }) }))).toEqual({ kind: "anonymous", reason: "expired" });
  });

  test("a chunked snapshot (name.0, name.1) is joined in order", async () => {
    const data = await sessionData();
    const header = `${names.token}=${await signedToken("tok_abc")}; ${names.data}.1=${data.slice(100)}; ${names.data}.0=${data.slice(0, 100)}`;
    expect((await check(header)).kind).toBe("fresh");
  });

  test("helpers refuse malformed input without throwing", async () => {
    expect(await verifySessionToken(SECRET, undefined)).toBeNull();
    expect(await verifySessionToken(SECRET, "a.b")).toBeNull();
    expect(await readSessionSnapshot(SECRET, "e30")).toBeNull(); // "{}"
    expect(await readSessionSnapshot(SECRET, "x".repeat(20_000))).toBeNull();
  });
});

describe("safeNextPath", () => {
  test("keeps same-site paths with their query and fragment", () => {
    expect(safeNextPath("/settings/members")).toBe("/settings/members");
    expect(safeNextPath("/app?tab=links&q=a%20b#top")).toBe("/app?tab=links&q=a%20b#top");
    expect(safeNextPath("/app/links/lnk_1")).toBe("/app/links/lnk_1");
  });

  test.each([
    ["//evil.com", "protocol-relative"],
    ["https://evil.com", "absolute"],
    ["http://localhost:3000/app", "absolute, even our own"],
    ["/\\evil.com", "backslash"],
    ["\\\\evil.com", "backslashes"],
    ["/\\/evil.com", "mixed"],
    ["%2F%2Fevil.com", "encoded, not a path"],
    ["/%2F%2Fevil.com", "encoded slashes after /"],
    ["/%2fevil.com", "encoded slash, lower case"],
    ["/%5Cevil.com", "encoded backslash"],
    ["%252F%252Fevil.com", "double-encoded"],
    ["/%09/evil.com", "encoded tab"],
    ["/\t/evil.com", "tab"],
    ["/ /evil.com", "space"],
    ["javascript:alert(1)", "scheme"],
    ["evil.com", "relative"],
    ["", "empty"],
    ["/login", "the sign-in page"],
    ["/login?next=/app", "the sign-in page with a next"],
    ["/api/auth/sign-out", "an auth endpoint"],
    ["/%E0%A4%A", "undecodable"],
  ])("refuses %s (%s)", (value) => {
    expect(safeNextPath(value)).toBeNull();
  });

  test("refuses non-strings and very long values", () => {
    expect(safeNextPath(null)).toBeNull();
    expect(safeNextPath(undefined)).toBeNull();
    expect(safeNextPath(`/${"a".repeat(3000)}`)).toBeNull();
  });

  test("loginPath encodes the return path", () => {
    expect(loginPath("/settings/members?x=1")).toBe("/login?next=%2Fsettings%2Fmembers%3Fx%3D1");
    expect(loginPath("//evil.com")).toBe("/login");
  });
});

describe("isGatedPath", () => {
  test.each(["/app", "/app/", "/app/links", "/settings", "/settings/account", "/settings/members", "/APP", "/%61pp", "//app", "/settings%2Faccount", "/%E0%A4%A"])("gates %s", (path) => {
    expect(isGatedPath(path)).toBe(true);
  });
  test.each(["/", "/login", "/signup", "/apple", "/settingsx", "/invite/abc", "/api/v1/links", "/reset-password", "/verify-email", "/hello"])("leaves %s alone", (path) => {
    expect(isGatedPath(path)).toBe(false);
  });
});

describe("sessionGate", () => {
  const gate = (path: string, cookie: string | null, init: RequestInit = {}) =>
    sessionGate(new Request(`${BASE}${path}`, { ...init, headers: { ...(cookie ? { cookie } : {}), ...(init.headers as Record<string, string> | undefined) } }), {
      secret: SECRET,
      secure: false,
      now: NOW,
      baseUrl: BASE,
    });

  test("fresh sessions pass", async () => {
    expect(await gate("/settings/account", await cookies())).toBeNull();
  });

  test("no cookie: 307 to /login with the path to return to", async () => {
    const response = (await gate("/settings/members?tab=invites", null))!;
    expect(response.status).toBe(307);
    expect(response.headers.get("location")).toBe(`${BASE}/login?next=%2Fsettings%2Fmembers%3Ftab%3Dinvites`);
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  test("a forged cookie: to /login, and the useless cookies are cleared", async () => {
    const response = (await gate("/app", await cookies({ token: await signedToken("tok_abc", OTHER_SECRET) })))!;
    expect(response.status).toBe(307);
    expect(response.headers.get("location")).toBe(`${BASE}/login?next=%2Fapp`);
    const cleared = response.headers.getSetCookie();
    expect(cleared).toEqual([expect.stringMatching(new RegExp(`^${names.token.replace(/\./g, "\\.")}=; .*Max-Age=0`)), expect.stringMatching(/^better-auth\.session_data=; .*Max-Age=0/)]);
  });

  test("an expired session: to /login", async () => {
    const response = (await gate("/app", await cookies({ data: await sessionData({ sessionExpiresAt: NOW - 1000 }) })))!;
    expect(response.status).toBe(307);
    expect(response.headers.get("location")).toBe(`${BASE}/login?next=%2Fapp`);
  });

  test("a lapsed snapshot on a page load goes through Node's refresh and back", async () => {
    const response = (await gate("/settings/account?x=1", await cookies({ data: await sessionData({ expiresAt: NOW - 1 }) })))!;
    expect(response.status).toBe(307);
    expect(response.headers.get("location")).toBe(`${BASE}/api/auth/session-refresh?next=%2Fsettings%2Faccount%3Fx%3D1`);
  });

  test("a lapsed snapshot on a form post goes on to Node, which checks the database itself", async () => {
    expect(await gate("/settings/account", await cookies({ data: null }), { method: "POST", body: "x=1" })).toBeNull();
  });

  test("an anonymous form post is sent to sign in with 303", async () => {
    const response = (await gate("/settings/account", null, { method: "POST", body: "x=1" }))!;
    expect(response.status).toBe(303);
  });

  test("x-middleware-subrequest and other headers change nothing", async () => {
    const headers = { "x-middleware-subrequest": "middleware:middleware:middleware:middleware:middleware", authorization: "Bearer sp_x", "x-forwarded-user": "admin" };
    const response = (await gate("/app", null, { headers }))!;
    expect(response.status).toBe(307);
    expect(response.headers.get("location")).toBe(`${BASE}/login?next=%2Fapp`);
  });
});
