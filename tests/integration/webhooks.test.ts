/**
 * Outbound webhooks on real databases and the real job queue (pg-boss), delivering to a local HTTP
 * receiver (allow-listed: the SSRF guard refuses loopback otherwise) and emailing owners through a
 * local SMTP server: endpoints through the API, signed deliveries of link events and batched
 * clicks, retries with backoff and a per-attempt log, replay, test pings, auto-disable with email.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { DELETE as deleteLinkRoute, PATCH as patchLinkRoute } from "@/app/api/v1/links/[id]/route";
import { POST as createLinkRoute } from "@/app/api/v1/links/route";
import { POST as replayRoute } from "@/app/api/v1/webhooks/[id]/deliveries/[deliveryId]/replay/route";
import { GET as deliveriesRoute } from "@/app/api/v1/webhooks/[id]/deliveries/route";
import { DELETE as deleteRoute, GET as getRoute, PATCH as patchRoute } from "@/app/api/v1/webhooks/[id]/route";
import { POST as rotateRoute } from "@/app/api/v1/webhooks/[id]/secret/route";
import { POST as testRoute } from "@/app/api/v1/webhooks/[id]/test/route";
import { GET as listRoute, POST as createRoute } from "@/app/api/v1/webhooks/route";
import type { LinkView } from "@/core/link";
import type { WebhookDeliveryView, WebhookView } from "@/core/webhooks";
import { recordClicks } from "@/server/clicks/ingest";
import { webhookDelivery, webhookEndpoint } from "@/server/db/schema";
import { startBackgroundJobs, type BackgroundJobs } from "@/server/jobs/runner";
import { verifyWebhookSignature } from "@/server/webhooks/sign";
import { backends, type TestDatabase } from "../support/databases";
import { apiRequest, createKey, createWorkspaceWithKey, expectApiError, expectJson, openWithOwner, routeParams, sleep, type Owner } from "../support/integration-helpers";
import { startSmtp, type TestSmtp } from "./auth-helpers";

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  json: { id: string; type: string; createdAt: string; workspaceId: string; data: Record<string, unknown> };
}

/** A webhook target: records every request; answers with the next scripted status (200 after). */
class Receiver {
  received: Received[] = [];
  script: number[] = [];
  private server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      this.received.push({ headers: request.headers, body, json: JSON.parse(body) });
      const status = this.script.shift() ?? 200;
      response.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : `no thanks (${status})`);
    });
  });
  url = "";
  async start(path: string) {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }
  stop() {
    return new Promise((resolve) => this.server.close(resolve));
  }
  async next(type: string, timeoutMs = 15_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex((r) => r.json.type === type);
      if (index >= 0) return this.received.splice(index, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`no ${type} delivery arrived (got ${this.received.map((r) => r.json.type).join(", ") || "nothing"})`);
      await sleep(50);
    }
  }
}

let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await startSmtp();
  vi.stubEnv("SMTP_URL", smtp.url);
  // The receivers listen on 127.0.0.1, which only the allow-list admits; [::1] stays refused.
  vi.stubEnv("OUTBOUND_ALLOWLIST", "127.0.0.1");
});
afterAll(async () => {
  await smtp?.stop();
  vi.unstubAllEnvs();
});

describe.each(backends())("webhooks on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: Owner;
  let jobs: BackgroundJobs;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    ({ testDb, owner } = await openWithOwner(backend));
    jobs = await startBackgroundJobs(testDb.database, {
      webhooks: { policy: { allow: ["127.0.0.1"] }, backoffMs: () => 150, maxAttempts: 3, disableAfter: 2, pollingIntervalSeconds: 0.5 },
      timing: { pollingIntervalSeconds: 0.5 },
    });
  });
  afterAll(async () => {
    await jobs?.stop();
    for (const receiver of receivers) await receiver.stop();
    await testDb?.dispose();
  });

  async function receiver(path = "/hook") {
    const r = new Receiver();
    await r.start(path);
    receivers.push(r);
    return r;
  }
  const create = (body: unknown, key = owner.key) => createRoute(apiRequest("/api/v1/webhooks", { key, body }));
  const createOk = async (body: unknown) => expectJson<WebhookView & { secret: string }>(await create(body), 201);
  const deliveries = async (id: string, query = "") =>
    (await expectJson<{ data: WebhookDeliveryView[] }>(await deliveriesRoute(apiRequest(`/api/v1/webhooks/${id}/deliveries${query}`, { key: owner.key }), routeParams({ id })), 200)).data;
  const createLink = async (body: unknown) => expectJson<LinkView>(await createLinkRoute(apiRequest("/api/v1/links", { key: owner.key, body })), 201);
  const db = () => testDb.database.db;

  async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`condition not met in time; last value ${JSON.stringify(value)}`);
      await sleep(100);
    }
  }

  test("endpoints: created with a secret shown once, listed and read without it, updated, validated, deleted", async () => {
    const target = await receiver();
    const created = await createOk({ url: target.url, events: ["link.created"], description: "CRM" });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    expect(created).toMatchObject({ url: target.url, events: ["link.created"], enabled: true, disabledReason: null, consecutiveFailures: 0 });
    const listed = (await expectJson<{ data: WebhookView[] }>(await listRoute(apiRequest("/api/v1/webhooks", { key: owner.key })), 200)).data;
    expect(listed.map((w) => w.id)).toContain(created.id);
    for (const view of [...listed, await expectJson<WebhookView>(await getRoute(apiRequest(`/api/v1/webhooks/${created.id}`, { key: owner.key }), routeParams({ id: created.id })), 200)]) {
      expect(view).not.toHaveProperty("secret");
    }
    const patched = await expectJson<WebhookView>(
      await patchRoute(apiRequest(`/api/v1/webhooks/${created.id}`, { key: owner.key, method: "PATCH", body: { events: ["link.created", "link.deleted"] } }), routeParams({ id: created.id })),
      200,
    );
    expect(patched.events).toEqual(["link.created", "link.deleted"]);
    const rotated = await expectJson<WebhookView & { secret: string }>(await rotateRoute(apiRequest(`/api/v1/webhooks/${created.id}/secret`, { key: owner.key, method: "POST" }), routeParams({ id: created.id })), 200);
    expect(rotated.secret).not.toBe(created.secret);
    expect((await deleteRoute(apiRequest(`/api/v1/webhooks/${created.id}`, { key: owner.key, method: "DELETE" }), routeParams({ id: created.id }))).status).toBe(204);
    await expectApiError(await getRoute(apiRequest(`/api/v1/webhooks/${created.id}`, { key: owner.key }), routeParams({ id: created.id })), 404, "not_found");
  });

  test.each([
    [{ url: "ftp://example.com/x", events: ["link.created"] }, "url"],
    [{ url: "http://10.1.2.3/hook", events: ["link.created"] }, "url"],
    [{ url: "http://169.254.169.254/latest/meta-data", events: ["link.created"] }, "url"],
    [{ url: "http://[::1]:9/hook", events: ["link.created"] }, "url"],
    [{ url: "https://user:pw@example.com/", events: ["link.created"] }, "url"],
    [{ url: "https://example.com/", events: [] }, "events"],
    [{ url: "https://example.com/", events: ["link.exploded"] }, "events.0"],
    [{ url: "https://example.com/", events: ["link.created", "link.created"] }, "events"],
    [{ url: "https://example.com/", events: ["link.created"], secret: "mine" }, "secret"],
  ])("%j is refused naming %s; nothing is stored", async (body, field) => {
    const before = await db().select().from(webhookEndpoint);
    const error = await expectApiError(await create(body), 422, "validation_failed", field);
    if (String((body as { url: string }).url).includes("10.1.2.3")) expect(error.message).toMatch(/OUTBOUND_ALLOWLIST/);
    expect(await db().select().from(webhookEndpoint)).toHaveLength(before.length);
  });

  test("scopes and workspaces: read-only keys cannot write, other workspaces see nothing", async () => {
    const target = await receiver();
    const created = await createOk({ url: target.url, events: ["link.created"] });
    const reader = await createKey(owner.workspaceId, owner.userId, ["webhooks:read"]);
    await expectApiError(await create({ url: target.url, events: ["link.created"] }, reader.key), 403, "insufficient_scope");
    expect((await getRoute(apiRequest(`/api/v1/webhooks/${created.id}`, { key: reader.key }), routeParams({ id: created.id }))).status).toBe(200);
    const other = await createWorkspaceWithKey("Umbrella", ["webhooks:read", "webhooks:write"]);
    await expectApiError(await getRoute(apiRequest(`/api/v1/webhooks/${created.id}`, { key: other.apiKey }), routeParams({ id: created.id })), 404, "not_found");
    await expectApiError(await testRoute(apiRequest(`/api/v1/webhooks/${created.id}/test`, { key: other.apiKey, method: "POST" }), routeParams({ id: created.id })), 404, "not_found");
    await deleteRoute(apiRequest(`/api/v1/webhooks/${created.id}`, { key: owner.key, method: "DELETE" }), routeParams({ id: created.id }));
  });

  test("link events arrive signed (HMAC-SHA256 over timestamp and raw body), in the documented shape", async () => {
    const target = await receiver();
    const hook = await createOk({ url: target.url, events: ["link.created", "link.updated", "link.deleted"] });
    const link = await createLink({ url: "https://example.com/launch", key: `hooked-${backend}`, title: "Launch", image: "https://cdn.example/i.png" });

    const created = await target.next("link.created");
    expect(created.headers["content-type"]).toBe("application/json");
    expect(created.headers["signpost-event"]).toBe("link.created");
    expect(created.headers["signpost-event-id"]).toBe(created.json.id);
    expect(created.headers["signpost-delivery"]).toMatch(/^dlv_/);
    const now = Math.floor(Date.now() / 1000);
    expect(verifyWebhookSignature(hook.secret, created.body, created.headers["signpost-signature"] as string, now)).toBe(true);
    // The signature covers the body and the secret: a changed byte or another secret fails.
    expect(verifyWebhookSignature(hook.secret, created.body.replace("launch", "lunch"), created.headers["signpost-signature"] as string, now)).toBe(false);
    expect(verifyWebhookSignature("whsec_other", created.body, created.headers["signpost-signature"] as string, now)).toBe(false);
    expect(verifyWebhookSignature(hook.secret, created.body, created.headers["signpost-signature"] as string, now + 3600)).toBe(false);
    expect(created.json).toMatchObject({ type: "link.created", workspaceId: owner.workspaceId, data: { link: { id: link.id, key: link.key, url: "https://example.com/launch" } } });

    await patchLinkRoute(apiRequest(`/api/v1/links/${link.id}`, { key: owner.key, method: "PATCH", body: { url: "https://example.com/launch-2" } }), routeParams({ id: link.id }));
    expect((await target.next("link.updated")).json.data).toMatchObject({ link: { id: link.id, url: "https://example.com/launch-2" } });
    await deleteLinkRoute(apiRequest(`/api/v1/links/${link.id}`, { key: owner.key, method: "DELETE" }), routeParams({ id: link.id }));
    expect((await target.next("link.deleted")).json.data).toEqual({ link: { id: link.id, domain: link.domain, key: link.key } });

    const log = await waitFor(() => deliveries(hook.id), (list) => list.length === 3 && list.every((d) => d.status === "succeeded"));
    expect(log.map((d) => d.eventType)).toEqual(["link.deleted", "link.updated", "link.created"]);
    expect(log[0]!.log).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200, error: null, responseBody: "ok" })]);
    await deleteRoute(apiRequest(`/api/v1/webhooks/${hook.id}`, { key: owner.key, method: "DELETE" }), routeParams({ id: hook.id }));
  });

  test("clicks are delivered in batches: counted people only, no visitor id, user agent or address", async () => {
    const target = await receiver();
    const hook = await createOk({ url: target.url, events: ["link.clicked"] });
    const link = await createLink({ url: "https://example.com/clicked", title: "t", image: "https://cdn.example/i.png" });
    const at = new Date().toISOString();
    const base = { linkId: link.id, workspaceId: owner.workspaceId, at, url: link.url, userAgent: "Mozilla/5.0 (X11; Linux x86_64)", referrer: "news.example", visitorId: "v".repeat(32) };
    await recordClicks([
      { ...base, id: crypto.randomUUID(), isBot: false, country: "DE" },
      { ...base, id: crypto.randomUUID(), isBot: false, country: "FR" },
      { ...base, id: crypto.randomUUID(), isBot: true, country: "US" },
      { ...base, id: crypto.randomUUID(), isBot: false, country: "NL", reason: "password_form" },
    ]);
    const event = await target.next("link.clicked");
    const clicks = event.json.data.clicks as Record<string, unknown>[];
    expect(clicks.map((c) => c.country).sort()).toEqual(["DE", "FR"]);
    expect(clicks[0]).toMatchObject({ linkId: link.id, domain: link.domain, key: link.key, clickedAt: at, referrer: "news.example" });
    expect(event.body).not.toContain("v".repeat(32));
    expect(event.body).not.toContain("Mozilla");
    expect(target.received.filter((r) => r.json.type === "link.clicked")).toHaveLength(0);
    await deleteRoute(apiRequest(`/api/v1/webhooks/${hook.id}`, { key: owner.key, method: "DELETE" }), routeParams({ id: hook.id }));
  });

  test("a failing endpoint is retried with backoff until it answers; every attempt is in the log", async () => {
    const target = await receiver();
    target.script = [500, 503];
    const hook = await createOk({ url: target.url, events: ["link.created"] });
    await createLink({ url: "https://example.com/retry" });
    const [delivery] = await waitFor(() => deliveries(hook.id), (list) => list[0]?.status === "succeeded");
    expect(delivery!.attempts).toBe(3);
    expect(delivery!.log.map((a) => [a.attempt, a.statusCode, a.error])).toEqual([
      [1, 500, "answered 500"],
      [2, 503, "answered 503"],
      [3, 200, null],
    ]);
    expect(delivery!.log[0]!.responseBody).toBe("no thanks (500)");
    // The same event, three times: one event id, three requests.
    expect(new Set(target.received.map((r) => r.json.id)).size).toBe(1);
    expect(target.received).toHaveLength(3);
    await deleteRoute(apiRequest(`/api/v1/webhooks/${hook.id}`, { key: owner.key, method: "DELETE" }), routeParams({ id: hook.id }));
  });

  test("replay sends the same event again as a new delivery; a test ping reaches the endpoint", async () => {
    const target = await receiver();
    const hook = await createOk({ url: target.url, events: ["link.created"] });
    await createLink({ url: "https://example.com/replayed" });
    const original = await target.next("link.created");
    const [first] = await waitFor(() => deliveries(hook.id), (list) => list[0]?.status === "succeeded");
    const replay = await expectJson<WebhookDeliveryView>(
      await replayRoute(apiRequest(`/api/v1/webhooks/${hook.id}/deliveries/${first!.id}/replay`, { key: owner.key, method: "POST" }), routeParams({ id: hook.id, deliveryId: first!.id })),
      202,
    );
    expect(replay).toMatchObject({ replayOf: first!.id, eventId: first!.eventId, status: "pending" });
    const again = await target.next("link.created");
    expect(again.body).toBe(original.body);
    expect(again.headers["signpost-delivery"]).toBe(replay.id);
    await expectApiError(
      await replayRoute(apiRequest(`/api/v1/webhooks/${hook.id}/deliveries/dlv_nope/replay`, { key: owner.key, method: "POST" }), routeParams({ id: hook.id, deliveryId: "dlv_nope" })),
      404,
      "not_found",
      "deliveryId",
    );
    await expectJson(await testRoute(apiRequest(`/api/v1/webhooks/${hook.id}/test`, { key: owner.key, method: "POST" }), routeParams({ id: hook.id })), 202);
    expect((await target.next("ping")).json.data).toMatchObject({ webhookId: hook.id });
    await deleteRoute(apiRequest(`/api/v1/webhooks/${hook.id}`, { key: owner.key, method: "DELETE" }), routeParams({ id: hook.id }));
  });

  test("deliveries that fail for good switch the endpoint off and email the owners; re-enabling resets it", async () => {
    const target = await receiver();
    target.script = Array(20).fill(500);
    const hook = await createOk({ url: target.url, events: ["link.created"] });
    await createLink({ url: "https://example.com/doomed-1" });
    await createLink({ url: "https://example.com/doomed-2" });
    const disabled = await waitFor(
      async () => (await db().select().from(webhookEndpoint).where(eq(webhookEndpoint.id, hook.id)))[0]!,
      (row) => !row.enabled,
      20_000,
    );
    expect(disabled.consecutiveFailures).toBe(2);
    expect(disabled.disabledReason).toBe("2 deliveries in a row failed; last: answered 500");
    // Setup also mailed the owner (a confirmation): take messages until the webhook one.
    let mail = await smtp.next("ada@example.com");
    while (mail.subject.startsWith("Confirm your email")) mail = await smtp.next("ada@example.com");
    expect(mail.subject).toBe("A webhook of Acme was switched off");
    expect(mail.text).toContain(target.url);
    // The email leads to the endpoint's settings page (its reason, Switch on, the log to replay from).
    expect(mail.text).toContain(`/settings/webhooks/${hook.id}`);
    // While off, new events are not recorded for it.
    const before = (await db().select().from(webhookDelivery).where(eq(webhookDelivery.endpointId, hook.id))).length;
    await createLink({ url: "https://example.com/while-off" });
    expect((await db().select().from(webhookDelivery).where(eq(webhookDelivery.endpointId, hook.id))).length).toBe(before);
    const back = await expectJson<WebhookView>(await patchRoute(apiRequest(`/api/v1/webhooks/${hook.id}`, { key: owner.key, method: "PATCH", body: { enabled: true } }), routeParams({ id: hook.id })), 200);
    expect(back).toMatchObject({ enabled: true, disabledReason: null, consecutiveFailures: 0 });
    await deleteRoute(apiRequest(`/api/v1/webhooks/${hook.id}`, { key: owner.key, method: "DELETE" }), routeParams({ id: hook.id }));
  });

  test("the delivery log filters by status and validates its query", async () => {
    const target = await receiver();
    const hook = await createOk({ url: target.url, events: ["link.created"] });
    await createLink({ url: "https://example.com/logged" });
    await waitFor(() => deliveries(hook.id, "?status=succeeded"), (list) => list.length === 1);
    expect(await deliveries(hook.id, "?status=failed")).toEqual([]);
    await expectApiError(await deliveriesRoute(apiRequest(`/api/v1/webhooks/${hook.id}/deliveries?limit=0`, { key: owner.key }), routeParams({ id: hook.id })), 422, "validation_failed", "limit");
    await deleteRoute(apiRequest(`/api/v1/webhooks/${hook.id}`, { key: owner.key, method: "DELETE" }), routeParams({ id: hook.id }));
  });
});
