/**
 * Tracing through the standalone Node redirector (src/hosts/node) with the built app as origin,
 * both exporting to a real OTLP/HTTP receiver started here (tests/support/otlp-receiver.ts):
 * a redirect is one trace from the caller's `traceparent` through the redirector's spans to the
 * origin's lookup route and its database query (in direct mode: the redirector's own queries);
 * without an endpoint the redirector records
 * nothing and forwards the caller's `traceparent` untouched.
 */
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { BROWSER_UA, TEST_SECRET, freePort, startApp, type RunningApp } from "../support/app-server";
import { backends } from "../support/databases";
import { ancestors, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../support/otlp-receiver";
import { running, startRedirector } from "../support/redirector";

const tracingEnv = (receiver: OtlpReceiver) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
  OTEL_BSP_SCHEDULE_DELAY: "100",
});
const isDbSpan = (s: ReceivedSpan) => s.name.startsWith("pglite.") || s.name.startsWith("pg.query");

/** A caller's (a load balancer's) trace context. */
function callerTrace() {
  const traceId = randomBytes(16).toString("hex");
  const spanId = randomBytes(8).toString("hex");
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

describe.each(backends())("tracing through the standalone redirector, %s origin", (backend) => {
  let receiver: OtlpReceiver;
  let app: RunningApp;
  let apiKey: string;
  let port: number;
  let host: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    port = await freePort();
    host = `localhost:${port}`;
    app = await startApp(backend, { SHORT_DOMAINS: host, ...tracingEnv(receiver) });
    const setup = await fetch(`${app.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Hosts", email: "hosts@example.com", password: "a long enough password", workspace: "Hosts" }),
    });
    expect(setup.status, await setup.clone().text()).toBe(201);
    apiKey = (await setup.json()).apiKey.key;
  });
  afterEach(async () => {
    await Promise.all([...running].map((r) => r.stop()));
  });
  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
  });

  async function createLink(key: string) {
    const response = await fetch(`${app.url}/api/v1/links`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ domain: host, url: `https://example.com/${key}`, key }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
  }
  const redirectorEnv = (extra: Record<string, string> = {}) => ({ SIGNPOST_SECRET: TEST_SECRET, ORIGIN_URL: app.url, SHORT_DOMAINS: host, ...extra });

  test("a redirect is one trace: caller -> redirector request and stages -> origin lookup route -> database", async () => {
    await createLink("via-redirector");
    const redirector = await startRedirector(port, redirectorEnv(tracingEnv(receiver)));
    const caller = callerTrace();
    const response = await fetch(`${redirector.url}/via-redirector`, { redirect: "manual", headers: { "user-agent": BROWSER_UA, traceparent: caller.traceparent } });
    expect(response.status).toBe(302);

    const { request, lookup, route, db } = await receiver.waitFor((spans) => {
      const inTrace = spans.filter((s) => s.traceId === caller.traceId);
      const request = inTrace.find((s) => s.service === "signpost-redirector" && s.name === "edge GET");
      const lookup = request && inTrace.find((s) => s.service === "signpost-redirector" && s.name === "origin GET /api/internal/v1/links/lookup");
      const route = lookup && inTrace.find((s) => s.service === "signpost-app" && s.name === "GET /api/internal/v1/links/lookup" && ancestors(spans, s).includes(lookup));
      const db = route && inTrace.find((s) => s.service === "signpost-app" && isDbSpan(s) && ancestors(spans, s).includes(route));
      return db ? { request, lookup, route, db } : null;
    });
    // The redirector's request span continues the caller's trace, as the server span of that hop.
    expect(request).toMatchObject({ parentSpanId: caller.spanId, kind: 2, attributes: expect.objectContaining({ "url.path": "/via-redirector", "http.response.status_code": 302 }) });
    expect(ancestors(receiver.spans, lookup).map((s) => s.name)).toEqual(["edge.cache", "edge GET"]);
    expect(route.traceId).toBe(caller.traceId);
    expect(db.traceId).toBe(caller.traceId);
    // The link-change feed poll this first request set off is a trace of its own, not the visitor's.
    const poll = await receiver.waitFor((spans) => spans.find((s) => s.service === "signpost-redirector" && s.name === "origin GET /api/internal/v1/links/changes"));
    expect(poll.traceId).not.toBe(caller.traceId);
    expect(poll.parentSpanId ?? "").toBe("");
    expect(receiver.refused).toEqual([]);
  });

  test.skipIf(backend !== "postgres")("direct mode: the redirector's own Postgres queries are spans of its request and of its click batch", async () => {
    await createLink("direct-traced");
    // DATABASE_URL: links and clicks straight from the database (docs/decisions/0015); the origin is not called.
    const redirector = await startRedirector(port, redirectorEnv({ ...tracingEnv(receiver), DATABASE_URL: app.env.DATABASE_URL!, ORIGIN_URL: "http://127.0.0.1:9" }));
    const caller = callerTrace();
    const response = await fetch(`${redirector.url}/direct-traced`, { redirect: "manual", headers: { "user-agent": BROWSER_UA, traceparent: caller.traceparent } });
    expect(response.status).toBe(302);
    const lookupQuery = await receiver.waitFor((spans) =>
      spans.find((s) => s.traceId === caller.traceId && s.service === "signpost-redirector" && s.name.startsWith("pg.query:SELECT") && ancestors(spans, s).some((a) => a.name === "edge.cache")),
    );
    expect(ancestors(receiver.spans, lookupQuery).at(-1)?.parentSpanId).toBe(caller.spanId);
    // The click batch: its own trace, linked to the request's click span, with the batch's INSERT under it.
    const insert = await receiver.waitFor((spans) => {
      const click = spans.find((s) => s.traceId === caller.traceId && s.service === "signpost-redirector" && s.name === "edge.click");
      const batch = click && spans.find((s) => s.name === "edge.clicks.batch" && s.links.some((l) => l.spanId === click.spanId));
      return batch && spans.find((s) => s.service === "signpost-redirector" && s.name.startsWith("pg.query:INSERT") && ancestors(spans, s).includes(batch));
    });
    expect(insert.traceId).not.toBe(caller.traceId);
  });

  test("without an OTLP endpoint the redirector records nothing and forwards the caller's traceparent as it came", async () => {
    await createLink("untraced");
    // No OTEL_* variables: no SDK is loaded (src/tracing/node.ts returns null).
    const redirector = await startRedirector(port, redirectorEnv());
    const caller = callerTrace();
    const response = await fetch(`${redirector.url}/untraced`, { redirect: "manual", headers: { "user-agent": BROWSER_UA, traceparent: caller.traceparent } });
    expect(response.status).toBe(302);

    // The origin (tracing on) continues the caller's trace directly: no redirector span in between.
    const route = await receiver.waitFor((spans) => spans.find((s) => s.traceId === caller.traceId && s.service === "signpost-app" && s.name === "GET /api/internal/v1/links/lookup"));
    const chain = ancestors(receiver.spans, route);
    expect(chain.at(-1)?.parentSpanId ?? route.parentSpanId).toBe(caller.spanId);
    // Stopping the redirector would flush an SDK's buffered spans; there is none, so nothing arrives.
    await redirector.stop();
    expect(receiver.spans.filter((s) => s.service === "signpost-redirector" && s.traceId === caller.traceId)).toEqual([]);
  });
});
