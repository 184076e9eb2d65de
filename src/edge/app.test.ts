import { describe, expect, test } from "vitest";
import { clickBatchSchema, type ClickEvent, type EdgeLink } from "@/core/link";
import { verifyRequest, type VerifyResult } from "@/core/protocol";
import { createEdgeApp } from "./app";
import { createBatchingClickSink } from "./click-sink";
import { createOriginLinkStore } from "./link-store";
import { createOriginClient } from "./origin-client";

const SECRET = "edge-app-test-secret-0123456789abcdef";
const ORIGIN_URL = "http://origin.test:4000";
const LOOKUP_PATH = "/api/internal/v1/links/lookup";
const CLICKS_PATH = "/api/internal/v1/clicks";

const CHROME_UA =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const LINK: EdgeLink = {
  id: "lnk_1",
  workspaceId: "ws_1",
  domain: "sgn.test",
  key: "abc123",
  url: "https://example.com/landing?utm_source=signpost",
  version: 1,
};
const LOCAL_LINK: EdgeLink = { ...LINK, id: "lnk_2", domain: "localhost:3000", key: "hello", url: "https://example.org/" };

interface Received {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
  verified: VerifyResult;
}

/**
 * Stands in for the Node origin (a separate process): verifies the signature like
 * src/server/internal/verify.ts (401), then answers the lookup endpoint with `{ link }` or 404 and
 * the ingest endpoint with 202. `lookupFailure` makes lookups answer 500 or fail at the network level.
 */
function fakeOrigin(links: EdgeLink[], lookupFailure?: 500 | "network-error") {
  const received: Received[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const body = await request.text();
    const url = new URL(request.url);
    const verified = await verifyRequest(SECRET, request.method, url.pathname + url.search, request.headers, body);
    received.push({ method: request.method, url, headers: request.headers, body, verified });
    if (url.pathname === LOOKUP_PATH && lookupFailure === "network-error") throw new TypeError("fetch failed");
    if (url.pathname === LOOKUP_PATH && lookupFailure === 500) return Response.json({ error: { code: "internal_error" } }, { status: 500 });
    if (!verified.ok) return Response.json({ error: { code: "unauthorized", message: verified.reason } }, { status: 401 });
    if (request.method === "GET" && url.pathname === LOOKUP_PATH) {
      const domain = url.searchParams.get("domain");
      const key = url.searchParams.get("key");
      const link = links.find((l) => l.domain === domain?.toLowerCase() && l.key === key);
      return link ? Response.json({ link }) : Response.json({ error: { code: "not_found", message: "No such link" } }, { status: 404 });
    }
    if (request.method === "POST" && url.pathname === CLICKS_PATH) {
      const batch = clickBatchSchema.safeParse(JSON.parse(body));
      if (!batch.success) return Response.json({ error: { code: "validation_failed" } }, { status: 400 });
      return Response.json({ accepted: batch.data.clicks.length, duplicates: 0, unknownLinks: 0 }, { status: 202 });
    }
    return Response.json({ error: { code: "not_found" } }, { status: 404 });
  };
  return { fetch: fetchImpl, received };
}

function setup(options: { links?: EdgeLink[]; lookupFailure?: 500 | "network-error"; edgeSecret?: string } = {}) {
  const origin = fakeOrigin(options.links ?? [LINK, LOCAL_LINK], options.lookupFailure);
  const client = createOriginClient({ originUrl: ORIGIN_URL, secret: options.edgeSecret ?? SECRET, fetch: origin.fetch });
  const app = createEdgeApp({ links: createOriginLinkStore(client), clicks: createBatchingClickSink(client, { maxDelayMs: 5, attempts: 1 }) });
  const waited: Promise<unknown>[] = [];
  const executionCtx = {
    waitUntil(promise: Promise<unknown>) {
      waited.push(promise);
    },
    passThroughOnException() {},
    props: {},
  };
  return {
    origin,
    waited,
    request: (url: string, init?: RequestInit) => Promise.resolve(app.fetch(new Request(url, init), undefined, executionCtx)),
    lookups: () => origin.received.filter((r) => r.url.pathname === LOOKUP_PATH),
    /** Waits for everything handed to waitUntil, then returns the clicks the origin received. */
    async postedClicks(): Promise<ClickEvent[]> {
      await Promise.all(waited);
      return origin.received
        .filter((r) => r.url.pathname === CLICKS_PATH)
        .flatMap((r) => (JSON.parse(r.body) as { clicks: ClickEvent[] }).clicks);
    },
  };
}

describe("redirect", () => {
  test("a known link answers 302 to its destination, uncached, with the lookup time", async () => {
    const edge = setup();
    const response = await edge.request("http://sgn.test/abc123");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(LINK.url);
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    expect(response.headers.get("server-timing")).toMatch(/^lookup;dur=\d+\.\d$/);
    expect(response.headers.get("x-robots-tag")).toBe("noindex");
    expect(await response.text()).toBe("");
  });

  test("looks the link up once, by the request's host and key, with a signature the origin accepts", async () => {
    const edge = setup();
    await edge.request("http://sgn.test/abc123");
    const [lookup, ...others] = edge.lookups();
    expect(others).toEqual([]);
    expect(lookup!.method).toBe("GET");
    expect(lookup!.url.origin).toBe(ORIGIN_URL);
    expect(lookup!.url.searchParams.get("domain")).toBe("sgn.test");
    expect(lookup!.url.searchParams.get("key")).toBe("abc123");
    expect(lookup!.verified.ok).toBe(true);
    expect((await verifyRequest(`${SECRET}-other`, "GET", lookup!.url.pathname + lookup!.url.search, lookup!.headers, "")).ok).toBe(false);
  });

  test("the domain includes the port and is lower-cased (localhost:3000 travels as localhost%3A3000 and verifies)", async () => {
    const edge = setup();
    const response = await edge.request("http://LocalHost:3000/hello");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(LOCAL_LINK.url);
    const [lookup] = edge.lookups();
    expect(lookup!.url.search).toContain("domain=localhost%3A3000");
    expect(lookup!.url.searchParams.get("domain")).toBe("localhost:3000");
    expect(lookup!.verified.ok).toBe(true);
  });

  test("the key is case-sensitive: another case is another (unknown) link", async () => {
    const edge = setup();
    expect((await edge.request("http://sgn.test/ABC123")).status).toBe(404);
    expect(edge.lookups()[0]!.url.searchParams.get("key")).toBe("ABC123");
  });

  test("HEAD gets the same redirect", async () => {
    const edge = setup();
    const response = await edge.request("http://sgn.test/abc123", { method: "HEAD" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(LINK.url);
  });
});

describe("x-request-id", () => {
  test("is generated (a UUID) when the request has none, and sent along with the lookup", async () => {
    const edge = setup();
    const response = await edge.request("http://sgn.test/abc123");
    const id = response.headers.get("x-request-id");
    expect(id).toMatch(UUID);
    expect(edge.lookups()[0]!.headers.get("x-request-id")).toBe(id);
  });

  test("a fresh id per request", async () => {
    const edge = setup();
    const a = (await edge.request("http://sgn.test/abc123")).headers.get("x-request-id");
    const b = (await edge.request("http://sgn.test/abc123")).headers.get("x-request-id");
    expect(a).not.toBe(b);
  });

  test.each(["req-12345678", "01J9ZK3Q7C:edge.worker_1", "a".repeat(128)])("a valid incoming id %j is echoed and forwarded", async (id) => {
    const edge = setup();
    const response = await edge.request("http://sgn.test/abc123", { headers: { "x-request-id": id } });
    expect(response.headers.get("x-request-id")).toBe(id);
    expect(edge.lookups()[0]!.headers.get("x-request-id")).toBe(id);
  });

  test.each(["short", "has spaces in it", "semi;colon-123", "a".repeat(129), "<script>alert(1)</script>"])(
    "an invalid incoming id %j is replaced by a generated one",
    async (id) => {
      const edge = setup();
      const response = await edge.request("http://sgn.test/abc123", { headers: { "x-request-id": id } });
      const echoed = response.headers.get("x-request-id");
      expect(echoed).toMatch(UUID);
      expect(echoed).not.toBe(id);
      expect(edge.lookups()[0]!.headers.get("x-request-id")).toBe(echoed);
    },
  );

  test("is set on 404 and 503 answers too", async () => {
    const notFound = await setup().request("http://sgn.test/nope", { headers: { "x-request-id": "req-404-abcdef" } });
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get("x-request-id")).toBe("req-404-abcdef");
    const unavailable = await setup({ lookupFailure: 500 }).request("http://sgn.test/abc123");
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get("x-request-id")).toMatch(UUID);
  });
});

describe("not found", () => {
  test("an unknown link answers a 404 HTML page, uncached, after asking the origin", async () => {
    const edge = setup();
    const response = await edge.request("http://sgn.test/unknown1");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    expect(response.headers.get("location")).toBeNull();
    expect(await response.text()).toContain("<h1>Link not found</h1>");
    expect(edge.lookups()).toHaveLength(1);
  });

  test("a known key on another short domain is not found", async () => {
    const edge = setup();
    expect((await edge.request("http://other.test/abc123")).status).toBe(404);
    expect(edge.lookups()[0]!.url.searchParams.get("domain")).toBe("other.test");
  });

  test.each(["/-abc", "/abc_", "/a.b", "/caf%C3%A9", `/${"x".repeat(191)}`])(
    "a key not matching SLUG_PATTERN (%s) is a 404 page without any origin lookup",
    async (path) => {
      const edge = setup();
      const response = await edge.request(`http://sgn.test${path}`);
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(response.headers.get("cache-control")).toBe("private, no-store");
      expect(await response.text()).toContain("Link not found");
      expect(edge.origin.received).toEqual([]);
    },
  );

  test.each(["/", "/abc123/more", "/abc123/"])("%s is not a short link: 404 without any origin lookup", async (path) => {
    const edge = setup();
    const response = await edge.request(`http://sgn.test${path}`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("Link not found");
    expect(edge.origin.received).toEqual([]);
  });

  test("POST to a short link is not a redirect", async () => {
    const edge = setup();
    const response = await edge.request("http://sgn.test/abc123", { method: "POST", body: "x" });
    expect(response.status).toBe(404);
    expect(edge.origin.received).toEqual([]);
  });

  test("no click is recorded for a 404", async () => {
    const edge = setup();
    await edge.request("http://sgn.test/unknown1");
    expect(edge.waited).toHaveLength(0);
    expect(await edge.postedClicks()).toEqual([]);
  });
});

describe("origin failure", () => {
  test.each([500, "network-error"] as const)("origin lookup failing with %s answers 503 with retry-after, uncached", async (failure) => {
    const edge = setup({ lookupFailure: failure });
    const response = await edge.request("http://sgn.test/abc123");
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("location")).toBeNull();
    expect(await response.text()).toContain("Temporarily unavailable");
    expect(edge.lookups()).toHaveLength(1);
    expect(await edge.postedClicks()).toEqual([]);
  });

  test("an origin refusing the edge's signature (wrong secret, 401) answers 503, not 404", async () => {
    const edge = setup({ edgeSecret: "not-the-origin-secret-0123456789abcdef" });
    const response = await edge.request("http://sgn.test/abc123");
    expect(response.status).toBe(503);
    expect(edge.lookups()[0]!.verified.ok).toBe(false);
  });
});

describe("click recording", () => {
  test("a redirect hands the click to waitUntil, and the origin receives it, signed", async () => {
    const edge = setup();
    const before = Date.now();
    await edge.request("http://sgn.test/abc123", { headers: { "user-agent": CHROME_UA } });
    expect(edge.waited).toHaveLength(1);
    const clicks = await edge.postedClicks();
    expect(clicks).toHaveLength(1);
    const [event] = clicks;
    expect(event).toMatchObject({ linkId: LINK.id, workspaceId: LINK.workspaceId, url: LINK.url, userAgent: CHROME_UA, country: null });
    expect(event!.id).toMatch(UUID);
    expect(Date.parse(event!.at)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(event!.at)).toBeLessThanOrEqual(Date.now());
    const post = edge.origin.received.find((r) => r.url.pathname === CLICKS_PATH)!;
    expect(post.method).toBe("POST");
    expect(post.verified.ok).toBe(true);
  });

  test("a Chrome user agent is not a bot", async () => {
    const edge = setup();
    await edge.request("http://sgn.test/abc123", { headers: { "user-agent": CHROME_UA } });
    expect((await edge.postedClicks())[0]!.isBot).toBe(false);
  });

  test("a Googlebot user agent is a bot", async () => {
    const edge = setup();
    await edge.request("http://sgn.test/abc123", { headers: { "user-agent": GOOGLEBOT_UA } });
    const [event] = await edge.postedClicks();
    expect(event!.isBot).toBe(true);
    expect(event!.userAgent).toBe(GOOGLEBOT_UA);
  });

  test("a HEAD request is a bot, even with a Chrome user agent", async () => {
    const edge = setup();
    await edge.request("http://sgn.test/abc123", { method: "HEAD", headers: { "user-agent": CHROME_UA } });
    expect((await edge.postedClicks())[0]!.isBot).toBe(true);
  });

  test("the referrer is reduced to its host", async () => {
    const edge = setup();
    await edge.request("http://sgn.test/abc123", {
      headers: { "user-agent": CHROME_UA, referer: "https://news.example.com:8443/story?id=42#comments" },
    });
    expect((await edge.postedClicks())[0]!.referrer).toBe("news.example.com:8443");
  });

  test("an unparsable referrer and a missing user agent are recorded as null", async () => {
    const edge = setup();
    await edge.request("http://sgn.test/abc123", { headers: { referer: "not a url" } });
    const [event] = await edge.postedClicks();
    expect(event!.referrer).toBeNull();
    expect(event!.userAgent).toBeNull();
  });

  test("a very long user agent is cut to 1024 characters, so the origin accepts the batch", async () => {
    const edge = setup();
    await edge.request("http://sgn.test/abc123", { headers: { "user-agent": `${CHROME_UA} ${"x".repeat(2000)}` } });
    const [event] = await edge.postedClicks();
    expect(event!.userAgent).toHaveLength(1024);
    expect(event!.userAgent).toBe(`${CHROME_UA} ${"x".repeat(2000)}`.slice(0, 1024));
  });

  test("redirects close together are batched into one POST, one click each with distinct ids", async () => {
    const edge = setup();
    const responses = await Promise.all([
      edge.request("http://sgn.test/abc123", { headers: { "user-agent": CHROME_UA } }),
      edge.request("http://sgn.test/abc123", { headers: { "user-agent": GOOGLEBOT_UA } }),
      edge.request("http://localhost:3000/hello", { headers: { "user-agent": CHROME_UA } }),
    ]);
    expect(responses.map((r) => r.status)).toEqual([302, 302, 302]);
    const clicks = await edge.postedClicks();
    expect(edge.origin.received.filter((r) => r.url.pathname === CLICKS_PATH)).toHaveLength(1);
    expect(clicks.map((c) => c.linkId).sort()).toEqual([LINK.id, LINK.id, LOCAL_LINK.id].sort());
    expect(clicks.filter((c) => c.isBot)).toHaveLength(1);
    expect(new Set(clicks.map((c) => c.id)).size).toBe(3);
  });
});
