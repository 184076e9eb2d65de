/**
 * The walking skeleton, end to end on the built app: set up -> create a link with the API key ->
 * follow it on the short host (edge middleware, 302) -> the click lands -> the API shows the count.
 * Runs on PGlite always and on Postgres when DATABASE_URL is set.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { backends } from "../support/databases";
import { BROWSER_UA, startApp, type RunningApp } from "../support/app-server";

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

describe.each(backends())("walking skeleton on %s", (backend) => {
  let app: RunningApp;
  let apiKey: string;

  beforeAll(async () => {
    app = await startApp(backend);
  });
  afterAll(async () => {
    await app?.stop();
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${app.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...init.headers },
    });

  test("first-run setup creates the owner, a workspace and a key shown once", async () => {
    expect(await (await fetch(`${app.url}/api/v1/setup`)).json()).toEqual({ needsSetup: true });
    const response = await fetch(`${app.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Ada", email: "ada@example.com", password: "correct horse battery", workspace: "Acme" }),
    });
    expect(response.status).toBe(201);
    const body = await response.json();
    expect(body.apiKey.key).toMatch(/^sp_[A-Za-z]{20,}$/);
    expect(body.apiKey.start).toBe(body.apiKey.key.slice(0, 6));
    apiKey = body.apiKey.key;

    const again = await fetch(`${app.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Eve", email: "eve@example.com", password: "another long password", workspace: "Evil" }),
    });
    expect(again.status).toBe(409);
    expect((await again.json()).error.code).toBe("setup_done");
  });

  test("create a link, follow it at the edge, see the click counted", async () => {
    const created = await api("/api/v1/links", { method: "POST", body: JSON.stringify({ url: "https://example.com/landing?x=1", key: "hello" }) });
    expect(created.status).toBe(201);
    const link = await created.json();
    expect(link).toMatchObject({ key: "hello", url: "https://example.com/landing?x=1", clicks: 0, shortLink: `${app.url}/hello` });

    const redirect = await fetch(`${app.url}/hello`, { redirect: "manual", headers: { "user-agent": BROWSER_UA } });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("https://example.com/landing?x=1");
    expect(redirect.headers.get("x-request-id")).toBeTruthy();
    expect(redirect.headers.get("server-timing")).toMatch(/^cache;dur=[\d.]+;desc="miss", .*decide;dur=[\d.]+;desc="destination".*edge;dur=[\d.]+$/);

    const counted = await waitFor(
      async () => (await (await api(`/api/v1/links/${link.id}`)).json()) as { clicks: number; lastClickedAt: string | null },
      (l) => l.clicks >= 1,
    );
    expect(counted.clicks).toBe(1);
    expect(counted.lastClickedAt).not.toBeNull();
  });

  test("the middleware's counters reach /metrics as host=next; edge and Node log one line each, tied by the request id", async () => {
    const series = 'signpost_edge_redirects_total{host="next",outcome="redirect"}';
    const count = (text: string) => Number(text.split("\n").find((line) => line.startsWith(`${series} `))?.split(" ")[1] ?? 0);
    const before = count(await (await fetch(`${app.url}/metrics`)).text());
    expect((await api("/api/v1/links", { method: "POST", body: JSON.stringify({ url: "https://example.com/counted", key: "counted" }) })).status).toBe(201);
    const requestId = `req-e2e-${backend}-0001`;
    const redirect = await fetch(`${app.url}/counted`, { redirect: "manual", headers: { "user-agent": BROWSER_UA, "x-request-id": requestId } });
    expect(redirect.status).toBe(302);
    const after = await waitFor(
      async () => count(await (await fetch(`${app.url}/metrics`)).text()),
      (n) => n > before,
    );
    expect(after - before).toBe(1);

    const lines = app
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{") && line.includes(requestId))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines, JSON.stringify(lines)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: "request", host: "next", route: "/:key", status: 302, outcome: "redirect", cache: "miss" }),
        expect.objectContaining({ msg: "request", route: "/api/internal/v1/links/lookup", status: 200, dbMs: expect.any(Number) }),
      ]),
    );
  });

  test("a bot gets the preview card by default; the visit is stored as a bot's, never counted as a person", async () => {
    const card = await (
      await api("/api/v1/links", { method: "POST", body: JSON.stringify({ url: "https://example.net/secret-path", title: "Spring sale" }) })
    ).json();
    const preview = await fetch(`${app.url}/${card.key}`, { redirect: "manual", headers: { "user-agent": "Twitterbot/1.0" } });
    expect(preview.status).toBe(200);
    const html = await preview.text();
    expect(html).toContain('<meta property="og:title" content="Spring sale">');
    expect(html).not.toContain("secret-path");
    // Stored and flagged: analytics shows the bot apart, and only with includeBots in its clicks.
    const range = `linkId=${card.id}`;
    const withBots = await waitFor(
      async () => (await (await api(`/api/v1/analytics?${range}&includeBots=true`)).json()) as { clicks: number; bots: number },
      (a) => a.bots >= 1,
    );
    expect(withBots).toMatchObject({ clicks: 1, bots: 1 });
    expect(await (await api(`/api/v1/analytics?${range}`)).json()).toMatchObject({ clicks: 0, uniques: 0, bots: 1 });
    expect((await (await api(`/api/v1/links/${card.id}`)).json()).clicks).toBe(0);
  });

  test("a bot's visit is redirected (botBehavior redirect) but not counted as a person", async () => {
    const created = await (
      await api("/api/v1/links", { method: "POST", body: JSON.stringify({ url: "https://example.org/", botBehavior: "redirect" }) })
    ).json();
    expect(created.key).toMatch(/^[A-Za-z0-9]{7}$/);
    const bot = await fetch(`${app.url}/${created.key}`, { redirect: "manual", headers: { "user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)" } });
    expect(bot.status).toBe(302);
    const human = await fetch(`${app.url}/${created.key}`, { redirect: "manual", headers: { "user-agent": BROWSER_UA } });
    expect(human.status).toBe(302);
    const after = await waitFor(
      async () => (await (await api(`/api/v1/links/${created.id}`)).json()) as { clicks: number },
      (l) => l.clicks >= 1,
    );
    // Give a wrongly counted bot click time to land too, then check it did not.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await (await api(`/api/v1/links/${created.id}`)).json()).clicks).toBe(after.clicks);
    expect(after.clicks).toBe(1);
  });

  test("unknown and malformed slugs get a 404 page; app paths still reach Next", async () => {
    const missing = await fetch(`${app.url}/no-such-link`, { redirect: "manual" });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("Link not found");
    const home = await fetch(`${app.url}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Create a link");
  });

  test("errors are one JSON shape with a stable code and the field", async () => {
    const noKey = await fetch(`${app.url}/api/v1/links`, { method: "POST", body: "{}" });
    expect(noKey.status).toBe(401);
    expect((await noKey.json()).error.code).toBe("unauthorized");

    const badKey = await fetch(`${app.url}/api/v1/links`, { method: "POST", body: "{}", headers: { authorization: "Bearer sp_notarealkey" } });
    expect(badKey.status).toBe(401);

    const invalid = await api("/api/v1/links", { method: "POST", body: JSON.stringify({ url: "javascript:alert(1)" }) });
    expect(invalid.status).toBe(422);
    expect((await invalid.json()).error).toMatchObject({ code: "validation_failed", field: "url" });

    const reserved = await api("/api/v1/links", { method: "POST", body: JSON.stringify({ url: "https://example.com", key: "api" }) });
    expect((await reserved.json()).error).toMatchObject({ code: "validation_failed", field: "key" });

    const taken = await api("/api/v1/links", { method: "POST", body: JSON.stringify({ url: "https://example.com", key: "hello" }) });
    expect(taken.status).toBe(409);
    expect((await taken.json()).error).toMatchObject({ code: "key_taken", field: "key" });

    const malformed = await api("/api/v1/links", { method: "POST", body: "{not json" });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.code).toBe("invalid_json");

    const unknownId = await api("/api/v1/links/lnk_doesnotexist");
    expect(unknownId.status).toBe(404);
    expect((await unknownId.json()).error.code).toBe("not_found");
  });

  test("the internal endpoints refuse unsigned requests", async () => {
    const lookup = await fetch(`${app.url}/api/internal/v1/links/lookup?domain=localhost&key=hello`);
    expect(lookup.status).toBe(401);
    const clicks = await fetch(`${app.url}/api/internal/v1/clicks`, { method: "POST", body: JSON.stringify({ clicks: [] }) });
    expect(clicks.status).toBe(401);
  });
});
