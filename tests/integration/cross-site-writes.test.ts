/**
 * Writes made with a session cookie must come from the app's own pages: a browser on another site
 * can send our cookie along, but not fake `Origin` or `Sec-Fetch-Site`. Refused writes change
 * nothing; reads, API keys and non-browser clients are unaffected.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GET as listLinksRoute, POST as createLinkRoute } from "@/app/api/v1/links/route";
import { signIn } from "@/server/auth/accounts";
import { backends, type TestDatabase } from "../support/databases";
import { BASE_URL, expectApiError, openWithOwner, PASSWORD, type Owner } from "../support/integration-helpers";
import { CookieJar } from "./auth-helpers";

describe.each(backends())("cross-site writes on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: Owner;
  let jar: CookieJar;

  beforeAll(async () => {
    const opened = await openWithOwner(backend);
    testDb = opened.testDb;
    owner = opened.owner;
    jar = new CookieJar().store((await signIn({ email: "ada@example.com", password: PASSWORD, remember: true }, new CookieJar().headers())).cookies);
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  const create = (key: string, headers: Record<string, string>) =>
    createLinkRoute(
      new Request(`${BASE_URL}/api/v1/links`, {
        method: "POST",
        headers: { "content-type": "application/json", host: "localhost:3000", ...headers },
        body: JSON.stringify({ url: `https://example.com/${key}`, key }),
      }),
    );

  async function keys(): Promise<string[]> {
    const response = await listLinksRoute(new Request(`${BASE_URL}/api/v1/links?limit=100`, { headers: { authorization: `Bearer ${owner.key}` } }));
    const body = (await response.json()) as { data: { key: string }[] };
    return body.data.map((l) => l.key);
  }

  test.each([
    ["another site's Origin", { origin: "https://evil.example" }],
    ["a sibling subdomain (same-site, not same-origin)", { origin: "http://shop.localhost:3000", "sec-fetch-site": "same-site" }],
    ["Sec-Fetch-Site: cross-site without an Origin", { "sec-fetch-site": "cross-site" }],
    ["the app's host on another scheme", { origin: "https://localhost:3000" }],
    ["Origin: null (sandboxed frame, data: URL)", { origin: "null" }],
  ])("a cookie write from %s is refused with 403 on `origin`, and nothing is written", async (_label, headers) => {
    const key = `csrf-${Math.random().toString(36).slice(2, 8)}`;
    const error = await expectApiError(await create(key, { cookie: jar.header(), ...headers }), 403, "forbidden", "origin");
    expect(error.message).toMatch(/API key/);
    expect(await keys()).not.toContain(key);
  });

  test.each([
    ["the app's own origin", { origin: "http://localhost:3000", "sec-fetch-site": "same-origin" }],
    ["no browser headers at all (a script holding the cookie)", {}],
  ])("a cookie write from %s goes through", async (_label, headers) => {
    const key = `ok-${Math.random().toString(36).slice(2, 8)}`;
    const response = await create(key, { cookie: jar.header(), ...headers });
    expect(response.status).toBe(201);
    expect(await keys()).toContain(key);
  });

  test("an API key is not a cookie: the same foreign Origin is no reason to refuse it", async () => {
    const response = await create("key-from-elsewhere", { authorization: `Bearer ${owner.key}`, origin: "https://evil.example", "sec-fetch-site": "cross-site" });
    expect(response.status).toBe(201);
  });

  test("reads with a cookie are not writes: a cross-site GET still answers", async () => {
    const response = await listLinksRoute(new Request(`${BASE_URL}/api/v1/links`, { headers: { cookie: jar.header(), origin: "https://evil.example", "sec-fetch-site": "cross-site" } }));
    expect(response.status).toBe(200);
  });
});
