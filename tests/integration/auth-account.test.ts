/**
 * Account settings and API keys through the services the pages use: one device signed out, a
 * password change that signs the other devices out, workspace switching, and API keys created
 * with scopes (the key shown once works as the API's principal) and revoked (it stops at once).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GET as listLinksRoute, POST as createLinkRoute } from "@/app/api/v1/links/route";
import {
  AccountError,
  changePassword,
  createApiKey,
  createWorkspace,
  listApiKeys,
  listSessions,
  revokeApiKey,
  revokeSession,
  signIn,
  signOut,
  signUp,
  switchWorkspace,
} from "@/server/auth/accounts";
import { currentSession, requireAction } from "@/server/auth/session";
import { backends, type TestDatabase } from "../support/databases";
import { BASE_URL, expectApiError, openTestDatabase } from "../support/integration-helpers";
import { CookieJar } from "./auth-helpers";

async function refusal(attempt: Promise<unknown>): Promise<AccountError> {
  const error = await attempt.then(
    () => expect.unreachable("should have been refused"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AccountError);
  return error as AccountError;
}

describe.each(backends())("account settings on %s", (backend) => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  const PASSWORD = "settings page passphrase";

  async function device(email: string, password = PASSWORD): Promise<CookieJar> {
    return new CookieJar().store((await signIn({ email, password, remember: true }, new CookieJar().headers())).cookies);
  }

  test("sessions: list, sign out another device, sign out this one; another user's session is not found", async () => {
    const laptop = new CookieJar();
    laptop.store((await signUp({ name: "Sam", email: "sam@example.com", password: PASSWORD, workspace: "Sam's" }, laptop.headers())).cookies);
    const phone = await device("sam@example.com");
    const sessions = await listSessions(laptop.headers());
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    expect(sessions[0]!.userAgent).toBe("vitest");
    const phoneId = sessions.find((s) => !s.current)!.id;

    const stranger = new CookieJar();
    stranger.store((await signUp({ name: "Eve", email: "eve@example.com", password: PASSWORD, workspace: "Eve's" }, stranger.headers())).cookies);
    expect((await refusal(revokeSession(stranger.headers(), phoneId))).code).toBe("not_found");
    expect(await currentSession(phone.headers())).not.toBeNull();

    await revokeSession(laptop.headers(), phoneId);
    expect(await currentSession(phone.headers())).toBeNull();
    expect(await listSessions(laptop.headers())).toHaveLength(1);

    const out = await signOut(laptop.headers());
    laptop.store(out.cookies);
    expect(laptop.get("better-auth.session_token")).toBeUndefined();
    expect(await currentSession(laptop.headers())).toBeNull();
  });

  test("changing the password keeps this device signed in and signs out the others", async () => {
    const laptop = await device("sam@example.com");
    const phone = await device("sam@example.com");
    expect((await refusal(changePassword(laptop.headers(), "not my password", "a new settings passphrase"))).field).toBe("currentPassword");
    expect((await refusal(changePassword(laptop.headers(), PASSWORD, "qwertyuiop123"))).field).toBe("newPassword");
    laptop.store((await changePassword(laptop.headers(), PASSWORD, "a new settings passphrase")).cookies);
    expect(await currentSession(laptop.headers())).not.toBeNull();
    expect(await currentSession(phone.headers())).toBeNull();
    expect((await refusal(signIn({ email: "sam@example.com", password: PASSWORD, remember: true }, new CookieJar().headers()))).code).toBe("INVALID_EMAIL_OR_PASSWORD");
  });

  test("switching workspaces changes the session's principal; only to workspaces one belongs to", async () => {
    const jar = new CookieJar();
    jar.store((await signUp({ name: "Wes", email: "wes@example.com", password: PASSWORD, workspace: "First" }, jar.headers())).cookies);
    const first = (await requireAction(jar.headers(), "workspace:read")).workspace;
    jar.store((await createWorkspace(jar.headers(), "Second")).cookies);
    const second = (await requireAction(jar.headers(), "workspace:read")).workspace;
    expect(second).toMatchObject({ name: "Second", role: "owner" });

    const create = () =>
      createLinkRoute(new Request(`${BASE_URL}/api/v1/links`, { method: "POST", headers: { cookie: jar.header(), "content-type": "application/json" }, body: JSON.stringify({ url: "https://example.com/w" }) }));
    expect((await create()).status).toBe(201);
    jar.store((await switchWorkspace(jar.headers(), first.id)).cookies);
    expect((await requireAction(jar.headers(), "workspace:read")).workspace.id).toBe(first.id);
    const listed = (await (await listLinksRoute(new Request(`${BASE_URL}/api/v1/links`, { headers: { cookie: jar.header() } }))).json()) as { data: unknown[] };
    expect(listed.data).toHaveLength(0); // the link was made in the second workspace

    const eve = await device("eve@example.com");
    const eveWorkspace = (await requireAction(eve.headers(), "workspace:read")).workspace.id;
    expect((await refusal(switchWorkspace(jar.headers(), eveWorkspace))).code).toBe("forbidden");
  });

  test("API keys: created with scopes and shown once, listed by their start only, revoked at once", async () => {
    const jar = await device("wes@example.com");
    const created = await createApiKey(jar.headers(), { name: "Read only", scopes: ["links:read"], expiresInDays: 30 });
    expect(created.key).toMatch(/^sp_/);
    const keys = await listApiKeys(jar.headers());
    const row = keys.find((k) => k.id === created.id)!;
    expect(row).toMatchObject({ name: "Read only", start: created.key.slice(0, 6), scopes: ["links:read"] });
    expect(row.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect(JSON.stringify(keys)).not.toContain(created.key);

    const bearer = { authorization: `Bearer ${created.key}` };
    expect((await listLinksRoute(new Request(`${BASE_URL}/api/v1/links`, { headers: bearer }))).status).toBe(200);
    const write = await createLinkRoute(new Request(`${BASE_URL}/api/v1/links`, { method: "POST", headers: { ...bearer, "content-type": "application/json" }, body: JSON.stringify({ url: "https://example.com/k" }) }));
    await expectApiError(write, 403, "insufficient_scope");

    expect((await refusal(createApiKey(jar.headers(), { name: "Nothing", scopes: [], expiresInDays: null }))).field).toBe("scopes");
    const eve = await device("eve@example.com");
    expect((await refusal(revokeApiKey(eve.headers(), created.id))).code).toBe("not_found");

    await revokeApiKey(jar.headers(), created.id);
    await expectApiError(await listLinksRoute(new Request(`${BASE_URL}/api/v1/links`, { headers: bearer })), 401, "unauthorized");
    expect((await listApiKeys(jar.headers())).some((k) => k.id === created.id)).toBe(false);
  });
});
