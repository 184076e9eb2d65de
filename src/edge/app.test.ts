import { describe, expect, test } from "vitest";
import { clickBatchSchema, type ClickEvent, type EdgeLink } from "@/core/link";
import { hashLinkPassword } from "@/core/link-password";
import { verifyRequest, type VerifyResult } from "@/core/protocol";
import { createEdgeApp } from "./app";
import { createBatchingClickSink } from "./click-sink";
import { extractFacts } from "./facts";
import { createCachedLinkStore } from "./link-cache";
import { createOriginLinkStore } from "./link-store";
import { createOriginClient } from "./origin-client";
import { createOriginGates } from "./origin-gates";
import { plainEdgeLink } from "../../tests/support/edge-link";

const SECRET = "edge-app-test-secret-0123456789abcdef";
const ORIGIN_URL = "http://origin.test:4000";
const HOME_URL = "https://signpost.test/";
const LOOKUP_PATH = "/api/internal/v1/links/lookup";
const CLICKS_PATH = "/api/internal/v1/clicks";
const RESERVE_PATH = "/api/internal/v1/links/reserve";
const ATTEMPTS_PATH = "/api/internal/v1/password-attempts";

const CHROME_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const IPHONE_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const ANDROID_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36";
const MAC_FIREFOX_UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0";
const GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const PASSWORD = "open sesame";
const PASSWORD_HASH = await hashLinkPassword(PASSWORD, 1000);

const PAST = "2000-01-01T00:00:00.000Z";
const FUTURE = "2999-01-01T00:00:00.000Z";

let nextId = 0;
/** A complete EdgeLink (every field of edgeLinkSchema); `key` and `id` are unique unless given. */
function edgeLink(overrides: Partial<EdgeLink> = {}): EdgeLink {
  nextId++;
  return plainEdgeLink({ id: `lnk_${nextId}`, key: `k${nextId}`, botBehavior: "redirect", ...overrides });
}

interface Received {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
  verified: VerifyResult;
}

type LookupFailure = 500 | "network-error";

/**
 * Stands in for the Node origin (a separate process): verifies signatures (401 otherwise) and
 * answers lookup ({ link } / 404), click ingest (202), click reservations (up to the link's
 * maxClicks) and password attempts (10 allowed, then 429-style refusal).
 */
function fakeOrigin(links: EdgeLink[], failures: { lookup?: LookupFailure; reserve?: boolean }) {
  const received: Received[] = [];
  const reserved = new Map<string, number>();
  const attempts = new Map<string, number>();
  const fetchImpl: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const body = await request.text();
    const url = new URL(request.url);
    const verified = await verifyRequest(SECRET, request.method, url.pathname + url.search, request.headers, body);
    received.push({ method: request.method, url, headers: request.headers, body, verified });
    if (!verified.ok) return Response.json({ error: { code: "unauthorized", message: verified.reason } }, { status: 401 });
    if (request.method === "GET" && url.pathname === LOOKUP_PATH) {
      if (failures.lookup === "network-error") throw new TypeError("fetch failed");
      if (failures.lookup === 500) return Response.json({ error: { code: "internal_error" } }, { status: 500 });
      const domain = url.searchParams.get("domain");
      const key = url.searchParams.get("key");
      const link = links.find((l) => l.domain === domain && l.key === key);
      return link ? Response.json({ link }) : Response.json({ error: { code: "not_found" } }, { status: 404 });
    }
    if (request.method === "POST" && url.pathname === CLICKS_PATH) {
      const batch = clickBatchSchema.safeParse(JSON.parse(body));
      if (!batch.success) return Response.json({ error: { code: "validation_failed" } }, { status: 400 });
      return Response.json({ accepted: batch.data.clicks.length, duplicates: 0, unknownLinks: 0 }, { status: 202 });
    }
    if (request.method === "POST" && url.pathname === RESERVE_PATH) {
      if (failures.reserve) return Response.json({ error: { code: "internal_error" } }, { status: 500 });
      const { linkId } = JSON.parse(body) as { linkId: string };
      const link = links.find((l) => l.id === linkId);
      if (!link) return Response.json({ admitted: false, reason: "unknown" });
      const used = reserved.get(linkId) ?? 0;
      if (link.maxClicks !== null && used >= link.maxClicks) return Response.json({ admitted: false, reason: "exhausted" });
      reserved.set(linkId, used + 1);
      return Response.json({ admitted: true, remaining: link.maxClicks === null ? 1e9 : link.maxClicks - used - 1 });
    }
    if (request.method === "POST" && url.pathname === ATTEMPTS_PATH) {
      const { linkId, visitor } = JSON.parse(body) as { linkId: string; visitor: string };
      const id = `${linkId}\n${visitor}`;
      const count = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, count);
      return count <= 10 ? Response.json({ allowed: true, remaining: 10 - count }) : Response.json({ allowed: false, retryAfterSeconds: 900 });
    }
    return Response.json({ error: { code: "not_found" } }, { status: 404 });
  };
  return { fetch: fetchImpl, received };
}

function setup(options: { links?: EdgeLink[]; lookup?: LookupFailure; reserve?: "fail"; homeUrl?: string | null } = {}) {
  const links = options.links ?? [];
  const origin = fakeOrigin(links, { lookup: options.lookup, reserve: options.reserve === "fail" });
  const client = createOriginClient({ originUrl: ORIGIN_URL, secret: SECRET, fetch: origin.fetch });
  const app = createEdgeApp({
    links: createCachedLinkStore(createOriginLinkStore(client)),
    gates: createOriginGates(client),
    clicks: createBatchingClickSink(client, { maxDelayMs: 1, attempts: 1 }),
    options: {
      secret: SECRET,
      homeUrl: options.homeUrl === undefined ? HOME_URL : options.homeUrl,
      passwordTtlSeconds: 3600,
      facts: (req) => extractFacts(req, { geo: { trusted: ["vercel"] }, trustedIpHeader: "x-real-ip" }),
    },
  });
  const waited: Promise<unknown>[] = [];
  const ctx = {
    waitUntil(promise: Promise<unknown>) {
      waited.push(promise);
    },
    passThroughOnException() {},
    props: {},
  };
  const byPath = (path: string) => origin.received.filter((r) => r.url.pathname === path);
  return {
    origin,
    request(path: string, init: RequestInit & { headers?: Record<string, string> } = {}, base = "http://sgn.test") {
      const headers = { "user-agent": CHROME_UA, ...init.headers };
      return Promise.resolve(app.fetch(new Request(base + path, { ...init, headers }), {}, ctx));
    },
    lookups: () => byPath(LOOKUP_PATH),
    reservations: () => byPath(RESERVE_PATH),
    attempts: () => byPath(ATTEMPTS_PATH),
    async clickBodies(): Promise<string[]> {
      await Promise.all(waited);
      return byPath(CLICKS_PATH).map((r) => r.body);
    },
    /** Waits for everything handed to waitUntil, then returns the clicks the origin received. */
    async clicks(): Promise<ClickEvent[]> {
      await Promise.all(waited);
      return byPath(CLICKS_PATH).flatMap((r) => (JSON.parse(r.body) as { clicks: ClickEvent[] }).clicks);
    },
  };
}

const form = (password: string) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ password }).toString(),
});

/** The cookie pair (name=value) from a Set-Cookie header value. */
const cookiePair = (setCookie: string | null) => setCookie!.split(";")[0]!;

// ---- Redirects ------------------------------------------------------------------------------------

describe("redirect", () => {
  test("302 by default, with Location, no-store, noindex and an empty body", async () => {
    const link = edgeLink();
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(link.url);
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    expect(response.headers.get("x-robots-tag")).toBe("noindex");
    expect(await response.text()).toBe("");
  });

  test.each([301, 307, 308] as const)("redirectStatus %i is used", async (status) => {
    const link = edgeLink({ redirectStatus: status });
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`);
    expect(response.status).toBe(status);
    expect(response.headers.get("location")).toBe(link.url);
  });

  test("the lookup is signed, by host and key, and the host is lower-cased", async () => {
    const link = edgeLink();
    const edge = setup({ links: [link] });
    expect((await edge.request(`/${link.key}`, {}, "http://SGN.test")).status).toBe(302);
    const [lookup, ...more] = edge.lookups();
    expect(more).toEqual([]);
    expect(lookup!.verified.ok).toBe(true);
    expect(lookup!.url.searchParams.get("domain")).toBe("sgn.test");
    expect(lookup!.url.searchParams.get("key")).toBe(link.key);
  });

  test("x-request-id: a valid one is echoed (and sent to the origin), an invalid one replaced", async () => {
    const link = edgeLink();
    const edge = setup({ links: [link] });
    const echoed = await edge.request(`/${link.key}`, { headers: { "x-request-id": "req-12345678" } });
    expect(echoed.headers.get("x-request-id")).toBe("req-12345678");
    expect(edge.lookups()[0]!.headers.get("x-request-id")).toBe("req-12345678");
    const replaced = await edge.request(`/${link.key}`, { headers: { "x-request-id": "bad id <script>" } });
    expect(replaced.headers.get("x-request-id")).toMatch(UUID);
    const generated = await edge.request(`/${link.key}`);
    expect(generated.headers.get("x-request-id")).toMatch(UUID);
    expect(generated.headers.get("x-request-id")).not.toBe(replaced.headers.get("x-request-id"));
  });

  test("traceparent: a valid W3C one is carried to the origin; a malformed or all-zero one is not", async () => {
    const valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const link = edgeLink();
    const edge = setup({ links: [link] });
    await edge.request(`/${link.key}`, { headers: { traceparent: valid } });
    expect(edge.lookups()[0]!.headers.get("traceparent")).toBe(valid);
    for (const bad of ["garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", `${valid}-extra`]) {
      const other = edgeLink();
      const fresh = setup({ links: [other] });
      await fresh.request(`/${other.key}`, { headers: { traceparent: bad } });
      expect(fresh.lookups()[0]!.headers.get("traceparent")).toBeNull();
    }
  });

  test("server-timing: cache miss then hit, decide and edge stages; one origin lookup for both", async () => {
    const link = edgeLink();
    const edge = setup({ links: [link] });
    const first = (await edge.request(`/${link.key}`)).headers.get("server-timing")!;
    const second = (await edge.request(`/${link.key}`)).headers.get("server-timing")!;
    expect(first).toMatch(/(^|, )cache;dur=\d+\.\d;desc="miss"/);
    expect(second).toMatch(/(^|, )cache;dur=\d+\.\d;desc="hit"/);
    for (const header of [first, second]) {
      expect(header).toMatch(/(^|, )decide;dur=\d+\.\d/);
      expect(header).toMatch(/, edge;dur=\d+\.\d$/);
    }
    expect(edge.lookups()).toHaveLength(1);
  });

  test("HEAD from a browser counts as a bot but, with botBehavior redirect, is redirected", async () => {
    const link = edgeLink();
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`, { method: "HEAD" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(link.url);
    const [click] = await edge.clicks();
    expect(click).toMatchObject({ isBot: true, reason: "bot_redirect" });
  });
});

// ---- Not found, home, robots --------------------------------------------------------------------

describe("not found", () => {
  test("an unknown key: 404 HTML after one lookup, then served from the negative cache", async () => {
    const edge = setup({ links: [edgeLink()] });
    const response = await edge.request("/nope");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    expect(await response.text()).toContain("Link not found");
    expect(edge.lookups()).toHaveLength(1);
    expect((await edge.request("/nope")).status).toBe(404);
    expect(edge.lookups()).toHaveLength(1);
    expect(await edge.clicks()).toEqual([]);
  });

  test.each(["/-abc", "/abc-", "/a.b", "/a%20b", "/a@b", `/${"a".repeat(191)}`])("an invalid key %s: 404 without any origin lookup", async (path) => {
    const edge = setup();
    const response = await edge.request(path);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("Link not found");
    expect(edge.origin.received).toEqual([]);
  });

  test("the key is case-sensitive", async () => {
    const link = edgeLink({ key: "AbC" });
    const edge = setup({ links: [link] });
    expect((await edge.request("/abc")).status).toBe(404);
    expect((await edge.request("/AbC")).status).toBe(302);
  });

  test.each([
    ["disabled", { disabled: true }],
    ["archived", { archived: true }],
  ] as const)("a %s link: 404 HTML", async (_, overrides) => {
    const link = edgeLink(overrides);
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`);
    expect(response.status).toBe(404);
    const body = await response.text();
    expect(body).toContain("Link not found");
    expect(body).not.toContain(link.url);
    expect(response.headers.get("location")).toBeNull();
  });

  test("a link on another short domain is not found here", async () => {
    const link = edgeLink({ domain: "other.test" });
    const edge = setup({ links: [link] });
    expect((await edge.request(`/${link.key}`)).status).toBe(404);
  });

  test("/ redirects to homeUrl when set", async () => {
    const edge = setup({ homeUrl: HOME_URL });
    const response = await edge.request("/");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(HOME_URL);
    expect(edge.origin.received).toEqual([]);
  });

  test("/ answers 404 when homeUrl is null", async () => {
    const edge = setup({ homeUrl: null });
    const response = await edge.request("/");
    expect(response.status).toBe(404);
    expect(response.headers.get("location")).toBeNull();
  });

  test("/robots.txt answers 200 text without a lookup", async () => {
    const edge = setup();
    const response = await edge.request("/robots.txt");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await response.text()).toContain("User-agent: *");
    expect(edge.origin.received).toEqual([]);
  });

  test("a deeper path is 404 without a lookup", async () => {
    const link = edgeLink();
    const edge = setup({ links: [link] });
    expect((await edge.request(`/${link.key}/more`)).status).toBe(404);
    expect(edge.origin.received).toEqual([]);
  });
});

// ---- Expiry and maxClicks -----------------------------------------------------------------------

describe("expiry and maxClicks", () => {
  test("expiresAt in the past: 410 HTML, and a click with reason expired", async () => {
    const link = edgeLink({ expiresAt: PAST });
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`);
    expect(response.status).toBe(410);
    const body = await response.text();
    expect(body).toContain("expired");
    expect(body).not.toContain(link.url);
    expect((await edge.clicks()).map((c) => c.reason)).toEqual(["expired"]);
  });

  test("expiresAt in the future: a normal redirect", async () => {
    const link = edgeLink({ expiresAt: FUTURE });
    const edge = setup({ links: [link] });
    expect((await edge.request(`/${link.key}`)).status).toBe(302);
  });

  test("expired with expiredUrl: 302 to the expiredUrl", async () => {
    const link = edgeLink({ expiresAt: PAST, expiredUrl: "https://example.com/expired", redirectStatus: 301 });
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("https://example.com/expired");
    expect((await edge.clicks()).map((c) => c.reason)).toEqual(["expired_url"]);
  });

  test("maxClicks: admitted while under the limit (each reserved at the origin), then 410", async () => {
    const link = edgeLink({ maxClicks: 2 });
    const edge = setup({ links: [link] });
    expect((await edge.request(`/${link.key}`)).status).toBe(302);
    expect((await edge.request(`/${link.key}`)).status).toBe(302);
    expect((await edge.request(`/${link.key}`)).status).toBe(410);
    expect((await edge.request(`/${link.key}`)).status).toBe(410);
    const reservations = edge.reservations();
    expect(reservations).toHaveLength(4);
    expect(reservations.every((r) => r.verified.ok && JSON.parse(r.body).linkId === link.id)).toBe(true);
    expect((await edge.clicks()).map((c) => c.reason)).toEqual(["destination", "destination", "max_clicks", "max_clicks"]);
  });

  test("maxClicks exhausted with expiredUrl: 302 there", async () => {
    const link = edgeLink({ maxClicks: 1, expiredUrl: "https://example.com/sold-out" });
    const edge = setup({ links: [link] });
    expect((await edge.request(`/${link.key}`)).headers.get("location")).toBe(link.url);
    const response = await edge.request(`/${link.key}`);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("https://example.com/sold-out");
  });

  test("links without maxClicks never reserve", async () => {
    const link = edgeLink();
    const edge = setup({ links: [link] });
    await edge.request(`/${link.key}`);
    expect(edge.reservations()).toEqual([]);
  });

  test("bots do not reserve (and are still redirected)", async () => {
    const link = edgeLink({ maxClicks: 1 });
    const edge = setup({ links: [link] });
    expect((await edge.request(`/${link.key}`, { headers: { "user-agent": GOOGLEBOT_UA } })).status).toBe(302);
    expect((await edge.request(`/${link.key}`, { method: "HEAD" })).status).toBe(302);
    expect(edge.reservations()).toEqual([]);
    // The one human click is still available.
    expect((await edge.request(`/${link.key}`)).status).toBe(302);
    expect(edge.reservations()).toHaveLength(1);
  });

  test("a password form view does not reserve", async () => {
    const link = edgeLink({ maxClicks: 1, passwordHash: PASSWORD_HASH });
    const edge = setup({ links: [link] });
    expect((await edge.request(`/${link.key}`)).status).toBe(401);
    expect(edge.reservations()).toEqual([]);
  });

  test("a reservation failure (origin 500) answers 503 with retry-after, no click", async () => {
    const link = edgeLink({ maxClicks: 5 });
    const edge = setup({ links: [link], reserve: "fail" });
    const response = await edge.request(`/${link.key}`);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(response.headers.get("location")).toBeNull();
    expect(await edge.clicks()).toEqual([]);
  });
});

// ---- Bots ---------------------------------------------------------------------------------------

describe("bots", () => {
  const card = {
    url: "https://secret-destination.example/path?token=abc",
    title: "Card title",
    description: "Card description",
    image: "https://img.example/card.png",
  };

  test.each([
    ["Googlebot", { headers: { "user-agent": GOOGLEBOT_UA } }],
    ["HEAD", { method: "HEAD" }],
  ] as const)("preview (%s): 200 HTML card without the destination, and the visit stored as a bot's", async (_, init) => {
    const link = edgeLink({ ...card, botBehavior: "preview" });
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`, init);
    expect(response.status).toBe(200);
    expect(response.headers.get("location")).toBeNull();
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    if (!("method" in init)) {
      const body = await response.text();
      expect(body).toContain('<meta property="og:title" content="Card title">');
      expect(body).toContain('<meta property="og:description" content="Card description">');
      expect(body).toContain('<meta property="og:image" content="https://img.example/card.png">');
      expect(body).toContain('<meta name="twitter:card" content="summary_large_image">');
      expect(body).toContain(`<meta property="og:url" content="http://sgn.test/${link.key}">`);
      expect(body).not.toContain("secret-destination");
    }
    const clicks = await edge.clicks();
    expect(clicks).toHaveLength(1);
    expect(clicks[0]).toMatchObject({ linkId: link.id, isBot: true, reason: "bot_preview", ruleIndex: null, variantIndex: null });
  });

  test("preview escapes the card fields", async () => {
    const link = edgeLink({ botBehavior: "preview", title: '"><script>alert(1)</script>' });
    const edge = setup({ links: [link] });
    const body = await (await edge.request(`/${link.key}`, { headers: { "user-agent": GOOGLEBOT_UA } })).text();
    expect(body).not.toContain("<script>alert(1)");
    expect(body).toContain("&lt;script&gt;");
  });

  test("a person on a preview link is redirected", async () => {
    const link = edgeLink({ ...card, botBehavior: "preview" });
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(card.url);
  });

  test("redirect: 302 for Googlebot, click with isBot and reason bot_redirect", async () => {
    const link = edgeLink({ ...card, botBehavior: "redirect" });
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`, { headers: { "user-agent": GOOGLEBOT_UA } });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(card.url);
    const clicks = await edge.clicks();
    expect(clicks).toHaveLength(1);
    expect(clicks[0]).toMatchObject({ isBot: true, reason: "bot_redirect", userAgent: GOOGLEBOT_UA });
  });

  test("block: 403 for Googlebot with no destination, click with isBot and reason bot_blocked", async () => {
    const link = edgeLink({ ...card, botBehavior: "block" });
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`, { headers: { "user-agent": GOOGLEBOT_UA } });
    expect(response.status).toBe(403);
    expect(response.headers.get("location")).toBeNull();
    expect(await response.text()).not.toContain("secret-destination");
    const clicks = await edge.clicks();
    expect(clicks).toHaveLength(1);
    expect(clicks[0]).toMatchObject({ isBot: true, reason: "bot_blocked" });
  });

  test("a person's click has isBot false", async () => {
    const link = edgeLink({ botBehavior: "block" });
    const edge = setup({ links: [link] });
    expect((await edge.request(`/${link.key}`)).status).toBe(302);
    expect((await edge.clicks())[0]).toMatchObject({ isBot: false, reason: "destination" });
  });

  test("a bot on a password link gets the card, never the destination (even with botBehavior redirect)", async () => {
    const link = edgeLink({ ...card, botBehavior: "redirect", passwordHash: PASSWORD_HASH });
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`, { headers: { "user-agent": GOOGLEBOT_UA } });
    expect(response.status).toBe(200);
    expect(response.headers.get("location")).toBeNull();
    expect(await response.text()).not.toContain("secret-destination");
  });
});

// ---- Passwords ----------------------------------------------------------------------------------

describe("password", () => {
  const secretLink = () =>
    edgeLink({ url: "https://secret-destination.example/x", title: "Secret Title", description: "Secret description", passwordHash: PASSWORD_HASH });

  test("GET: 401 form that names neither the destination nor the title; click password_required", async () => {
    const link = secretLink();
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`);
    expect(response.status).toBe(401);
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    const body = await response.text();
    expect(body).toContain('<form method="post">');
    expect(body).toContain('name="password"');
    expect(body).not.toContain("secret-destination");
    expect(body).not.toContain("Secret Title");
    expect(body).not.toContain("Secret description");
    expect((await edge.clicks()).map((c) => c.reason)).toEqual(["password_required"]);
  });

  test("POST wrong: 401 'not correct', no cookie, attempt recorded (signed, IP hashed)", async () => {
    const link = secretLink();
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`, { ...form("wrong"), headers: { ...form("wrong").headers, "x-real-ip": "203.0.113.7" } });
    expect(response.status).toBe(401);
    expect(response.headers.get("set-cookie")).toBeNull();
    const body = await response.text();
    expect(body).toContain("not correct");
    expect(body).not.toContain("secret-destination");
    const [attempt, ...more] = edge.attempts();
    expect(more).toEqual([]);
    expect(attempt!.verified.ok).toBe(true);
    const sent = JSON.parse(attempt!.body) as { linkId: string; visitor: string };
    expect(sent.linkId).toBe(link.id);
    expect(attempt!.body).not.toContain("203.0.113.7");
  });

  test("POST right over http: 303 to the same URL with an HttpOnly, SameSite=Lax, link-scoped cookie, not Secure", async () => {
    const link = secretLink();
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}?a=1`, form(PASSWORD));
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`http://sgn.test/${link.key}?a=1`);
    const setCookie = response.headers.get("set-cookie")!;
    expect(setCookie).toMatch(new RegExp(`^sp_pw_${link.id}=`));
    const attributes = setCookie.split(";").map((part) => part.trim());
    expect(attributes).toContain("HttpOnly");
    expect(attributes).toContain("SameSite=Lax");
    expect(attributes).toContain(`Path=/${link.key}`);
    expect(attributes).toContain("Max-Age=3600");
    expect(attributes).not.toContain("Secure");
    expect(setCookie).not.toContain(PASSWORD);
    // The visit happens on the GET: no click for the POST.
    expect(await edge.clicks()).toEqual([]);
  });

  test("POST right over https: the cookie is Secure", async () => {
    const link = secretLink();
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`, form(PASSWORD), "https://sgn.test");
    expect(response.status).toBe(303);
    expect(response.headers.get("set-cookie")!.split(";").map((p) => p.trim())).toContain("Secure");
  });

  test("GET with the cookie: 302 to the destination, click reason destination", async () => {
    const link = secretLink();
    const edge = setup({ links: [link] });
    const cookie = cookiePair((await edge.request(`/${link.key}`, form(PASSWORD))).headers.get("set-cookie"));
    const response = await edge.request(`/${link.key}`, { headers: { cookie: `other=1; ${cookie}` } });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(link.url);
    expect((await edge.clicks()).map((c) => c.reason)).toEqual(["destination"]);
  });

  test("a cookie for another link does not open this one", async () => {
    const first = secretLink();
    const second = secretLink();
    const edge = setup({ links: [first, second] });
    const cookie = cookiePair((await edge.request(`/${first.key}`, form(PASSWORD))).headers.get("set-cookie"));
    const value = cookie.slice(cookie.indexOf("=") + 1);
    // Neither the other link's cookie as is, nor its value under this link's name.
    expect((await edge.request(`/${second.key}`, { headers: { cookie } })).status).toBe(401);
    expect((await edge.request(`/${second.key}`, { headers: { cookie: `sp_pw_${second.id}=${value}` } })).status).toBe(401);
  });

  test.each([
    ["a flipped signature digit", (v: string) => v.slice(0, -1) + (v.endsWith("0") ? "1" : "0")],
    ["an extended expiry", (v: string) => `9${v}`],
    ["an extra part", (v: string) => `${v}.x`],
    ["garbage", () => "garbage"],
    ["an empty value", () => ""],
  ])("a tampered cookie (%s) shows the form again", async (_, tamper) => {
    const link = secretLink();
    const edge = setup({ links: [link] });
    const cookie = cookiePair((await edge.request(`/${link.key}`, form(PASSWORD))).headers.get("set-cookie"));
    const value = decodeURIComponent(cookie.slice(cookie.indexOf("=") + 1));
    const response = await edge.request(`/${link.key}`, { headers: { cookie: `sp_pw_${link.id}=${encodeURIComponent(tamper(value))}` } });
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain("secret-destination");
  });

  test("a pass stops working when the password (hash) changes", async () => {
    const link = secretLink();
    const edge = setup({ links: [link] });
    const cookie = cookiePair((await edge.request(`/${link.key}`, form(PASSWORD))).headers.get("set-cookie"));
    const rehashed = edgeLink({ ...link, passwordHash: await hashLinkPassword(PASSWORD, 1000) });
    const edge2 = setup({ links: [rehashed] });
    expect((await edge2.request(`/${link.key}`, { headers: { cookie } })).status).toBe(401);
  });

  test("10 attempts are allowed, the 11th answers 429 with retry-after (even with the right password)", async () => {
    const link = secretLink();
    const edge = setup({ links: [link] });
    for (let i = 0; i < 10; i++) {
      expect((await edge.request(`/${link.key}`, form(`wrong-${i}`))).status).toBe(401);
    }
    const response = await edge.request(`/${link.key}`, form(PASSWORD));
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("900");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(await response.text()).toContain("Too many attempts");
    expect(edge.attempts()).toHaveLength(11);
  });

  test("attempts are counted per IP: another IP is not locked out by the first one's failures", async () => {
    const link = secretLink();
    const edge = setup({ links: [link] });
    const from = (ip: string, pw: string) => edge.request(`/${link.key}`, { ...form(pw), headers: { ...form(pw).headers, "x-real-ip": ip } });
    for (let i = 0; i < 11; i++) await from("198.51.100.1", "wrong");
    expect((await from("198.51.100.1", PASSWORD)).status).toBe(429);
    expect((await from("198.51.100.2", PASSWORD)).status).toBe(303);
  });

  test("POST to a link without a password: 303 back to it, no attempt counted", async () => {
    const link = edgeLink();
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`, form("anything"));
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`http://sgn.test/${link.key}`);
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(edge.attempts()).toEqual([]);
  });

  test("POST to an unknown, disabled or invalid key: 404", async () => {
    const disabled = edgeLink({ disabled: true, passwordHash: PASSWORD_HASH });
    const edge = setup({ links: [disabled] });
    expect((await edge.request("/unknown", form(PASSWORD))).status).toBe(404);
    expect((await edge.request(`/${disabled.key}`, form(PASSWORD))).status).toBe(404);
    expect((await edge.request("/-bad-", form(PASSWORD))).status).toBe(404);
    expect(edge.attempts()).toEqual([]);
  });

  test("POST without a password field or with an empty one: 401, no attempt counted", async () => {
    const link = secretLink();
    const edge = setup({ links: [link] });
    expect((await edge.request(`/${link.key}`, { method: "POST" })).status).toBe(401);
    expect((await edge.request(`/${link.key}`, form(""))).status).toBe(401);
    expect(
      (await edge.request(`/${link.key}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ password: PASSWORD }) }))
        .status,
    ).toBe(401);
    expect(edge.attempts()).toEqual([]);
  });

  test("POST with a huge body (1 MB password): 401, no crash, no attempt counted", async () => {
    const link = secretLink();
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`, form("x".repeat(1_000_000)));
    expect(response.status).toBe(401);
    expect(await response.text()).toContain("not correct");
    expect(edge.attempts()).toEqual([]);
  });

  test("POST declaring a content-length over the limit: 401 without parsing", async () => {
    const link = secretLink();
    const edge = setup({ links: [link] });
    const body = `password=${encodeURIComponent(PASSWORD)}&pad=${"y".repeat(10_000)}`;
    const response = await edge.request(`/${link.key}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "content-length": String(body.length) },
      body,
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  // A streamed (chunked) body declares no content-length: the form is read with a byte cap, so an
  // 8 MB body is refused like a declared one (401) instead of being buffered whole.
  test("POST with a streamed body over the limit is not read past it", async () => {
    const link = secretLink();
    const edge = setup({ links: [link] });
    const encoder = new TextEncoder();
    let pulled = 0;
    const chunk = encoder.encode("&pad=" + "z".repeat(64 * 1024));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(`password=${encodeURIComponent(PASSWORD)}`));
      },
      pull(controller) {
        pulled += chunk.length;
        if (pulled > 8 * 1024 * 1024) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const response = await edge.request(`/${link.key}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: stream,
      duplex: "half",
    } as RequestInit & { headers: Record<string, string> });
    expect(response.status).toBe(401);
    expect(pulled).toBeLessThan(1024 * 1024);
  });

  test("a malformed Cookie header gives the normal outcome", async () => {
    const locked = secretLink();
    const open = edgeLink();
    const edge = setup({ links: [locked, open] });
    const cookie = `=; ;;; sp_pw_${locked.id}=%E0%A4%A; sp_pw_${locked.id}="; sp_v_${open.id}=%; \u00ff=\u00ff`;
    expect((await edge.request(`/${locked.key}`, { headers: { cookie } })).status).toBe(401);
    const response = await edge.request(`/${open.key}`, { headers: { cookie } });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(open.url);
  });

  test("a correct password for an expired link does not get past the expiry", async () => {
    const link = edgeLink({ passwordHash: PASSWORD_HASH, expiresAt: PAST });
    const edge = setup({ links: [link] });
    expect((await edge.request(`/${link.key}`)).status).toBe(410);
  });
});

// ---- Routing rules ------------------------------------------------------------------------------

describe("rules", () => {
  const ruled = () =>
    edgeLink({
      rules: [
        { conditions: [{ type: "country", in: ["DE"] }], url: "https://example.com/de" },
        { conditions: [{ type: "device", in: ["mobile"] }, { type: "os", in: ["iOS"] }], url: "https://example.com/ios" },
        { conditions: [{ type: "os", in: ["Android"] }], url: "https://example.com/android" },
        { conditions: [{ type: "os", in: ["macOS"] }, { type: "device", in: ["desktop"] }], url: "https://example.com/mac" },
        { conditions: [{ type: "language", in: ["fr"] }], url: "https://example.com/fr" },
        { conditions: [{ type: "query", param: "promo", equals: "spring" }], url: "https://example.com/promo" },
        { conditions: [{ type: "ip", in: ["10.0.0.0/8", "2001:db8::/32"] }], url: "https://example.com/office" },
      ],
    });

  test.each([
    ["no facts match", {}, "", "https://example.com/landing", null],
    ["country via x-vercel-ip-country", { "x-vercel-ip-country": "de" }, "", "https://example.com/de", 0],
    ["iPhone (device + os)", { "user-agent": IPHONE_UA }, "", "https://example.com/ios", 1],
    ["Android", { "user-agent": ANDROID_UA }, "", "https://example.com/android", 2],
    ["Mac Firefox", { "user-agent": MAC_FIREFOX_UA }, "", "https://example.com/mac", 3],
    ["accept-language fr-FR", { "accept-language": "en;q=0.5, fr-FR" }, "", "https://example.com/fr", 4],
    ["query param", {}, "?promo=spring", "https://example.com/promo", 5],
    ["query param with another value", {}, "?promo=summer", "https://example.com/landing", null],
    ["IPv4 in a CIDR via x-real-ip", { "x-real-ip": "10.20.30.40" }, "", "https://example.com/office", 6],
    ["IPv6 in a CIDR via x-real-ip", { "x-real-ip": "2001:db8::1" }, "", "https://example.com/office", 6],
    ["IP outside the CIDR", { "x-real-ip": "11.0.0.1" }, "", "https://example.com/landing", null],
    ["the first matching rule wins", { "x-vercel-ip-country": "DE", "user-agent": IPHONE_UA, "x-real-ip": "10.0.0.1" }, "", "https://example.com/de", 0],
    ["untrusted cf-ipcountry is ignored", { "cf-ipcountry": "DE" }, "", "https://example.com/landing", null],
    ["a forged IP left of the proxy's is ignored", { "x-real-ip": "10.0.0.1, 11.0.0.1" }, "", "https://example.com/landing", null],
  ] as const)("%s", async (_, headers, query, location, ruleIndex) => {
    const link = ruled();
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}${query}`, { headers: { ...headers } });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(location);
    const [click] = await edge.clicks();
    expect(click!.reason).toBe(ruleIndex === null ? "destination" : "rule");
    expect(click!.ruleIndex).toBe(ruleIndex);
    expect(click!.url).toBe(location);
  });

  test("rules win over variants", async () => {
    const link = edgeLink({
      rules: [{ conditions: [{ type: "query", param: "r" }], url: "https://example.com/rule" }],
      variants: [{ url: "https://example.com/v0", weight: 100 }],
    });
    const edge = setup({ links: [link] });
    expect((await edge.request(`/${link.key}?r`)).headers.get("location")).toBe("https://example.com/rule");
    expect((await edge.request(`/${link.key}`)).headers.get("location")).toBe("https://example.com/v0");
  });
});

// ---- Variants -----------------------------------------------------------------------------------

describe("variants", () => {
  const ab = (weights: [number, number], overrides: Partial<EdgeLink> = {}) =>
    edgeLink({
      variants: [
        { url: "https://example.com/a", weight: weights[0] },
        { url: "https://example.com/b", weight: weights[1] },
      ],
      ...overrides,
    });

  test("weights 100/0: always variant 0, click reason variant with variantIndex 0", async () => {
    const link = ab([100, 0]);
    const edge = setup({ links: [link] });
    for (let i = 0; i < 20; i++) {
      const response = await edge.request(`/${link.key}`, { headers: { "x-real-ip": `192.0.2.${i}` } });
      expect(response.headers.get("location")).toBe("https://example.com/a");
    }
    const clicks = await edge.clicks();
    expect(clicks).toHaveLength(20);
    expect(clicks.every((c) => c.reason === "variant" && c.variantIndex === 0 && c.ruleIndex === null)).toBe(true);
  });

  test("weights 0/100: always variant 1", async () => {
    const link = ab([0, 100]);
    const edge = setup({ links: [link] });
    for (let i = 0; i < 10; i++) {
      const response = await edge.request(`/${link.key}`, { headers: { "x-real-ip": `192.0.2.${i}` } });
      expect(response.headers.get("location")).toBe("https://example.com/b");
    }
  });

  test("50/50 over many distinct visitors gives both, roughly evenly", async () => {
    const link = ab([50, 50]);
    const edge = setup({ links: [link] });
    const seen = { "https://example.com/a": 0, "https://example.com/b": 0 } as Record<string, number>;
    for (let i = 0; i < 200; i++) {
      const response = await edge.request(`/${link.key}`, { headers: { "x-real-ip": `198.51.100.${i}` } });
      seen[response.headers.get("location")!]!++;
    }
    expect(Object.keys(seen)).toHaveLength(2);
    expect(seen["https://example.com/a"]).toBeGreaterThan(60);
    expect(seen["https://example.com/b"]).toBeGreaterThan(60);
    const clicks = await edge.clicks();
    expect(new Set(clicks.map((c) => c.variantIndex))).toEqual(new Set([0, 1]));
  });

  test("the same visitor (ip + UA), without cookies, always gets the same variant", async () => {
    const link = ab([50, 50]);
    const edge = setup({ links: [link] });
    for (let ip = 0; ip < 10; ip++) {
      const headers = { "x-real-ip": `203.0.113.${ip}` };
      const first = (await edge.request(`/${link.key}`, { headers })).headers.get("location");
      for (let i = 0; i < 3; i++) expect((await edge.request(`/${link.key}`, { headers })).headers.get("location")).toBe(first);
    }
  });

  test("the sticky cookie sp_v_<id> is set (link-scoped) and honoured over the roll", async () => {
    const link = ab([50, 50]);
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`, { headers: { "x-real-ip": "192.0.2.1" } });
    const setCookie = response.headers.get("set-cookie")!;
    const given = response.headers.get("location") === "https://example.com/a" ? 0 : 1;
    expect(setCookie).toMatch(new RegExp(`^sp_v_${link.id}=${given};`));
    const attributes = setCookie.split(";").map((p) => p.trim());
    expect(attributes).toContain(`Path=/${link.key}`);
    expect(attributes).toContain("SameSite=Lax");
    // A cookie naming the other variant wins over this visitor's roll, and is not re-set.
    const other = 1 - given;
    const sticky = await edge.request(`/${link.key}`, { headers: { "x-real-ip": "192.0.2.1", cookie: `sp_v_${link.id}=${other}` } });
    expect(sticky.headers.get("location")).toBe(other === 0 ? "https://example.com/a" : "https://example.com/b");
    expect(sticky.headers.get("set-cookie")).toBeNull();
    expect((await edge.clicks()).map((c) => c.variantIndex)).toEqual([given, other]);
  });

  test("a sticky cookie for a 0-weight or missing variant is not honoured, and is replaced", async () => {
    const link = ab([100, 0]);
    const edge = setup({ links: [link] });
    for (const value of ["1", "7", "-1", "abc"]) {
      const response = await edge.request(`/${link.key}`, { headers: { cookie: `sp_v_${link.id}=${value}` } });
      expect(response.headers.get("location")).toBe("https://example.com/a");
      expect(response.headers.get("set-cookie")).toMatch(new RegExp(`^sp_v_${link.id}=0;`));
    }
  });

  test("the sticky cookie over https is Secure", async () => {
    const link = ab([100, 0]);
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`, {}, "https://sgn.test");
    expect(response.headers.get("set-cookie")!.split(";").map((p) => p.trim())).toContain("Secure");
  });

  test("variantsEndAt in the past: the destination, no variant cookie, reason destination", async () => {
    const link = ab([0, 100], { variantsEndAt: PAST });
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`);
    expect(response.headers.get("location")).toBe(link.url);
    expect(response.headers.get("set-cookie")).toBeNull();
    expect((await edge.clicks())[0]).toMatchObject({ reason: "destination", variantIndex: null });
  });

  test("variantsEndAt in the future: variants still apply", async () => {
    const link = ab([0, 100], { variantsEndAt: FUTURE });
    const edge = setup({ links: [link] });
    expect((await edge.request(`/${link.key}`)).headers.get("location")).toBe("https://example.com/b");
  });
});

// ---- Query forwarding, UTM, cloaking ------------------------------------------------------------

describe("forwardQuery, UTM and cloaking", () => {
  test("forwardQuery merges the request query into the destination's, the visitor winning", async () => {
    const link = edgeLink({ url: "https://example.com/p?keep=1&ref=dest", forwardQuery: true });
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}?ref=visitor&extra=a&extra=b`);
    const location = new URL(response.headers.get("location")!);
    expect(location.origin + location.pathname).toBe("https://example.com/p");
    expect(location.searchParams.get("keep")).toBe("1");
    expect(location.searchParams.getAll("ref")).toEqual(["visitor"]);
    expect(location.searchParams.getAll("extra")).toEqual(["a", "b"]);
  });

  test("without forwardQuery the request query is dropped", async () => {
    const link = edgeLink({ url: "https://example.com/p?keep=1" });
    const edge = setup({ links: [link] });
    expect((await edge.request(`/${link.key}?ref=visitor`)).headers.get("location")).toBe("https://example.com/p?keep=1");
  });

  test("UTM fields are applied, replacing the destination's", async () => {
    const link = edgeLink({ url: "https://example.com/p?utm_source=old&x=1", utm: { source: "news", medium: "email", campaign: "spring" } });
    const edge = setup({ links: [link] });
    const location = new URL((await edge.request(`/${link.key}`)).headers.get("location")!);
    expect(location.searchParams.get("utm_source")).toBe("news");
    expect(location.searchParams.get("utm_medium")).toBe("email");
    expect(location.searchParams.get("utm_campaign")).toBe("spring");
    expect(location.searchParams.get("x")).toBe("1");
    expect(location.searchParams.has("utm_term")).toBe(false);
  });

  test("UTM and forwardQuery together: the visitor's utm_source wins", async () => {
    const link = edgeLink({ forwardQuery: true, utm: { source: "news", medium: "email" } });
    const edge = setup({ links: [link] });
    const location = new URL((await edge.request(`/${link.key}?utm_source=friend`)).headers.get("location")!);
    expect(location.searchParams.get("utm_source")).toBe("friend");
    expect(location.searchParams.get("utm_medium")).toBe("email");
  });

  test("UTM is applied to rule destinations too", async () => {
    const link = edgeLink({
      utm: { campaign: "c1" },
      rules: [{ conditions: [{ type: "query", param: "go" }], url: "https://example.com/rule" }],
    });
    const edge = setup({ links: [link] });
    expect((await edge.request(`/${link.key}?go`)).headers.get("location")).toBe("https://example.com/rule?utm_campaign=c1");
  });

  test("cloaked: 200 HTML with an iframe of the (escaped) destination, and a click", async () => {
    const link = edgeLink({ cloaked: true, url: "https://example.com/page?a=1&b=2", title: "Framed" });
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("location")).toBeNull();
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    const body = await response.text();
    expect(body).toContain('<iframe src="https://example.com/page?a=1&amp;b=2"');
    expect(body).toContain("<title>Framed</title>");
    expect((await edge.clicks())[0]).toMatchObject({ reason: "destination", url: link.url });
  });

  test("cloaked with a variant: the frame shows the variant and the sticky cookie is set", async () => {
    const link = edgeLink({ cloaked: true, variants: [{ url: "https://example.com/only", weight: 100 }] });
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<iframe src="https://example.com/only"');
    expect(response.headers.get("set-cookie")).toMatch(new RegExp(`^sp_v_${link.id}=0;`));
  });
});

// ---- Info page ----------------------------------------------------------------------------------

describe("info page", () => {
  test("/:key+ shows the short link, destination and creation date, without a click", async () => {
    const link = edgeLink({ url: "https://example.com/where?x=<1>" });
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}+`);
    expect(response.status).toBe(200);
    expect(response.headers.get("location")).toBeNull();
    const body = await response.text();
    expect(body).toContain(`http://sgn.test/${link.key}`);
    expect(body).toContain("https://example.com/where?x=&lt;1&gt;");
    expect(body).toContain("2024-03-05");
    expect(await edge.clicks()).toEqual([]);
  });

  test("a password link: 'Protected by a password', no destination", async () => {
    const link = edgeLink({ url: "https://secret-destination.example/", passwordHash: PASSWORD_HASH });
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}+`);
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain("Protected by a password");
    expect(body).not.toContain("secret-destination");
  });

  test("unknown, disabled and invalid keys: 404", async () => {
    const disabled = edgeLink({ disabled: true });
    const edge = setup({ links: [disabled] });
    expect((await edge.request("/unknown+")).status).toBe(404);
    expect((await edge.request(`/${disabled.key}+`)).status).toBe(404);
    const before = edge.lookups().length;
    expect((await edge.request("/-x+")).status).toBe(404);
    expect((await edge.request("/+")).status).toBe(404);
    expect(edge.lookups()).toHaveLength(before);
  });
});

// ---- Clicks -------------------------------------------------------------------------------------

describe("clicks", () => {
  test("one event per visit, with the visitor's facts, signed and schema-valid", async () => {
    const link = edgeLink({ workspaceId: "ws_facts" });
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`, {
      headers: {
        "user-agent": IPHONE_UA,
        "x-real-ip": "203.0.113.99",
        "x-vercel-ip-country": "FR",
        "x-vercel-ip-country-region": "IDF",
        "x-vercel-ip-city": "Paris",
        "accept-language": "fr-FR,fr;q=0.9,en;q=0.5",
        referer: "https://news.example.org/some/article?id=1",
      },
    });
    expect(response.status).toBe(302);
    const clicks = await edge.clicks();
    expect(clicks).toHaveLength(1);
    const click = clicks[0]!;
    expect(click).toMatchObject({
      linkId: link.id,
      workspaceId: "ws_facts",
      url: link.url,
      isBot: false,
      userAgent: IPHONE_UA,
      referrer: "news.example.org",
      country: "FR",
      region: "IDF",
      city: "Paris",
      device: "mobile",
      os: "iOS",
      browser: "Safari",
      language: "fr-fr",
      reason: "destination",
      ruleIndex: null,
      variantIndex: null,
    });
    // UUIDv7 (RFC 9562): version 7, and its first 48 bits are the click's own time in ms.
    expect(click.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(click.id.slice(0, 8) + click.id.slice(9, 13), 16)).toBe(Date.parse(click.at));
    expect(click.visitorId).toMatch(/^[0-9a-f]{32}$/);
    expect(Math.abs(Date.parse(click.at) - Date.now())).toBeLessThan(10_000);
    const posts = edge.origin.received.filter((r) => r.url.pathname === CLICKS_PATH);
    expect(posts.every((r) => r.verified.ok)).toBe(true);
  });

  test("no raw IP anywhere in what the origin receives", async () => {
    const link = edgeLink({ passwordHash: PASSWORD_HASH, maxClicks: 100 });
    const edge = setup({ links: [link] });
    const ip = "203.0.113.201";
    await edge.request(`/${link.key}`, { headers: { "x-real-ip": ip } });
    await edge.request(`/${link.key}`, { ...form(PASSWORD), headers: { ...form(PASSWORD).headers, "x-real-ip": ip } });
    await edge.request(`/${link.key}`, { headers: { "x-real-ip": ip, "x-vercel-ip-country": "US" } });
    const bodies = await edge.clickBodies();
    expect(bodies.length).toBeGreaterThan(0);
    for (const received of edge.origin.received) {
      expect(received.body).not.toContain(ip);
      expect(received.url.toString()).not.toContain(ip);
      for (const [, value] of received.headers) expect(value).not.toContain(ip);
    }
  });

  test("the visitor id is stable for one visitor, differs by IP, UA and workspace", async () => {
    const a = edgeLink({ workspaceId: "ws_a" });
    const b = edgeLink({ workspaceId: "ws_b" });
    const edge = setup({ links: [a, b] });
    await edge.request(`/${a.key}`, { headers: { "x-real-ip": "192.0.2.1" } });
    await edge.request(`/${a.key}`, { headers: { "x-real-ip": "192.0.2.1" } });
    await edge.request(`/${a.key}`, { headers: { "x-real-ip": "192.0.2.2" } });
    await edge.request(`/${a.key}`, { headers: { "x-real-ip": "192.0.2.1", "user-agent": MAC_FIREFOX_UA } });
    await edge.request(`/${b.key}`, { headers: { "x-real-ip": "192.0.2.1" } });
    const ids = (await edge.clicks()).map((c) => c.visitorId);
    expect(ids[0]).toBe(ids[1]);
    expect(new Set(ids).size).toBe(4);
  });

  test("each visit is one event with its own id", async () => {
    const link = edgeLink();
    const edge = setup({ links: [link] });
    for (let i = 0; i < 5; i++) await edge.request(`/${link.key}`);
    const clicks = await edge.clicks();
    expect(clicks).toHaveLength(5);
    expect(new Set(clicks.map((c) => c.id)).size).toBe(5);
  });

  test("no click for 404s on unknown keys, the info page, robots.txt or home", async () => {
    const link = edgeLink();
    const edge = setup({ links: [link] });
    await edge.request("/unknown");
    await edge.request(`/${link.key}+`);
    await edge.request("/robots.txt");
    await edge.request("/");
    expect(await edge.clicks()).toEqual([]);
  });
});

// ---- Origin failures and methods ----------------------------------------------------------------

describe("origin unavailable and methods", () => {
  test.each([500, "network-error"] as const)("lookup failure (%s): 503 HTML with retry-after, not cached", async (failure) => {
    const link = edgeLink();
    const edge = setup({ links: [link], lookup: failure });
    const response = await edge.request(`/${link.key}`, { headers: { "x-request-id": "req-unavail-1" } });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    expect(response.headers.get("x-request-id")).toBe("req-unavail-1");
    expect(await response.text()).toContain("Temporarily unavailable");
    expect((await edge.request(`/${link.key}`)).status).toBe(503);
    expect(edge.lookups()).toHaveLength(2);
    expect(await edge.clicks()).toEqual([]);
  });

  test("lookup failure on the info page and on POST: 503", async () => {
    const edge = setup({ links: [edgeLink()], lookup: 500 });
    expect((await edge.request("/abc+")).status).toBe(503);
    expect((await edge.request("/abc", form(PASSWORD))).status).toBe(503);
  });

  test.each(["OPTIONS", "PUT", "PATCH", "DELETE"])("%s: 405 with Allow, no lookup", async (method) => {
    const link = edgeLink();
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD, POST");
    expect(response.headers.get("location")).toBeNull();
    expect(edge.origin.received).toEqual([]);
  });
});

// ---- Hostile input ------------------------------------------------------------------------------

describe("bad input", () => {
  test.each([
    ["an emoji", "/%F0%9F%98%80"],
    ["a truncated escape", "/%E0%A4%A"],
    ["an invalid UTF-8 escape", "/%C0%AF"],
    ["a NUL", "/abc%00"],
    ["a 10,000-character key", `/${"a".repeat(10_000)}`],
    ["a 10,000-character info key", `/${"a".repeat(10_000)}+`],
    ["an encoded slash", "/abc%2Fdef"],
  ])("%s: 404 HTML, no origin lookup", async (_, path) => {
    const edge = setup();
    const response = await edge.request(path);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(edge.origin.received).toEqual([]);
  });

  test("x-middleware-subrequest does not bypass anything", async () => {
    const locked = edgeLink({ url: "https://secret-destination.example/", passwordHash: PASSWORD_HASH });
    const open = edgeLink();
    const edge = setup({ links: [locked, open] });
    const headers = { "x-middleware-subrequest": "middleware:middleware:middleware:middleware:middleware" };
    const lockedResponse = await edge.request(`/${locked.key}`, { headers });
    expect(lockedResponse.status).toBe(401);
    expect(await lockedResponse.text()).not.toContain("secret-destination");
    const openResponse = await edge.request(`/${open.key}`, { headers });
    expect(openResponse.status).toBe(302);
    expect(openResponse.headers.get("location")).toBe(open.url);
  });

  test("a spoofed x-vercel-ip-country: ZZZ is ignored (no country, no rule match)", async () => {
    const link = edgeLink({ rules: [{ conditions: [{ type: "country", in: ["ZZ"] }], url: "https://example.com/zz" }] });
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`, { headers: { "x-vercel-ip-country": "ZZZ" } });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(link.url);
    expect((await edge.clicks())[0]!.country).toBeNull();
  });

  test("junk in facts headers (x-real-ip, accept-language, referer, huge UA) gives a normal redirect and a valid click", async () => {
    const link = edgeLink({ rules: [{ conditions: [{ type: "ip", in: ["0.0.0.0/0"] }], url: "https://example.com/any-ip" }] });
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}`, {
      headers: {
        "x-real-ip": "not-an-ip",
        "accept-language": "*;q=abc, ;;, \u00e9\u00e9",
        referer: "javascript:alert(1)",
        "user-agent": "M".repeat(20_000),
      },
    });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(link.url);
    const [click] = await edge.clicks();
    expect(click).toMatchObject({ referrer: null, language: null });
    expect(click!.userAgent).toHaveLength(1024);
  });

  test("a query string with odd encodings does not break forwarding", async () => {
    const link = edgeLink({ forwardQuery: true });
    const edge = setup({ links: [link] });
    const response = await edge.request(`/${link.key}?a=%E0%A4%A&b=%F0%9F%98%80&=x`);
    expect(response.status).toBe(302);
    expect(new URL(response.headers.get("location")!).searchParams.get("b")).toBe("\u{1F600}");
  });
});
