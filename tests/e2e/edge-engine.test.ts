/**
 * The edge engine end to end in Next's own edge sandbox (`next start`), against the real origin
 * and database: rules on trusted geo headers, password gate, exact maxClicks under concurrency,
 * and clicks landing exactly once.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { backends } from "../support/databases";
import { BROWSER_UA, startApp, type RunningApp } from "../support/app-server";

describe.each(backends())("edge engine on %s", (backend) => {
  let app: RunningApp;
  let apiKey: string;

  beforeAll(async () => {
    app = await startApp(backend, { GEO_HEADERS: "vercel", TRUSTED_IP_HEADER: "x-real-ip" });
    const setup = await fetch(`${app.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Edge", email: "edge@example.com", password: "a long enough password", workspace: "Edge" }),
    });
    apiKey = (await setup.json()).apiKey.key;
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function createLink(body: Record<string, unknown>) {
    const response = await fetch(`${app.url}/api/v1/links`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    return (await response.json()) as { id: string; key: string };
  }
  const visit = (key: string, headers: Record<string, string> = {}, init: RequestInit = {}) =>
    fetch(`${app.url}/${key}`, { redirect: "manual", ...init, headers: { "user-agent": BROWSER_UA, ...headers } });
  const clicksOf = async (id: string) =>
    ((await (await fetch(`${app.url}/api/v1/links/${id}`, { headers: { authorization: `Bearer ${apiKey}` } })).json()) as { clicks: number }).clicks;

  test("a country rule answers from the trusted header; a spoofed untrusted one is ignored", async () => {
    await createLink({
      url: "https://example.com/world",
      key: "geo",
      rules: [{ conditions: [{ type: "country", in: ["DE"] }], url: "https://example.de/" }],
    });
    expect((await visit("geo", { "x-vercel-ip-country": "DE" })).headers.get("location")).toBe("https://example.de/");
    expect((await visit("geo", { "cf-ipcountry": "DE" })).headers.get("location")).toBe("https://example.com/world");
    expect((await visit("geo")).headers.get("location")).toBe("https://example.com/world");
  });

  test("a password link: form, wrong password, right password, then the destination", async () => {
    await createLink({ url: "https://example.com/private", key: "locked", password: "open sesame" });
    const gate = await visit("locked");
    expect(gate.status).toBe(401);
    expect(await gate.text()).not.toContain("example.com/private");

    const post = (password: string) =>
      visit("locked", { "content-type": "application/x-www-form-urlencoded", "x-real-ip": "203.0.113.7" }, { method: "POST", body: new URLSearchParams({ password }) });
    expect((await post("wrong")).status).toBe(401);
    const ok = await post("open sesame");
    expect(ok.status).toBe(303);
    const cookie = ok.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^sp_pw_lnk_[0-9a-f]+=\d+\.[0-9a-f]{64}; Path=\/locked; Max-Age=86400; SameSite=Lax; HttpOnly$/);

    const through = await visit("locked", { cookie: cookie.split(";")[0]! });
    expect(through.status).toBe(302);
    expect(through.headers.get("location")).toBe("https://example.com/private");
  });

  test("maxClicks is exact under 50 concurrent visits, and each admitted click lands once", async () => {
    const limited = await createLink({ url: "https://example.com/limited", key: "limited", maxClicks: 10 });
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => visit("limited", { "x-real-ip": `198.51.100.${i + 1}` })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 302)).toHaveLength(10);
    expect(statuses.filter((s) => s === 410)).toHaveLength(40);

    let clicks = 0;
    for (let i = 0; i < 100 && clicks < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      clicks = await clicksOf(limited.id);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await clicksOf(limited.id)).toBe(10);
  });
});
