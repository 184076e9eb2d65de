/**
 * Every outcome of the edge engine (issue #5), end to end in Next's own edge sandbox (`next start`,
 * the real middleware, origin and database): destinations and redirect statuses, 404/410 pages,
 * bots, rules, variants, query forwarding, cloaking, the info page, app paths, methods, hostile
 * input, and clicks counted for people only. See README "What a visitor gets".
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { backends } from "../support/databases";
import { BROWSER_UA, startApp, type RunningApp } from "../support/app-server";

const IPHONE_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const BOT_UA = "Twitterbot/1.0";
const HOME_URL = "https://home.example/";

type Headers = Record<string, string>;
interface Link {
  id: string;
  key: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(backends())("edge outcomes on %s", (backend) => {
  let app: RunningApp;
  let apiKey: string;

  beforeAll(async () => {
    app = await startApp(backend, { GEO_HEADERS: "vercel", TRUSTED_IP_HEADER: "x-real-ip", HOME_URL });
    const setup = await fetch(`${app.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Out", email: "outcomes@example.com", password: "a long enough password", workspace: "Outcomes" }),
    });
    expect(setup.status).toBe(201);
    apiKey = (await setup.json()).apiKey.key;
  });
  afterAll(async () => {
    await app?.stop();
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${app.url}${path}`, { ...init, headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...init.headers } });

  async function createLink(body: Record<string, unknown>): Promise<Link> {
    const response = await api("/api/v1/links", { method: "POST", body: JSON.stringify(body) });
    expect(response.status, await response.clone().text()).toBe(201);
    return (await response.json()) as Link;
  }

  /** A visit to `/<path>` as a browser (unless a user-agent is given), redirects not followed. */
  const visit = (path: string, headers: Headers = {}, init: RequestInit = {}) =>
    fetch(`${app.url}/${path}`, { redirect: "manual", ...init, headers: { "user-agent": BROWSER_UA, ...headers } });

  const clicksOf = async (id: string) => ((await (await api(`/api/v1/links/${id}`)).json()) as { clicks: number }).clicks;

  /** Headers every edge response carries. */
  function expectEdgeHeaders(response: Response) {
    expect(response.headers.get("x-robots-tag")).toBe("noindex");
    expect(response.headers.get("x-request-id")).toBeTruthy();
    expect(response.headers.get("server-timing")).toMatch(/edge;dur=[\d.]+$/);
  }

  describe("destination", () => {
    test.each([301, 302, 307, 308])("redirectStatus %i answers with that status and the destination", async (status) => {
      await createLink({ url: `https://example.com/status-${status}`, key: `status-${status}`, redirectStatus: status });
      const response = await visit(`status-${status}`);
      expect(response.status).toBe(status);
      expect(response.headers.get("location")).toBe(`https://example.com/status-${status}`);
      expect(response.headers.get("cache-control")).toBe("private, no-store");
      expectEdgeHeaders(response);
    });

    test("server-timing: cache miss, then hit; decide says destination; x-request-id is echoed", async () => {
      await createLink({ url: "https://example.com/timed", key: "timed" });
      const first = await visit("timed", { "x-request-id": "req-outcomes-0001" });
      expect(first.status).toBe(302);
      expect(first.headers.get("x-request-id")).toBe("req-outcomes-0001");
      expect(first.headers.get("server-timing")).toMatch(/^cache;dur=[\d.]+;desc="miss", .*decide;dur=[\d.]+;desc="destination".*edge;dur=[\d.]+$/);

      const second = await visit("timed");
      expect(second.status).toBe(302);
      expect(second.headers.get("server-timing")).toMatch(/^cache;dur=[\d.]+;desc="hit", .*decide;dur=[\d.]+;desc="destination".*edge;dur=[\d.]+$/);
      expect(second.headers.get("x-request-id")).not.toBe("req-outcomes-0001");
    });
  });

  test("an edit after the link was cached reaches the middleware within seconds, through the link-change feed", async () => {
    const link = await createLink({ url: "https://example.com/feed-before", key: "feed-edit" });
    expect((await visit("feed-edit")).headers.get("location")).toBe("https://example.com/feed-before");
    expect((await visit("feed-edit")).headers.get("server-timing")).toContain('desc="hit"');
    const edited = Date.now();
    expect((await api(`/api/v1/links/${link.id}`, { method: "PATCH", body: JSON.stringify({ url: "https://example.com/feed-after" }) })).status).toBe(200);
    // Without the feed the cached link is served for its 30 s TTL; the feed is polled every 2 s.
    let location: string | null = null;
    while (Date.now() - edited < 10_000) {
      location = (await visit("feed-edit")).headers.get("location");
      if (location === "https://example.com/feed-after") break;
      await sleep(100);
    }
    expect(location).toBe("https://example.com/feed-after");
    expect(Date.now() - edited).toBeLessThan(10_000);
  });

  test("on a quiet instance the first visit after an edit goes to the new destination: it waits for a poll", async () => {
    const link = await createLink({ url: "https://example.com/quiet-before", key: "quiet-edit" });
    expect((await visit("quiet-edit")).headers.get("location")).toBe("https://example.com/quiet-before");
    expect((await visit("quiet-edit")).headers.get("server-timing")).toContain('desc="hit"');
    expect((await api(`/api/v1/links/${link.id}`, { method: "PATCH", body: JSON.stringify({ url: "https://example.com/quiet-after" }) })).status).toBe(200);
    // No visits for more than the 2 s poll interval: the instance is quiet, its feed behind.
    await sleep(2_500);
    expect((await visit("quiet-edit")).headers.get("location")).toBe("https://example.com/quiet-after");
  });

  describe("not found and gone", () => {
    // One link per case, changed before its first visit: the edge caches a link for 30 s.
    test.each<[string, Record<string, unknown>, Record<string, unknown> | null]>([
      ["created disabled", { disabled: true }, null],
      ["created archived", { archived: true }, null],
      ["disabled by PATCH", {}, { disabled: true }],
      ["archived by PATCH", {}, { archived: true }],
    ])("%s → 404 'Link not found'", async (name, create, patch) => {
      const key = `nf-${name.replace(/\W+/g, "-")}`;
      const link = await createLink({ url: "https://example.com/hidden", key, ...create });
      if (patch) expect((await api(`/api/v1/links/${link.id}`, { method: "PATCH", body: JSON.stringify(patch) })).status).toBe(200);
      const response = await visit(key);
      expect(response.status).toBe(404);
      expectEdgeHeaders(response);
      const body = await response.text();
      expect(body).toContain("Link not found");
      expect(body).not.toContain("example.com/hidden");
    });

    test("an unknown key → 404 'Link not found'", async () => {
      const response = await visit("never-created");
      expect(response.status).toBe(404);
      expect(response.headers.get("server-timing")).toMatch(/desc="unknown"/);
      expect(await response.text()).toContain("Link not found");
    });

    test("expiresAt in the past → 410; with expiredUrl → 302 there", async () => {
      await createLink({ url: "https://example.com/old", key: "expired", expiresAt: "1999-01-01T00:00:00.000Z" });
      const gone = await visit("expired");
      expect(gone.status).toBe(410);
      expect(gone.headers.get("server-timing")).toMatch(/desc="expired"/);
      const body = await gone.text();
      expect(body).toContain("This link has expired");
      expect(body).not.toContain("example.com/old");

      await createLink({ url: "https://example.com/old", key: "expired-elsewhere", expiresAt: "1970-01-02T00:00:00Z", expiredUrl: "https://example.com/sorry" });
      const moved = await visit("expired-elsewhere");
      expect(moved.status).toBe(302);
      expect(moved.headers.get("location")).toBe("https://example.com/sorry");
      expect(moved.headers.get("server-timing")).toMatch(/desc="expired_url"/);
    });
  });

  describe("bots", () => {
    test("Twitterbot, default botBehavior → 200 preview card with og:title, no destination", async () => {
      await createLink({ url: "https://example.net/secret-destination", key: "bot-preview", title: "Spring & sale" });
      const response = await visit("bot-preview", { "user-agent": BOT_UA });
      expect(response.status).toBe(200);
      expectEdgeHeaders(response);
      const body = await response.text();
      expect(body).toContain('<meta property="og:title" content="Spring &amp; sale">');
      expect(body).toContain(`<meta property="og:url" content="${app.url}/bot-preview">`);
      expect(body).not.toContain("secret-destination");
    });

    test("botBehavior block → 403; redirect → 302 to the destination", async () => {
      await createLink({ url: "https://example.net/blocked", key: "bot-block", botBehavior: "block" });
      const blocked = await visit("bot-block", { "user-agent": BOT_UA });
      expect(blocked.status).toBe(403);
      const body = await blocked.text();
      expect(body).toContain("not available to automated clients");
      expect(body).not.toContain("example.net/blocked");

      await createLink({ url: "https://example.net/open", key: "bot-redirect", botBehavior: "redirect" });
      const redirected = await visit("bot-redirect", { "user-agent": BOT_UA });
      expect(redirected.status).toBe(302);
      expect(redirected.headers.get("location")).toBe("https://example.net/open");
      expect(redirected.headers.get("server-timing")).toMatch(/desc="bot_redirect"/);
    });

    test("HEAD is treated as a bot, even with a browser user-agent", async () => {
      await createLink({ url: "https://example.net/head", key: "bot-head" });
      const preview = await visit("bot-head", {}, { method: "HEAD" });
      expect(preview.status).toBe(200);
      expect(preview.headers.get("location")).toBeNull();
      expect(preview.headers.get("server-timing")).toMatch(/desc="bot_preview"/);

      await createLink({ url: "https://example.net/head-block", key: "bot-head-block", botBehavior: "block" });
      expect((await visit("bot-head-block", {}, { method: "HEAD" })).status).toBe(403);
    });
  });

  describe("rules", () => {
    const rules = [
      { conditions: [{ type: "device", in: ["mobile"] }], url: "https://example.com/mobile" },
      { conditions: [{ type: "language", in: ["de"] }], url: "https://example.com/de" },
      { conditions: [{ type: "query", param: "src", equals: "qr" }], url: "https://example.com/qr" },
      { conditions: [{ type: "ip", in: ["203.0.113.0/24"] }], url: "https://example.com/ip" },
      { conditions: [{ type: "country", in: ["FR"] }], url: "https://example.com/fr" },
    ];
    beforeAll(async () => {
      await createLink({ url: "https://example.com/default", key: "ruled", rules });
    });

    test.each<[string, string, Headers, string]>([
      ["no rule matches", "ruled", {}, "https://example.com/default"],
      ["device: iPhone", "ruled", { "user-agent": IPHONE_UA }, "https://example.com/mobile"],
      ["language: de-DE", "ruled", { "accept-language": "de-DE,de;q=0.9,en;q=0.5" }, "https://example.com/de"],
      ["query: ?src=qr", "ruled?src=qr", {}, "https://example.com/qr"],
      ["query: ?src=other does not match", "ruled?src=web", {}, "https://example.com/default"],
      ["ip: CIDR via x-real-ip", "ruled", { "x-real-ip": "203.0.113.77" }, "https://example.com/ip"],
      ["ip outside the CIDR", "ruled", { "x-real-ip": "198.51.100.77" }, "https://example.com/default"],
      ["country via x-vercel-ip-country", "ruled", { "x-vercel-ip-country": "FR" }, "https://example.com/fr"],
      ["spoofed cf-ipcountry is ignored (GEO_HEADERS=vercel)", "ruled", { "cf-ipcountry": "FR" }, "https://example.com/default"],
      ["first match wins: iPhone + de + FR → device", "ruled", { "user-agent": IPHONE_UA, "accept-language": "de", "x-vercel-ip-country": "FR" }, "https://example.com/mobile"],
      ["first match wins: de + ?src=qr → language", "ruled?src=qr", { "accept-language": "de" }, "https://example.com/de"],
    ])("%s", async (_name, path, headers, location) => {
      const response = await visit(path, headers);
      expect(response.status).toBe(302);
      expect(response.headers.get("location")).toBe(location);
      expect(response.headers.get("server-timing")).toMatch(location.endsWith("/default") ? /desc="destination"/ : /desc="rule"/);
    });
  });

  describe("variants", () => {
    let link: Link;
    const A = "https://example.com/variant-a";
    const B = "https://example.com/variant-b";
    beforeAll(async () => {
      link = await createLink({ url: "https://example.com/control", key: "ab", variants: [{ url: A, weight: 50 }, { url: B, weight: 50 }] });
    });

    test("the first visit sets sp_v_<linkId>; sending it back keeps the same destination", async () => {
      const first = await visit("ab", { "x-real-ip": "192.0.2.10" });
      expect(first.status).toBe(302);
      const location = first.headers.get("location");
      expect([A, B]).toContain(location);
      const cookie = first.headers.get("set-cookie") ?? "";
      expect(cookie).toMatch(new RegExp(`^sp_v_${link.id}=[01]; Path=/ab; Max-Age=7776000; SameSite=Lax; HttpOnly$`));
      expect(first.headers.get("server-timing")).toMatch(/desc="variant"/);

      const pair = cookie.split(";")[0]!;
      for (let i = 0; i < 5; i++) {
        // A different visitor each time: only the cookie keeps the choice.
        const again = await visit("ab", { cookie: pair, "x-real-ip": `192.0.2.${20 + i}` });
        expect(again.headers.get("location")).toBe(location);
        expect(again.headers.get("set-cookie")).toBeNull();
      }
    });

    test("different visitors over 40 requests get both variants", async () => {
      const locations = new Set<string | null>();
      for (let i = 0; i < 40; i++) locations.add((await visit("ab", { "x-real-ip": `198.51.100.${i + 1}` })).headers.get("location"));
      expect([...locations].sort()).toEqual([A, B]);
    });
  });

  test("forwardQuery + utm: the visitor's query and the UTM fields reach the destination", async () => {
    await createLink({ url: "https://example.com/landing?keep=1", key: "fwd", forwardQuery: true, utm: { source: "newsletter", campaign: "spring" } });
    const response = await visit("fwd?x=1");
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location")!);
    expect(location.origin + location.pathname).toBe("https://example.com/landing");
    expect(Object.fromEntries(location.searchParams)).toEqual({ keep: "1", x: "1", utm_source: "newsletter", utm_campaign: "spring" });
  });

  test("cloaked → 200 with the destination in an iframe", async () => {
    await createLink({ url: "https://example.com/framed?a=1&b=2", key: "cloak", cloaked: true, title: "Framed" });
    const response = await visit("cloak");
    expect(response.status).toBe(200);
    expect(response.headers.get("location")).toBeNull();
    expectEdgeHeaders(response);
    const body = await response.text();
    expect(body).toContain('<iframe src="https://example.com/framed?a=1&amp;b=2"');
    expect(body).toContain("<title>Framed</title>");
  });

  test("info page /<key>+ shows the destination, but not a password link's", async () => {
    await createLink({ url: "https://example.com/where", key: "info" });
    const info = await visit("info+");
    expect(info.status).toBe(200);
    const body = await info.text();
    expect(body).toContain("Where does this link go?");
    expect(body).toContain('href="https://example.com/where"');

    await createLink({ url: "https://example.com/private-where", key: "info-locked", password: "open sesame" });
    const locked = await visit("info-locked+");
    expect(locked.status).toBe(200);
    const lockedBody = await locked.text();
    expect(lockedBody).toContain("Protected by a password");
    expect(lockedBody).not.toContain("private-where");

    expect((await visit("never-created+")).status).toBe(404);
  });

  describe("app paths on the single embedded host", () => {
    test("/ is the Signpost home page (Next), not a redirect to HOME_URL", async () => {
      const home = await visit("");
      expect(home.status).toBe(200);
      expect(home.headers.get("location")).toBeNull();
      expect(home.headers.get("x-robots-tag")).toBeNull();
      expect(await home.text()).toContain("Create a link");
    });

    test("/robots.txt is reserved on the app host: Next serves the app's (short links allowed, API and app pages not)", async () => {
      const robots = await visit("robots.txt");
      expect(robots.status).toBe(200);
      const text = await robots.text();
      expect(text).toMatch(/User-Agent: \*\nAllow: \/\nDisallow: \/api\//);
      expect(text).toContain("Disallow: /setup");
    });
  });

  describe("methods", () => {
    beforeAll(async () => {
      await createLink({ url: "https://example.com/methods", key: "methods" });
    });
    test.each(["OPTIONS", "PUT", "PATCH", "DELETE"])("%s /<key> → 405 with allow", async (method) => {
      const response = await visit("methods", {}, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("GET, HEAD, POST");
      expect(response.headers.get("location")).toBeNull();
    });
  });

  describe("hostile input", () => {
    test.each<[string, string]>([
      ["an emoji key", "%F0%9F%98%80"],
      ["a 5,000-character key", "a".repeat(5000)],
      ["a 191-character key (one over the limit)", "a".repeat(191)],
      ["a key with a leading dash", "-dash"],
    ])("%s → 404 page", async (_name, path) => {
      const response = await visit(path);
      expect(response.status).toBe(404);
      expect(await response.text()).toContain("Link not found");
    });

    test("a broken percent-encoding → 4xx, not 500", async () => {
      const response = await visit("%E0%A4%A");
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    });

    test("x-middleware-subrequest does not bypass the middleware: a password link still asks for it", async () => {
      await createLink({ url: "https://example.com/guarded", key: "guarded", password: "open sesame" });
      for (const value of ["middleware:middleware:middleware:middleware:middleware", "src/middleware:src/middleware:src/middleware:src/middleware:src/middleware"]) {
        const response = await visit("guarded", { "x-middleware-subrequest": value });
        expect(response.status).toBe(401);
        const body = await response.text();
        expect(body).toContain("This link needs a password");
        expect(body).not.toContain("example.com/guarded");
      }
    });

    test("a malformed Cookie header gets the normal outcome", async () => {
      await createLink({ url: "https://example.com/cookies", key: "cookies" });
      const response = await visit("cookies", { cookie: "sp_pw_x=%E0%A4%A; ;;=; sp_v_x=99; =novalue; noequals" });
      expect(response.status).toBe(302);
      expect(response.headers.get("location")).toBe("https://example.com/cookies");
    });
  });

  test("clicks: N browser visits count N; bot and HEAD visits do not count", async () => {
    const link = await createLink({ url: "https://example.com/counted", key: "counted", botBehavior: "redirect" });
    const N = 4;
    for (let i = 0; i < N; i++) expect((await visit("counted", { "x-real-ip": `192.0.2.${100 + i}` })).status).toBe(302);
    // Bots that are redirected still emit a click event (flagged as a bot); they must not count.
    expect((await visit("counted", { "user-agent": BOT_UA })).status).toBe(302);
    expect((await visit("counted", { "user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)" })).status).toBe(302);
    expect((await visit("counted", {}, { method: "HEAD" })).status).toBe(302);

    const deadline = Date.now() + 10_000;
    let clicks = await clicksOf(link.id);
    while (clicks < N && Date.now() < deadline) {
      await sleep(100);
      clicks = await clicksOf(link.id);
    }
    // Give a wrongly counted bot click time to land too.
    await sleep(500);
    expect(await clicksOf(link.id)).toBe(N);
  });
});
