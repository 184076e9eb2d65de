/**
 * The edge gate against real Better Auth cookies, and Node's side of it: cookies Better Auth sets
 * pass the edge check; once the session is revoked, its still-signed cookies are refused by every
 * Node path (pages' session check, the API principal, Better Auth's own endpoints, the refresh),
 * and the refresh re-issues the snapshot for a live session.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GET as authGet, POST as authPost } from "@/app/api/auth/[...all]/route";
import { GET as refreshGet } from "@/app/api/auth/session-refresh/route";
import { GET as listLinks } from "@/app/api/v1/links/route";
import { checkSessionCookies, sessionCookieNames } from "@/edge/session-gate";
import { serverConfig } from "@/config/env";
import { signIn, signOutEverywhere, signUp } from "@/server/auth/accounts";
import { SESSION_DATA_SECONDS } from "@/server/auth/auth";
import { refreshSession } from "@/server/auth/refresh";
import { currentSession } from "@/server/auth/session";
import { backends, type TestDatabase } from "../support/databases";
import { BASE_URL, expectApiError, openTestDatabase } from "../support/integration-helpers";
import { CookieJar } from "./auth-helpers";

const names = sessionCookieNames(false);
const PASSWORD = "gate keeper passphrase";

describe.each(backends())("edge gate and Node session checks on %s", (backend) => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  const edge = (jar: CookieJar, now?: number) => checkSessionCookies(jar.header(), { secret: serverConfig().secret, secure: false, now });

  async function newUser(email: string): Promise<CookieJar> {
    const jar = new CookieJar();
    jar.store((await signUp({ name: email.split("@")[0]!, email, password: PASSWORD, workspace: `${email} ws` }, jar.headers())).cookies);
    return jar;
  }

  test("Better Auth's own cookies are fresh at the edge; tampering with them is not", async () => {
    const jar = await newUser("gate1@example.com");
    expect(jar.get(names.token)).toBeTruthy();
    expect(jar.get(names.data)).toBeTruthy();
    const verdict = await edge(jar);
    const session = await currentSession(jar.headers());
    expect(verdict).toEqual({ kind: "fresh", userId: session!.user.id, sessionExpiresAt: session!.session.expiresAt.getTime() });

    // The snapshot lapses after SESSION_DATA_SECONDS: then only Node can tell.
    expect((await edge(jar, Date.now() + (SESSION_DATA_SECONDS + 1) * 1000)).kind).toBe("stale");
    // A token with one character changed fails its signature.
    const token = decodeURIComponent(jar.get(names.token)!);
    const tampered = new CookieJar().set(names.token, encodeURIComponent(`${token[0] === "a" ? "b" : "a"}${token.slice(1)}`)).set(names.data, jar.get(names.data)!);
    expect(await edge(tampered)).toEqual({ kind: "anonymous", reason: "invalid" });
    // The token without its snapshot is stale, and Node's refresh re-issues a fresh snapshot.
    const bare = new CookieJar().set(names.token, jar.get(names.token)!);
    expect((await edge(bare)).kind).toBe("stale");
    const refreshed = await refreshSession(bare.headers());
    expect(refreshed.valid).toBe(true);
    bare.store(refreshed.cookies);
    expect((await edge(bare)).kind).toBe("fresh");
  });

  test("a revoked session whose cookies are still signed passes the edge but Node refuses it everywhere", async () => {
    const email = "gate2@example.com";
    const laptop = await newUser(email);
    const phone = new CookieJar().store((await signIn({ email, password: PASSWORD, remember: true }, new CookieJar().headers())).cookies);
    const phoneCookies = phone.header();

    const listOrgs = () => authGet(new Request(`${BASE_URL}/api/auth/organization/list`, { headers: { cookie: phoneCookies, "x-forwarded-for": "198.51.100.7" } }));
    expect((await listOrgs()).status).toBe(200);

    // Signed out everywhere from the laptop.
    await signOutEverywhere(laptop.headers());
    expect(await currentSession(laptop.headers())).toBeNull();

    // The phone's cookies are untouched, validly signed, and the snapshot is current: the edge,
    // which has no database, lets them through. That is by design; Node is the authority.
    expect((await edge(phone)).kind).toBe("fresh");

    // Node: the pages' session check.
    expect(await currentSession(phone.headers())).toBeNull();
    // Node: the API principal (a session-authenticated API call).
    const listed = await listLinks(new Request(`${BASE_URL}/api/v1/links`, { headers: { cookie: phoneCookies } }));
    await expectApiError(listed, 401, "unauthorized");
    // Node: Better Auth's own endpoints over HTTP, which would otherwise trust the cookie cache.
    expect((await listOrgs()).status).toBe(401);
    const created = await authPost(
      new Request(`${BASE_URL}/api/auth/organization/create`, {
        method: "POST",
        headers: { cookie: phoneCookies, origin: BASE_URL, "content-type": "application/json", "x-forwarded-for": "198.51.100.7" },
        body: JSON.stringify({ name: "Sneaky", slug: "sneaky-revoked" }),
      }),
    );
    expect(created.status).toBe(401);
    // Node: the refresh the edge sends stale page loads to; it clears the cookies.
    const refresh = await refreshGet(new Request(`${BASE_URL}/api/auth/session-refresh?next=%2Fsettings%2Faccount`, { headers: { cookie: phoneCookies } }));
    expect(refresh.status).toBe(303);
    expect(refresh.headers.get("location")).toBe("/login?next=%2Fsettings%2Faccount");
    const cleared = new CookieJar().set(names.token, "x").set(names.data, "y").store(refresh.headers.getSetCookie());
    expect(cleared.get(names.token)).toBeUndefined();
    expect(cleared.get(names.data)).toBeUndefined();
  });

  test("a session signed in without 'remember me' also gets its snapshot back from the refresh", async () => {
    await newUser("gate4@example.com");
    const jar = new CookieJar().store((await signIn({ email: "gate4@example.com", password: PASSWORD, remember: false }, new CookieJar().headers())).cookies);
    expect(jar.get("better-auth.dont_remember")).toBeTruthy();
    jar.delete(names.data);
    expect((await edge(jar)).kind).toBe("stale");
    const refreshed = await refreshSession(jar.headers());
    expect(refreshed.valid).toBe(true);
    jar.store(refreshed.cookies);
    expect((await edge(jar)).kind).toBe("fresh");
  });

  test("the refresh sends a live session on to a same-site next only", async () => {
    const jar = await newUser("gate3@example.com");
    const cookie = jar.header();
    const go = async (next: string) => {
      const response = await refreshGet(new Request(`${BASE_URL}/api/auth/session-refresh?next=${encodeURIComponent(next)}`, { headers: { cookie } }));
      expect(response.status).toBe(303);
      return response.headers.get("location");
    };
    expect(await go("/settings/members?tab=1")).toBe("/settings/members?tab=1");
    for (const evil of ["//evil.com", "https://evil.com", "/\\evil.com", "%2F%2Fevil.com", "/%2F%2Fevil.com", "/%5Cevil.com", "%252F%252Fevil.com", "https:evil.com"]) {
      expect(await go(evil), evil).toBe("/app");
    }
    const response = await refreshGet(new Request(`${BASE_URL}/api/auth/session-refresh?next=%2Fapp`, { headers: { cookie } }));
    const reissued = new CookieJar().store(response.headers.getSetCookie());
    expect(reissued.get(names.data)).toBeTruthy();
  });
});
