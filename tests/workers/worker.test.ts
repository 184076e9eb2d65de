/**
 * The Cloudflare Worker host (src/hosts/cloudflare) bundled the way it ships (esbuild, one ESM
 * file) and run in workerd through Miniflare, against the built app as its origin: redirects,
 * bot previews, the password gate, rules on Cloudflare's geo header, clicks flushed through
 * ctx.waitUntil, unknown links and an unreachable origin.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { bundleWorker } from "@/hosts/cloudflare/build";
import { BROWSER_UA, TEST_SECRET, freePort, startApp, type RunningApp } from "../support/app-server";

const COMPATIBILITY_DATE = /^compatibility_date\s*=\s*"([\d-]+)"/m.exec(readFileSync(new URL("../../wrangler.toml", import.meta.url), "utf8"))![1]!;

describe("Cloudflare Worker in workerd", () => {
  let app: RunningApp;
  let apiKey: string;
  let dir: string;
  let scriptPath: string;
  const workers: Miniflare[] = [];

  function worker(bindings: Record<string, string>) {
    // modulesRoot: module names are paths relative to it, and workerd refuses `..` in them.
    const mf = new Miniflare({ modules: true, scriptPath, modulesRoot: dir, compatibilityDate: COMPATIBILITY_DATE, bindings });
    workers.push(mf);
    return mf;
  }
  let mf: Miniflare;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "signpost-worker-"));
    scriptPath = (await bundleWorker(path.join(dir, "worker.mjs"))).outfile;
    app = await startApp("pglite", { SHORT_DOMAINS: "short.test" });
    const setup = await fetch(`${app.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Worker", email: "worker@example.com", password: "a long enough password", workspace: "Worker" }),
    });
    expect(setup.status, await setup.clone().text()).toBe(201);
    apiKey = (await setup.json()).apiKey.key;
    mf = worker({ SIGNPOST_SECRET: TEST_SECRET, ORIGIN_URL: app.url, SHORT_DOMAINS: "short.test" });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.dispose()));
    await app?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function createLink(body: Record<string, unknown>) {
    const response = await fetch(`${app.url}/api/v1/links`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ domain: "short.test", ...body }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    return (await response.json()) as { id: string; key: string };
  }
    // credentials "omit": Miniflare's undici otherwise turns a 401 to a POST into "expected non-null body source".
  const visit = (key: string, headers: Record<string, string> = {}, init: { method?: string; body?: string } = {}, on = mf) =>
    on.dispatchFetch(`http://short.test/${key}`, { redirect: "manual", credentials: "omit", ...init, headers: { "user-agent": BROWSER_UA, ...headers } });
  const clicksOf = async (id: string) =>
    ((await (await fetch(`${app.url}/api/v1/links/${id}`, { headers: { authorization: `Bearer ${apiKey}` } })).json()) as { clicks: number }).clicks;

  test("the bundle is one self-contained module: no node: imports, nothing external", () => {
    const code = readFileSync(scriptPath, "utf8");
    expect(code).not.toMatch(/["']node:/);
    expect(code).not.toMatch(/\brequire\(/);
    expect(code).not.toMatch(/^\s*import\s*[\w{*"']/m);
  });

  test("a link redirects with Location and Server-Timing, and its click lands at the origin via waitUntil", async () => {
    const link = await createLink({ url: "https://example.com/landing", key: "hello" });
    const response = await visit("hello");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("https://example.com/landing");
    expect(response.headers.get("server-timing")).toMatch(/cache;dur=[\d.]+;desc="miss".*decide;dur=[\d.]+;desc="destination".*edge;dur=/);
    await response.arrayBuffer();

    // Cached now; the second visit is a second click.
    const again = await visit("hello");
    expect(again.headers.get("server-timing")).toMatch(/desc="hit"/);
    await again.arrayBuffer();

    let clicks = 0;
    for (let i = 0; i < 100 && clicks < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      clicks = await clicksOf(link.id);
    }
    expect(clicks).toBe(2);
  });

  test("a bot gets the preview card, not a redirect", async () => {
    await createLink({ url: "https://example.net/secret-destination", key: "bot-preview", title: "Spring & sale" });
    const response = await visit("bot-preview", { "user-agent": "Twitterbot/1.0" });
    expect(response.status).toBe(200);
    expect(response.headers.get("location")).toBeNull();
    const body = await response.text();
    expect(body).toContain("og:title");
    expect(body).toContain('<meta property="og:url" content="http://short.test/bot-preview">');
    expect(body).not.toContain("secret-destination");
  });

  test("a password link: 401 form, wrong password, right password → 303 + cookie → 302", async () => {
    await createLink({ url: "https://example.com/private", key: "locked", password: "open sesame" });
    const gate = await visit("locked");
    expect(gate.status).toBe(401);
    expect(await gate.text()).not.toContain("example.com/private");

    const post = (password: string) =>
      visit("locked", { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": "203.0.113.7" }, { method: "POST", body: new URLSearchParams({ password }).toString() });
    const wrong = await post("wrong");
    expect(wrong.status).toBe(401);
    await wrong.arrayBuffer();
    const ok = await post("open sesame");
    expect(ok.status).toBe(303);
    await ok.arrayBuffer();
    const cookie = ok.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^sp_pw_lnk_[0-9a-f]+=\d+\.[0-9a-f]{64}; Path=\/locked; Max-Age=86400; SameSite=Lax; HttpOnly$/);

    const through = await visit("locked", { cookie: cookie.split(";")[0]! });
    expect(through.status).toBe(302);
    expect(through.headers.get("location")).toBe("https://example.com/private");
    await through.arrayBuffer();
  });

  test("a country rule answers from cf-ipcountry (trusted here); Vercel's header is not", async () => {
    await createLink({
      url: "https://example.com/world",
      key: "geo",
      rules: [{ conditions: [{ type: "country", in: ["DE"] }], url: "https://example.de/" }],
    });
    const location = async (headers: Record<string, string>) => {
      const response = await visit("geo", headers);
      await response.arrayBuffer();
      return response.headers.get("location");
    };
    expect(await location({ "cf-ipcountry": "DE" })).toBe("https://example.de/");
    expect(await location({ "x-vercel-ip-country": "DE" })).toBe("https://example.com/world");
    expect(await location({})).toBe("https://example.com/world");
  });

  test("an unknown key is 404; a host that cannot be a custom domain is 404 without asking the origin", async () => {
    const unknown = await visit("no-such-link");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("server-timing")).toMatch(/desc="miss".*desc="unknown"/);
    await unknown.arrayBuffer();
    for (const host of ["localhost", "203.0.113.7", "other.test:8080"]) {
      const elsewhere = await mf.dispatchFetch(`http://${host}/hello`, { redirect: "manual" });
      expect(elsewhere.status, host).toBe(404);
      expect(elsewhere.headers.get("server-timing"), host).toBeNull();
      await elsewhere.arrayBuffer();
    }
    // Any other domain name may be a workspace's custom domain: the origin's lookup decides (none here).
    const custom = await mf.dispatchFetch("http://go.other.test/hello", { redirect: "manual" });
    expect(custom.status).toBe(404);
    expect(custom.headers.get("server-timing")).toMatch(/desc="miss".*desc="unknown"/);
    await custom.arrayBuffer();
  });

  test("an unreachable origin answers 503 with Retry-After", async () => {
    const down = worker({ SIGNPOST_SECRET: TEST_SECRET, ORIGIN_URL: `http://127.0.0.1:${await freePort()}`, SHORT_DOMAINS: "short.test" });
    const response = await visit("hello", {}, {}, down);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    await response.arrayBuffer();
  });

  test("missing required bindings answer 500 and name the variable in the log, not to the visitor", async () => {
    const bare = worker({ SIGNPOST_SECRET: TEST_SECRET });
    const response = await visit("hello", {}, {}, bare);
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain("SHORT_DOMAINS");
  });
});
