/**
 * OpenTelemetry tracing on the built app, exported to a real OTLP/HTTP receiver started here
 * (tests/support/otlp-receiver.ts): a cache-miss redirect is one trace from the edge middleware
 * through the origin lookup route to the database; a click is one trace from the edge's batch
 * through the ingest route and Redis to the worker's store (REDIS_URL and DATABASE_URL set).
 * Runs on PGlite always and on Postgres when DATABASE_URL is set.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BROWSER_UA, startApp, type RunningApp } from "../support/app-server";
import { backends } from "../support/databases";
import { ancestors, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../support/otlp-receiver";

const REDIS_URL = process.env.REDIS_URL;
const root = path.resolve(import.meta.dirname, "../..");

/** Points a process at the receiver, in the JSON encoding, with a short export delay. */
const tracingEnv = (receiver: OtlpReceiver) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
  OTEL_BSP_SCHEDULE_DELAY: "100",
});

const isDbSpan = (s: ReceivedSpan) => s.name.startsWith("pglite.") || s.name.startsWith("pg.query");

/** The received spans as indented trees (for failure messages). */
function dump(spans: ReceivedSpan[]): string {
  const lines: string[] = [];
  const walk = (span: ReceivedSpan, depth: number) => {
    lines.push(`${"  ".repeat(depth)}${span.service}/${span.name} ${span.spanId}`);
    for (const child of spans.filter((s) => s.parentSpanId === span.spanId)) walk(child, depth + 1);
  };
  const ids = new Set(spans.map((s) => s.spanId));
  for (const rootSpan of spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId))) walk(rootSpan, 0);
  return lines.join("\n");
}

async function setUp(app: RunningApp): Promise<string> {
  const setup = await fetch(`${app.url}/api/v1/setup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "Tracer", email: "tracer@example.com", password: "a long enough password", workspace: "Traces" }),
  });
  expect(setup.status, await setup.clone().text()).toBe(201);
  return (await setup.json()).apiKey.key;
}

async function createLink(app: RunningApp, apiKey: string, body: Record<string, unknown>) {
  const response = await fetch(`${app.url}/api/v1/links`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as { id: string; key: string };
}

describe.each(backends())("tracing on %s", (backend) => {
  let receiver: OtlpReceiver;
  let app: RunningApp;
  let apiKey: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    app = await startApp(backend, tracingEnv(receiver));
    apiKey = await setUp(app);
  });
  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
  });

  test("a cache-miss redirect is one trace: middleware -> edge stages -> origin lookup route -> database", async () => {
    await createLink(app, apiKey, { url: "https://example.com/traced", key: "traced" });
    const response = await fetch(`${app.url}/traced`, { redirect: "manual", headers: { "user-agent": BROWSER_UA } });
    expect(response.status).toBe(302);
    // The Server-Timing stages are unchanged by tracing.
    expect(response.headers.get("server-timing")).toMatch(/^cache;dur=[\d.]+;desc="miss", .*decide;dur=[\d.]+;desc="destination".*edge;dur=[\d.]+$/);

    const { cache, lookup, route, db } = await receiver.waitFor((spans) => {
      const cache = spans.find((s) => s.service === "signpost-edge" && s.name === "edge.cache" && s.attributes["signpost.cache"] === "miss");
      if (!cache) return null;
      const inTrace = spans.filter((s) => s.traceId === cache.traceId);
      const lookup = inTrace.find((s) => s.name === "origin GET /api/internal/v1/links/lookup" && ancestors(spans, s).includes(cache));
      if (!lookup) return null;
      // Next's own server span for the route handler, continued from the edge's traceparent.
      const route = inTrace.find((s) => s.service === "signpost-app" && s.name === "GET /api/internal/v1/links/lookup" && ancestors(spans, s).includes(lookup));
      const db = route && inTrace.find((s) => s.service === "signpost-app" && isDbSpan(s) && ancestors(spans, s).includes(route));
      return db ? { cache, lookup, route, db } : null;
    });

    expect(lookup.kind).toBe(3); // CLIENT
    // Next's server span for the call, without its query string (`?domain=…&key=…`: queries can hold tokens).
    const server = [route, ...ancestors(receiver.spans, route)].find((s) => s.parentSpanId === lookup.spanId);
    expect(server?.attributes["http.target"]).toBe("/api/internal/v1/links/lookup");
    // Nothing but Next's own spans between the edge's client span and the route's.
    const between = ancestors(receiver.spans, route).slice(0, ancestors(receiver.spans, route).indexOf(lookup));
    expect(between.every((s) => s.service === "signpost-app" && s.scope === "next.js")).toBe(true);
    expect(db.attributes["db.system.name"] ?? db.attributes["db.system"]).toBe("postgresql");
    // Above the cache stage: the edge app's request span, under Next's middleware span, all on the edge.
    const above = ancestors(receiver.spans, cache);
    const request = above.find((s) => s.name === "edge GET");
    expect(request?.service).toBe("signpost-edge");
    expect(request?.attributes["url.path"]).toBe("/traced");
    const middleware = above.find((s) => s.name === "middleware GET");
    expect(middleware?.service).toBe("signpost-edge");
    expect(above.indexOf(middleware!)).toBeGreaterThan(above.indexOf(request!));
    // The trace starts at Next's Node server span for the visitor's request, which ran the middleware.
    const traceRoot = above.at(-1)!;
    expect(traceRoot).toMatchObject({ service: "signpost-app", parentSpanId: "", attributes: expect.objectContaining({ "http.target": "/traced" }) });
    // The other stages of the same request are its children too.
    const stages = receiver.spans.filter((s) => s.parentSpanId === request!.spanId).map((s) => s.name);
    expect(stages).toEqual(expect.arrayContaining(["edge.cache", "edge.facts", "edge.decide", "edge.click"]));
    expect(receiver.refused).toEqual([]);
  });

  test("an API call is traced from Next's route span to the database", async () => {
    const link = await createLink(app, apiKey, { url: "https://example.com/api-traced" });
    const response = await fetch(`${app.url}/api/v1/links/${link.id}`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(response.status).toBe(200);
    const { route, db } = await receiver.waitFor((spans) => {
      const route = spans.find((s) => s.service === "signpost-app" && s.name === "GET /api/v1/links/[id]");
      const db = route && spans.find((s) => isDbSpan(s) && ancestors(spans, s).includes(route));
      return db ? { route, db } : null;
    }, 15_000).catch((error) => {
      throw new Error(`${error}\n${dump(receiver.spans)}`);
    });
    expect(route.traceId).toBe(db.traceId);
  });
});

describe.skipIf(!REDIS_URL || !process.env.DATABASE_URL)("tracing a click through Redis to the worker", () => {
  let receiver: OtlpReceiver;
  let app: RunningApp;
  let apiKey: string;
  let worker: ChildProcess | undefined;
  let workerOutput = "";

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // The app only enqueues (CLICK_CONSUMERS=0); `npm run worker`'s entry stores.
    app = await startApp("postgres", { ...tracingEnv(receiver), REDIS_URL: REDIS_URL!, CLICK_CONSUMERS: "0" });
    apiKey = await setUp(app);
    worker = spawn(process.execPath, [path.join("scripts", "worker.mjs")], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        NODE_ENV: "production",
        APP_URL: app.url,
        SIGNPOST_SECRET: app.env.SIGNPOST_SECRET!,
        DATABASE_URL: app.env.DATABASE_URL!,
        REDIS_URL: REDIS_URL!,
        REDIS_KEY_PREFIX: app.env.REDIS_KEY_PREFIX!,
        ...tracingEnv(receiver),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    worker.stdout!.on("data", (chunk) => (workerOutput += chunk));
    worker.stderr!.on("data", (chunk) => (workerOutput += chunk));
    const deadline = Date.now() + 60_000;
    while (!workerOutput.includes("worker ready")) {
      if (worker.exitCode !== null || Date.now() > deadline) throw new Error(`worker did not start:\n${workerOutput}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker!.once("exit", resolve));
      worker.kill("SIGTERM");
      await exited;
    }
    await app?.stop();
    await receiver?.close();
  });

  test("edge click batch -> ingest route -> XADD -> the worker's store span and its queries, linked to the redirect", async () => {
    const link = await createLink(app, apiKey, { url: "https://example.com/clicked", key: "clicked" });
    const response = await fetch(`${app.url}/clicked`, { redirect: "manual", headers: { "user-agent": BROWSER_UA } });
    expect(response.status).toBe(302);

    const found = await receiver.waitFor((spans) => {
      const store = spans.find((s) => s.service === "signpost-worker" && s.name === "clicks.store");
      if (!store) return null;
      const chain = ancestors(spans, store);
      const ingest = chain.find((s) => s.service === "signpost-app" && s.name.includes("/api/internal/v1/clicks"));
      const post = chain.find((s) => s.service === "signpost-edge" && s.name === "origin POST /api/internal/v1/clicks");
      const batch = chain.find((s) => s.service === "signpost-edge" && s.name === "edge.clicks.batch");
      const xadd = ingest && spans.find((s) => s.service === "signpost-app" && s.name === "xadd" && ancestors(spans, s).includes(ingest));
      const stored = spans.find((s) => s.service === "signpost-worker" && isDbSpan(s) && ancestors(spans, s).includes(store));
      return ingest && post && batch && xadd && stored ? { store, ingest, post, batch, xadd, stored } : null;
    }).catch(() => {
      const traces = new Set(receiver.spans.filter((s) => s.service === "signpost-worker" || s.name === "edge.clicks.batch").map((s) => s.traceId));
      throw new Error(`the click's spans did not all arrive:\n${dump(receiver.spans.filter((s) => traces.has(s.traceId)))}\nworker:\n${workerOutput}`);
    });
    // One trace from the edge's batch to the worker's insert.
    for (const span of [found.ingest, found.post, found.batch, found.xadd, found.stored]) expect(span.traceId).toBe(found.store.traceId);
    // The store span links to the ingest request whose entry it stored.
    expect(found.store.links.map((l) => l.spanId)).toContain(found.store.parentSpanId);
    // The batch is its own trace's root, linked to the redirect's click span.
    expect(found.batch.parentSpanId).toBe("");
    const click = receiver.spans.find((s) => s.service === "signpost-edge" && s.name === "edge.click" && found.batch.links.some((l) => l.spanId === s.spanId));
    expect(click).toBeDefined();
    const request = ancestors(receiver.spans, click!).find((s) => s.name === "edge GET");
    expect(request?.attributes["url.path"]).toBe("/clicked");
    expect(link.key).toBe("clicked");
  });
});
