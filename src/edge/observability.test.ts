/**
 * The edge's request log lines and its counters for the origin's metrics: the edge app wired as
 * createEdgeAppFromConfig wires it (cached origin store with lookup counting, batching sink with
 * stats, JSON line logger), against a stand-in origin that checks signatures and validates bodies
 * with the origin's own schema.
 */
import { describe, expect, test } from "vitest";
import { clickIngestBodySchema, type EdgeStatsReport } from "@/core/edge-stats";
import type { EdgeLink } from "@/core/link";
import { hashLinkPassword } from "@/core/link-password";
import { verifyRequest } from "@/core/protocol";
import { createEdgeApp } from "./app";
import { createBatchingClickSink } from "./click-sink";
import { countingLinkStore } from "./edge-app-from-config";
import { extractFacts } from "./facts";
import { createCachedLinkStore } from "./link-cache";
import { createOriginLinkStore } from "./link-store";
import { createEdgeLogger, traceIdFor } from "./log";
import { createOriginClient } from "./origin-client";
import { createOriginGates } from "./origin-gates";
import { createEdgeStats } from "./stats";
import { plainEdgeLink } from "../../tests/support/edge-link";

const SECRET = "edge-observability-test-secret-0123456789";
const ORIGIN_URL = "http://origin.test:4000";
const CHROME_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
const LINK_PASSWORD = "link-password-Zq81";
const PASSWORD_HASH = await hashLinkPassword(LINK_PASSWORD, 1000);

interface Posted {
  path: string;
  body: string;
}

function setup(options: { links: EdgeLink[]; ingestStatus?: number; statsDelayMs?: number }) {
  const posted: Posted[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const body = await request.text();
    const url = new URL(request.url);
    const verified = await verifyRequest(SECRET, request.method, url.pathname + url.search, request.headers, body);
    if (!verified.ok) return Response.json({ error: { code: "unauthorized" } }, { status: 401 });
    posted.push({ path: url.pathname, body });
    if (url.pathname === "/api/internal/v1/links/lookup") {
      const link = options.links.find((l) => l.key === url.searchParams.get("key"));
      return link ? Response.json({ link }) : Response.json({ error: { code: "not_found" } }, { status: 404 });
    }
    if (url.pathname === "/api/internal/v1/clicks") {
      if (options.ingestStatus) return Response.json({ error: { code: "unavailable" } }, { status: options.ingestStatus });
      const parsed = clickIngestBodySchema.safeParse(JSON.parse(body));
      return parsed.success ? Response.json({ mode: "stored" }, { status: 202 }) : Response.json({ error: { code: "validation_failed" } }, { status: 400 });
    }
    if (url.pathname === "/api/internal/v1/password-attempts") return Response.json({ allowed: true, remaining: 9 });
    return Response.json({ error: { code: "not_found" } }, { status: 404 });
  };
  const lines: string[] = [];
  const log = createEdgeLogger({ write: (line) => lines.push(line), base: { host: "test" } });
  const stats = createEdgeStats("test");
  const origin = createOriginClient({ originUrl: ORIGIN_URL, secret: SECRET, fetch: fetchImpl });
  const app = createEdgeApp({
    log,
    stats,
    links: createCachedLinkStore(countingLinkStore(createOriginLinkStore(origin), stats)),
    gates: createOriginGates(origin),
    clicks: createBatchingClickSink(origin, { maxDelayMs: 1, attempts: 1, stats, statsDelayMs: options.statsDelayMs ?? 5 }),
    options: {
      secret: SECRET,
      homeUrl: null,
      passwordTtlSeconds: 3600,
      facts: (req) => extractFacts(req, { geo: { trusted: [] }, trustedIpHeader: "x-forwarded-for" }),
    },
  });
  const waited: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void waited.push(p), passThroughOnException() {}, props: {} };
  return {
    lines,
    stats,
    request: (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
      Promise.resolve(app.fetch(new Request(`http://sgn.test${path}`, { ...init, headers: { "user-agent": CHROME_UA, ...init.headers } }), {}, ctx)),
    /** Waits for the background work (click posts, stats reports), then the bodies of every ingest post. */
    async ingestBodies() {
      while (waited.length > 0) await Promise.all(waited.splice(0));
      return posted.filter((p) => p.path === "/api/internal/v1/clicks").map((p) => JSON.parse(p.body) as { clicks: unknown[]; stats?: EdgeStatsReport });
    },
    requestLines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === "request"),
  };
}

describe("edge logger", () => {
  test("one JSON object per line, below the level nothing", () => {
    const lines: { line: string; level: string }[] = [];
    const log = createEdgeLogger({ level: "warn", write: (line, level) => lines.push({ line, level }), base: { host: "worker" } });
    log.info("hidden");
    log.debug("hidden too");
    log.warn("shown", { count: 2 });
    log.error("also shown");
    expect(lines.map((l) => l.level)).toEqual(["warn", "error"]);
    const first = JSON.parse(lines[0]!.line) as Record<string, unknown>;
    expect(first).toMatchObject({ level: "warn", host: "worker", msg: "shown", count: 2 });
    expect(new Date(String(first.time)).toISOString()).toBe(first.time);
    const silent: string[] = [];
    createEdgeLogger({ level: "silent", write: (line) => silent.push(line) }).error("never");
    expect(silent).toEqual([]);
  });

  test("trace id from a valid traceparent; none from an invalid or all-zero one", () => {
    expect(traceIdFor(TRACEPARENT)).toBe(TRACE_ID);
    expect(traceIdFor(`00-${"0".repeat(32)}-00f067aa0ba902b7-01`)).toBeNull();
    expect(traceIdFor(`00-${TRACE_ID}-${"0".repeat(16)}-01`)).toBeNull();
    expect(traceIdFor("garbage")).toBeNull();
    expect(traceIdFor(null)).toBeNull();
  });
});

describe("request lines", () => {
  test("one line per request: request id, trace id, route template, status, outcome, cache result, duration", async () => {
    const edge = setup({ links: [plainEdgeLink({ key: "hello", url: "https://example.com/hello" })] });
    expect((await edge.request("/hello", { redirect: "manual", headers: { "x-request-id": "req-edge-0001", traceparent: TRACEPARENT } })).status).toBe(302);
    expect((await edge.request("/hello", { redirect: "manual" })).status).toBe(302);
    expect((await edge.request("/nope")).status).toBe(404);
    expect((await edge.request("/hello+")).status).toBe(200);
    expect((await edge.request("/robots.txt")).status).toBe(200);

    const lines = edge.requestLines();
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({ level: "info", host: "test", requestId: "req-edge-0001", traceId: TRACE_ID, method: "GET", route: "/:key", status: 302, outcome: "redirect", cache: "miss" });
    expect(typeof lines[0]!.durationMs).toBe("number");
    expect(lines[1]).toMatchObject({ route: "/:key", status: 302, outcome: "redirect", cache: "hit", traceId: null });
    expect(lines[2]).toMatchObject({ route: "/:key", status: 404, outcome: "not_found", cache: "miss" });
    expect(lines[3]).toMatchObject({ route: "/:key+", status: 200, cache: "hit" });
    expect(lines[4]).toMatchObject({ route: "/robots.txt", status: 200, outcome: "ok", cache: null });
    // The slug is never the route.
    expect(lines.some((line) => JSON.stringify(line).includes("hello"))).toBe(false);
  });

  test("no password, cookie, authorization or client address reaches a line", async () => {
    const edge = setup({ links: [plainEdgeLink({ key: "vault", passwordHash: PASSWORD_HASH })] });
    const secrets = { cookie: "sp_session=session-cookie-Kx7Q9", authorization: "Bearer sp_apikey-Wm3R8", ip: "198.51.100.77" };
    const headers = { cookie: secrets.cookie, authorization: secrets.authorization, "x-forwarded-for": secrets.ip, "content-type": "application/x-www-form-urlencoded" };
    expect((await edge.request("/vault", { headers })).status).toBe(401);
    const submitted = await edge.request("/vault", { method: "POST", headers, body: new URLSearchParams({ password: LINK_PASSWORD }).toString(), redirect: "manual" });
    expect(submitted.status).toBe(303);
    await edge.ingestBodies();

    expect(edge.requestLines().map((line) => [line.method, line.status, line.outcome])).toEqual([
      ["GET", 401, "password"],
      ["POST", 303, "redirect"],
    ]);
    const all = edge.lines.join("\n");
    for (const secret of [LINK_PASSWORD, "session-cookie-Kx7Q9", "sp_apikey-Wm3R8", secrets.ip, "198.51.100"]) expect(all).not.toContain(secret);
  });
});

describe("stats for the origin's metrics", () => {
  test("ride with the click batch: outcomes, cache results and origin lookups since the last report", async () => {
    const edge = setup({ links: [plainEdgeLink({ key: "a" })], statsDelayMs: 60_000 });
    await edge.request("/a", { redirect: "manual" });
    await edge.request("/a", { redirect: "manual" });
    const bodies = await edge.ingestBodies();
    // Each visit's click batch carries the counts made before it went out.
    const reports = bodies.map((b) => b.stats).filter((s): s is EdgeStatsReport => s !== undefined);
    const sum = (pick: (r: EdgeStatsReport) => Record<string, number> | undefined) =>
      reports.reduce<Record<string, number>>((acc, r) => {
        for (const [k, n] of Object.entries(pick(r) ?? {})) acc[k] = (acc[k] ?? 0) + n;
        return acc;
      }, {});
    expect(bodies.flatMap((b) => b.clicks)).toHaveLength(2);
    expect(reports.every((r) => r.host === "test")).toBe(true);
    expect(sum((r) => r.redirects)).toEqual({ redirect: 2 });
    expect(sum((r) => r.cacheLookups)).toEqual({ miss: 1, hit: 1 });
    expect(sum((r) => r.originLookups)).toEqual({ found: 1 });
    expect(edge.stats.pending()).toBe(false);
  });

  test("without clicks they go alone after statsDelayMs, as a stats-only batch the origin's schema accepts", async () => {
    const edge = setup({ links: [] });
    expect((await edge.request("/missing")).status).toBe(404);
    const bodies = await edge.ingestBodies();
    expect(bodies).toEqual([
      { clicks: [], stats: { host: "test", redirects: { not_found: 1 }, cacheLookups: { miss: 1 }, originLookups: { not_found: 1 } } },
    ]);
  });

  test("a report refused for good (4xx, e.g. an origin too old for stats-only batches) is dropped, so it cannot block later ones", async () => {
    const edge = setup({ links: [], ingestStatus: 422 });
    await edge.request("/missing");
    expect(await edge.ingestBodies()).toHaveLength(1);
    expect(edge.stats.pending()).toBe(false);
  });

  test("a report whose post failed (503) is kept and sent again with the next one", async () => {
    const edge = setup({ links: [], ingestStatus: 503 });
    await edge.request("/missing");
    expect(await edge.ingestBodies()).toHaveLength(1);
    expect(edge.stats.pending()).toBe(true);
    expect(edge.stats.take()).toEqual({ host: "test", redirects: { not_found: 1 }, cacheLookups: { miss: 1 }, originLookups: { not_found: 1 } });
  });
});
