/**
 * Logs, metrics and Server-Timing of real requests on real databases (and a real Redis when
 * TEST_REDIS_URL is set): the Node route handlers write one pino line per request with its ids,
 * route template, status and timings; the edge app, wired to those same route handlers as its
 * origin, writes its own lines and reports its counters with a real click batch post, which
 * /metrics then shows. No password, API key, session cookie or client address reaches any line.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { GET as authGet, POST as authPost } from "@/app/api/auth/[...all]/route";
import { POST as postClicks } from "@/app/api/internal/v1/clicks/route";
import { GET as lookupRoute } from "@/app/api/internal/v1/links/lookup/route";
import { POST as reserveRoute } from "@/app/api/internal/v1/links/reserve/route";
import { POST as attemptsRoute } from "@/app/api/internal/v1/password-attempts/route";
import { GET as listLinks, POST as createLinkRoute } from "@/app/api/v1/links/route";
import { GET as metricsRoute } from "@/app/metrics/route";
import { createEdgeApp } from "@/edge/app";
import { createBatchingClickSink } from "@/edge/click-sink";
import { countingLinkStore } from "@/edge/edge-app-from-config";
import { extractFacts } from "@/edge/facts";
import { createCachedLinkStore } from "@/edge/link-cache";
import { createOriginLinkStore } from "@/edge/link-store";
import { createEdgeLogger } from "@/edge/log";
import { createOriginClient } from "@/edge/origin-client";
import { createOriginGates } from "@/edge/origin-gates";
import { createEdgeStats } from "@/edge/stats";
import { serverConfig } from "@/config/env";
import { clickEventSchema } from "@/core/link";
import { handle } from "@/server/api/handler";
import { geoDatabase } from "@/server/clicks/enrich";
import { createClickIngest } from "@/server/clicks/pipeline";
import { clickStreamKeys } from "@/server/clicks/stream";
import { backends, type TestDatabase } from "../support/databases";
import { BASE_URL, apiRequest, openWithOwner, type Owner } from "../support/integration-helpers";

const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
const CLIENT_IP = "198.51.100.77";
const SIGNUP_PASSWORD = "sign-up-passphrase-Hq3v7";
const LINK_PASSWORD = "link-gate-passphrase-Tz5k";
const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const TRACEPARENT = `00-${TRACE_ID}-b7ad6b7169203331-01`;
const REDIS_URL = process.env.TEST_REDIS_URL || undefined;

/** Everything pino writes to stdout while a test runs, as parsed lines. */
function captureStdout() {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  });
  return {
    text: () => chunks.join(""),
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => spy.mockRestore(),
  };
}

/** The edge's origin: the real internal route handlers, in process. */
const originFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  const { pathname } = new URL(request.url);
  if (pathname === "/api/internal/v1/links/lookup") return lookupRoute(request);
  if (pathname === "/api/internal/v1/links/reserve") return reserveRoute(request);
  if (pathname === "/api/internal/v1/password-attempts") return attemptsRoute(request);
  if (pathname === "/api/internal/v1/clicks") return postClicks(request);
  return new Response("no such route", { status: 404 });
};

/** The edge app as createEdgeAppFromConfig wires it, on the in-process origin, logging into `lines`. */
function edgeOnRealOrigin(host: string) {
  const config = serverConfig();
  const lines: string[] = [];
  const stats = createEdgeStats(host);
  const origin = createOriginClient({ originUrl: config.originUrl, secret: config.secret, fetch: originFetch });
  const app = createEdgeApp({
    log: createEdgeLogger({ write: (line) => lines.push(line), base: { host } }),
    stats,
    links: createCachedLinkStore(countingLinkStore(createOriginLinkStore(origin), stats)),
    gates: createOriginGates(origin),
    clicks: createBatchingClickSink(origin, { maxDelayMs: 1, stats, statsDelayMs: 5 }),
    options: {
      secret: config.secret,
      homeUrl: null,
      passwordTtlSeconds: 3600,
      facts: (request) => extractFacts(request, { geo: { trusted: [] }, trustedIpHeader: "x-forwarded-for" }),
    },
  });
  const waited: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void waited.push(p), passThroughOnException() {}, props: {} };
  return {
    lines,
    fetch: (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
      Promise.resolve(app.fetch(new Request(`${BASE_URL}${path}`, { redirect: "manual", ...init, headers: { "user-agent": BROWSER_UA, ...init.headers } }), {}, ctx)),
    /** Waits for click posts and stats reports to be answered. */
    settled: async () => {
      while (waited.length > 0) await Promise.all(waited.splice(0));
    },
  };
}

const serverTiming = (response: Response, stage: string): number | null => {
  const match = new RegExp(`(?:^|, )${stage};desc="[^"]*";dur=([\\d.]+)`).exec(response.headers.get("server-timing") ?? "");
  return match ? Number(match[1]) : null;
};

async function scrape(): Promise<string> {
  const response = await metricsRoute(new Request(`${BASE_URL}/metrics`));
  expect(response.status).toBe(200);
  return response.text();
}

describe.each(backends())("logs, metrics and Server-Timing on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: Owner;
  let out: ReturnType<typeof captureStdout>;

  beforeAll(async () => {
    ({ testDb, owner } = await openWithOwner(backend));
  });
  afterAll(async () => {
    await testDb?.dispose();
  });
  beforeEach(() => {
    out = captureStdout();
  });
  afterEach(() => out.restore());

  test("one line per API request: request id, trace id, route template, status, duration and database time", async () => {
    const created = await createLinkRoute(apiRequest("/api/v1/links", { key: owner.key, body: { url: "https://example.com/logs", key: `logs-${backend}` } }));
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const listed = await listLinks(apiRequest("/api/v1/links?limit=5", { key: owner.key, headers: { "x-request-id": "req-logs-0001", traceparent: TRACEPARENT } }));
    expect(listed.status).toBe(200);
    out.restore();

    const requests = out.lines().filter((line) => line.msg === "request");
    expect(requests).toHaveLength(2);
    const [create, list] = requests;
    expect(create).toMatchObject({ level: "info", method: "POST", route: "/api/v1/links", status: 201, traceId: null, requestId: created.headers.get("x-request-id") });
    expect(list).toMatchObject({ level: "info", method: "GET", route: "/api/v1/links", status: 200, requestId: "req-logs-0001", traceId: TRACE_ID });
    for (const line of requests) {
      expect(typeof line.time).toBe("string");
      expect(line.durationMs).toEqual(expect.any(Number));
      expect(line.dbMs).toEqual(expect.any(Number));
      expect(line.dbMs as number).toBeLessThanOrEqual(line.durationMs as number);
    }
    // Query strings and ids never make the route.
    expect(JSON.stringify(requests)).not.toContain("limit=5");
    expect(JSON.stringify(requests)).not.toContain(id);
  });

  test("Server-Timing on an API route: app, and db with the time its queries took", async () => {
    const response = await listLinks(apiRequest("/api/v1/links", { key: owner.key }));
    expect(response.status).toBe(200);
    const app = serverTiming(response, "app");
    const db = serverTiming(response, "db");
    expect(app).not.toBeNull();
    expect(db).not.toBeNull();
    expect(db!).toBeGreaterThan(0);
    expect(db!).toBeLessThanOrEqual(app!);
    // Nothing was enqueued: no queue stage.
    expect(serverTiming(response, "queue")).toBeNull();
  });

  test("no password, API key, session cookie or client address in any line, while the request lines are there", async () => {
    const headers = { "content-type": "application/json", origin: BASE_URL, "x-forwarded-for": CLIENT_IP, "x-real-ip": CLIENT_IP };
    const email = `logs-${backend}-${randomUUID().slice(0, 8)}@example.com`;
    // Sign-up: a password in the body.
    const signUp = await authPost(new Request(`${BASE_URL}/api/auth/sign-up/email`, { method: "POST", headers, body: JSON.stringify({ name: "Logs", email, password: SIGNUP_PASSWORD }) }));
    expect(signUp.status, await signUp.clone().text()).toBe(200);
    const sessionCookie = signUp.headers.getSetCookie().map((line) => line.split(";")[0]!).join("; ");
    const sessionToken = decodeURIComponent(sessionCookie.split("; ")[0]!.split("=")[1]!);
    expect(sessionToken.length).toBeGreaterThan(10);
    // A session cookie.
    const session = await authGet(new Request(`${BASE_URL}/api/auth/get-session`, { headers: { ...headers, cookie: sessionCookie } }));
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ user: { email } });
    // An API key, with a cookie and a client address alongside.
    const listed = await listLinks(apiRequest("/api/v1/links", { key: owner.key, headers: { cookie: sessionCookie, "x-forwarded-for": CLIENT_IP } }));
    expect(listed.status).toBe(200);
    // A link password, typed into the edge's password form; the edge asks the real origin.
    const key = `vault-${backend}`;
    const created = await createLinkRoute(apiRequest("/api/v1/links", { key: owner.key, body: { url: "https://example.com/vault", key, password: LINK_PASSWORD } }));
    expect(created.status).toBe(201);
    const edge = edgeOnRealOrigin(`logs_${backend}`);
    const edgeHeaders = { "x-forwarded-for": CLIENT_IP, cookie: sessionCookie, authorization: `Bearer ${owner.key}` };
    expect((await edge.fetch(`/${key}`, { headers: edgeHeaders })).status).toBe(401);
    const submitted = await edge.fetch(`/${key}`, {
      method: "POST",
      headers: { ...edgeHeaders, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ password: LINK_PASSWORD }).toString(),
    });
    expect(submitted.status).toBe(303);
    const passCookie = submitted.headers.get("set-cookie")!.split(";")[0]!;
    expect((await edge.fetch(`/${key}`, { headers: { ...edgeHeaders, cookie: passCookie } })).status).toBe(302);
    await edge.settled();
    out.restore();

    const nodeLines = out.lines();
    const routes = nodeLines.filter((line) => line.msg === "request").map((line) => `${line.method} ${line.route} ${line.status}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        "POST /api/auth/sign-up/email 200",
        "GET /api/auth/get-session 200",
        "GET /api/v1/links 200",
        "POST /api/v1/links 201",
        "GET /api/internal/v1/links/lookup 200",
        "POST /api/internal/v1/password-attempts 200",
        "POST /api/internal/v1/clicks 202",
      ]),
    );
    const edgeRequests = edge.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === "request");
    expect(edgeRequests.map((line) => `${line.method} ${line.route} ${line.status} ${line.outcome}`)).toEqual([
      "GET /:key 401 password",
      "POST /:key 303 redirect",
      "GET /:key 302 redirect",
    ]);

    const everything = `${out.text()}\n${edge.lines.join("\n")}`;
    const secrets = {
      signUpPassword: SIGNUP_PASSWORD,
      linkPassword: LINK_PASSWORD,
      apiKey: owner.key,
      apiKeyBody: owner.key.slice(8),
      sessionToken,
      sessionCookie: sessionCookie.split("; ")[0]!,
      passCookie: passCookie.split("=")[1]!,
      clientIp: CLIENT_IP,
      clientNetwork: "198.51.100.",
    };
    for (const [name, secret] of Object.entries(secrets)) expect(everything.includes(secret), `${name} appears in the logs`).toBe(false);
  });

  test("edge stats posted with a real click batch reach /metrics, labelled by host", async () => {
    const host = `edge_${backend}`;
    const key = `metrics-${backend}`;
    expect((await createLinkRoute(apiRequest("/api/v1/links", { key: owner.key, body: { url: "https://example.com/metrics", key } }))).status).toBe(201);
    const edge = edgeOnRealOrigin(host);
    expect((await edge.fetch(`/${key}`)).status).toBe(302);
    expect((await edge.fetch(`/${key}`)).status).toBe(302);
    expect((await edge.fetch("/no-such-link")).status).toBe(404);
    await edge.settled();
    out.restore();
    // The batches went through the real ingest endpoint.
    const ingests = out.lines().filter((line) => line.msg === "request" && line.route === "/api/internal/v1/clicks");
    expect(ingests.length).toBeGreaterThan(0);
    expect(ingests.every((line) => line.status === 202)).toBe(true);

    const text = await scrape();
    expect(text).toMatch(/^# TYPE signpost_edge_redirects_total counter$/m);
    expect(text).toContain(`signpost_edge_redirects_total{host="${host}",outcome="redirect"} 2`);
    expect(text).toContain(`signpost_edge_redirects_total{host="${host}",outcome="not_found"} 1`);
    expect(text).toContain(`signpost_edge_cache_lookups_total{host="${host}",result="miss"} 2`);
    expect(text).toContain(`signpost_edge_cache_lookups_total{host="${host}",result="hit"} 1`);
    expect(text).toContain(`signpost_edge_origin_lookups_total{host="${host}",status="found"} 1`);
    expect(text).toContain(`signpost_edge_origin_lookups_total{host="${host}",status="not_found"} 1`);
    // The rest of the list is there too.
    expect(text).toMatch(/^signpost_http_request_duration_seconds_count\{method="POST",route="\/api\/internal\/v1\/clicks",status="202"\} [1-9]\d*$/m);
    expect(text).toMatch(/^signpost_click_ingest_clicks_total\{mode="stored"\} [1-9]\d*$/m);
    if (backend === "postgres") {
      expect(text).toMatch(/^signpost_db_pool_connections\{state="total"\} [1-9]\d*$/m);
      expect(text).toMatch(/^signpost_db_pool_connections\{state="idle"\} \d+$/m);
      expect(text).toMatch(/^signpost_db_pool_connections\{state="waiting"\} 0$/m);
    } else {
      // Embedded PGlite has no pool: no series rather than made-up ones.
      expect(text).not.toMatch(/^signpost_db_pool_connections\{/m);
    }
  });

  test("a batch with stats and no clicks is accepted (202) and counted; one with neither is refused", async () => {
    const host = `stats_only_${backend}`;
    const { signedRequest } = await import("../support/integration-helpers");
    const body = JSON.stringify({ clicks: [], stats: { host, redirects: { unavailable: 3 }, cacheLookups: { stale: 2 }, originLookups: { error: 1 } } });
    const accepted = await postClicks(await signedRequest("POST", "/api/internal/v1/clicks", { body }));
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toEqual({ mode: "stats", clicks: 0 });
    const refused = await postClicks(await signedRequest("POST", "/api/internal/v1/clicks", { body: JSON.stringify({ clicks: [] }) }));
    expect(refused.status).toBe(422);
    out.restore();
    const text = await scrape();
    expect(text).toContain(`signpost_edge_redirects_total{host="${host}",outcome="unavailable"} 3`);
    expect(text).toContain(`signpost_edge_cache_lookups_total{host="${host}",result="stale"} 2`);
    expect(text).toContain(`signpost_edge_origin_lookups_total{host="${host}",status="error"} 1`);
  });

  describe.runIf(REDIS_URL)("with Redis", () => {
    let redis: Redis;
    beforeAll(() => {
      redis = new Redis(REDIS_URL!);
    });
    afterAll(() => redis?.disconnect());

    test("Server-Timing on click ingest: queue (the XADD) and no db stage", async () => {
      const keys = clickStreamKeys(`test-timing-${backend}-${randomUUID()}:`);
      const ingest = createClickIngest({ redis, keys, geo: geoDatabase() });
      const route = handle(async () => Response.json(await ingest([clickEventSchema.parse({ id: randomUUID(), linkId: "lnk_x", workspaceId: "ws_x", at: new Date().toISOString(), url: "https://example.com", userAgent: null, referrer: null, isBot: false, country: "DE" })]), { status: 202 }));
      try {
        const response = await route(new Request(`${BASE_URL}/api/internal/v1/clicks`, { method: "POST" }));
        expect(response.status).toBe(202);
        expect(await response.json()).toEqual({ mode: "queued", clicks: 1 });
        expect(serverTiming(response, "queue")).not.toBeNull();
        expect(serverTiming(response, "db")).toBeNull();
        expect(await redis.xlen(keys.stream)).toBe(1);
        out.restore();
        const line = out.lines().find((entry) => entry.msg === "request");
        expect(line).toMatchObject({ route: "/api/internal/v1/clicks", status: 202, queueMs: expect.any(Number) });
        expect(line).not.toHaveProperty("dbMs");
      } finally {
        await redis.del(keys.stream);
      }
    });
  });
});
