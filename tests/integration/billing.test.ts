/**
 * Billing against a local fake Stripe (tests/support/fake-stripe.ts) that the official SDK reaches
 * through STRIPE_API_URL, on real databases: Checkout and the portal (owner only, one customer),
 * the inbound webhook (signature over the raw body, idempotent by event id, state re-read from
 * Stripe so out-of-order events cannot roll a plan back), and every plan limit at its boundary and
 * under concurrency. Billing off is tests/integration/billing-off.test.ts.
 */
import { and, count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { GET as overviewRoute } from "@/app/api/v1/billing/route";
import { POST as checkoutRoute } from "@/app/api/v1/billing/checkout/route";
import { POST as portalRoute } from "@/app/api/v1/billing/portal/route";
import { POST as addDomainRoute } from "@/app/api/v1/domains/route";
import { POST as uploadImportRoute } from "@/app/api/v1/imports/route";
import { POST as startImportRoute } from "@/app/api/v1/imports/[id]/start/route";
import { POST as bulkCreate } from "@/app/api/v1/links/bulk/route";
import { POST as createRoute } from "@/app/api/v1/links/route";
import { POST as stripeWebhookRoute } from "@/app/api/webhooks/stripe/route";
import { GET as metricsRoute } from "@/app/metrics/route";
import { refusal } from "@/app/(dashboard)/app/links/_editor/save";
import type { CreateLinkInput, LinkView } from "@/core/link";
import { PLAN_LIMITS, type Plan } from "@/core/plans";
import { isGatedPath } from "@/edge/session-gate";
import { servedByEdge } from "@/edge/route-request";
import { AccountError, cancelInvitation, deleteWorkspace, inviteMember, signIn } from "@/server/auth/accounts";
import { memberPrincipal } from "@/server/auth/principal";
import { clicksOverLimit } from "@/server/billing/clicks";
import { clicksTrackedInMonth, enforcePlanLimit, monthKey } from "@/server/billing/limits";
import type { BillingOverview } from "@/server/billing/overview";
import { recordClicks } from "@/server/clicks/ingest";
import { runImport } from "@/server/imports/run";
import { createLink } from "@/server/links/service";
import { click, clickWorkspaceRollupDay, domain, invitation, link, linkImport, stripeEvent, workspaceBilling, workspaceUsage } from "@/server/db/schema";
import { backends, type TestDatabase } from "../support/databases";
import { FakeStripe, signedEvent } from "../support/fake-stripe";
import { apiRequest, expectApiError, expectJson, openWithOwner, PASSWORD, type Owner } from "../support/integration-helpers";
import { CookieJar, startSmtp, type TestSmtp } from "./auth-helpers";

const PRICES = { pro: "price_pro_test", business: "price_business_test" };
const WEBHOOK_SECRET = "whsec_test_signpost_billing";

let stripe: FakeStripe;
let smtp: TestSmtp;
beforeAll(async () => {
  stripe = new FakeStripe();
  await stripe.start();
  smtp = await startSmtp();
  vi.stubEnv("SMTP_URL", smtp.url);
  vi.stubEnv("STRIPE_SECRET_KEY", "sk_test_signpost_billing");
  vi.stubEnv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET);
  vi.stubEnv("STRIPE_PRICE_PRO", PRICES.pro);
  vi.stubEnv("STRIPE_PRICE_BUSINESS", PRICES.business);
  vi.stubEnv("STRIPE_API_URL", stripe.url);
});
afterAll(async () => {
  await stripe?.stop();
  await smtp?.stop();
  vi.unstubAllEnvs();
});

describe.each(backends())("billing on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: Owner;
  let ownerJar: CookieJar;

  beforeAll(async () => {
    stripe.reset();
    ({ testDb, owner } = await openWithOwner(backend));
    ownerJar = new CookieJar().store((await signIn({ email: "ada@example.com", password: PASSWORD, remember: true }, new CookieJar().headers())).cookies);
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  const db = () => testDb.database.db;
  const asOwner = (path: string, body?: unknown) => apiRequest(path, { method: "POST", body, headers: { cookie: ownerJar.header() } });
  const billingRow = async () => (await db().select().from(workspaceBilling).where(eq(workspaceBilling.workspaceId, owner.workspaceId)))[0];
  const eventCount = async () => (await db().select({ n: count() }).from(stripeEvent))[0]!.n;
  const deliver = (event: { body: string; signature: string }) =>
    stripeWebhookRoute(new Request("http://localhost:3000/api/webhooks/stripe", { method: "POST", headers: { "stripe-signature": event.signature, "content-type": "application/json" }, body: event.body }));
  const setPlan = async (plan: Plan) => {
    await db().insert(workspaceBilling).values({ workspaceId: owner.workspaceId, plan }).onConflictDoUpdate({ target: workspaceBilling.workspaceId, set: { plan } });
  };
  const setLinksCreated = async (n: number) => {
    const month = monthKey(new Date());
    await db().insert(workspaceUsage).values({ workspaceId: owner.workspaceId, month, linksCreated: n }).onConflictDoUpdate({ target: [workspaceUsage.workspaceId, workspaceUsage.month], set: { linksCreated: n } });
  };
  const linksCreated = async () => (await db().select().from(workspaceUsage).where(eq(workspaceUsage.workspaceId, owner.workspaceId)))[0]?.linksCreated ?? 0;
  const linkRows = async () => (await db().select({ n: count() }).from(link).where(eq(link.workspaceId, owner.workspaceId)))[0]!.n;

  test("the Stripe webhook path is neither a short link nor behind the session gate", () => {
    expect(servedByEdge("localhost:3000", "/api/webhooks/stripe", { shortDomains: ["localhost:3000"], appHost: "localhost:3000" })).toBe(false);
    expect(isGatedPath("/api/webhooks/stripe")).toBe(false);
  });

  test("checkout: owners only; one Stripe customer however often; the plan's price; a Checkout URL", async () => {
    await expectApiError(await checkoutRoute(apiRequest("/api/v1/billing/checkout", { key: owner.key, body: { plan: "pro" } })), 403, "forbidden");
    await expectApiError(await checkoutRoute(asOwner("/api/v1/billing/checkout", { plan: "enterprise" })), 422, "validation_failed", "plan");
    expect(stripe.requests).toHaveLength(0);

    const first = await expectJson<{ url: string; sessionId: string }>(await checkoutRoute(asOwner("/api/v1/billing/checkout", { plan: "pro" })), 201);
    expect(first.url).toMatch(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_/);
    const second = await expectJson<{ url: string }>(await checkoutRoute(asOwner("/api/v1/billing/checkout", { plan: "business" })), 201);
    expect(second.url).not.toBe(first.url);

    const customers = stripe.calls("POST", "/v1/customers");
    expect(customers).toHaveLength(1);
    expect(customers[0]!.params).toMatchObject({ email: "ada@example.com", name: "Acme", "metadata[workspaceId]": owner.workspaceId });
    expect(customers[0]!.idempotencyKey).toBe(`signpost-customer-${owner.workspaceId}`);
    const customerId = (await billingRow())!.stripeCustomerId!;
    expect(stripe.customers.has(customerId)).toBe(true);

    const sessions = stripe.calls("POST", "/v1/checkout/sessions");
    expect(sessions.map((s) => s.params["line_items[0][price]"])).toEqual([PRICES.pro, PRICES.business]);
    expect(sessions[0]!.params).toMatchObject({
      mode: "subscription",
      customer: customerId,
      client_reference_id: owner.workspaceId,
      "subscription_data[metadata][workspaceId]": owner.workspaceId,
      success_url: "http://localhost:3000/settings/billing?checkout=success",
    });
    expect((await billingRow())!.plan).toBe("free");

    const portal = await expectJson<{ url: string }>(await portalRoute(asOwner("/api/v1/billing/portal")), 201);
    expect(portal.url).toMatch(/^https:\/\/billing\.stripe\.test\/p\/session\/bps_/);
    expect(stripe.calls("POST", "/v1/billing_portal/sessions")[0]!.params).toMatchObject({ customer: customerId, return_url: "http://localhost:3000/settings/billing" });
  });

  test("a bad or missing signature is refused with 400 and changes nothing", async () => {
    const customer = (await billingRow())!.stripeCustomerId!;
    const subscription = stripe.setSubscription({ customer, price: PRICES.business, status: "active" });
    const genuine = signedEvent(WEBHOOK_SECRET, { type: "customer.subscription.updated", object: subscription });
    const forged = signedEvent("whsec_someone_else", { type: "customer.subscription.updated", object: subscription });
    const before = { events: await eventCount(), row: await billingRow(), retrieves: stripe.calls("GET", `/v1/subscriptions/${subscription.id}`).length };

    await expectApiError(await deliver(forged), 400, "invalid_signature", "stripe-signature");
    await expectApiError(await deliver({ body: genuine.body.replace('"active"', '"trialing"'), signature: genuine.signature }), 400, "invalid_signature", "stripe-signature");
    await expectApiError(await stripeWebhookRoute(new Request("http://localhost:3000/api/webhooks/stripe", { method: "POST", body: genuine.body })), 400, "invalid_signature", "stripe-signature");

    await expectApiError(await deliver({ body: "x".repeat(1_000_001), signature: genuine.signature }), 413, "payload_too_large");

    expect(await eventCount()).toBe(before.events);
    expect(await billingRow()).toEqual(before.row);
    expect(stripe.calls("GET", `/v1/subscriptions/${subscription.id}`)).toHaveLength(before.retrieves);
  });

  test("checkout.session.completed sets the plan from the subscription; a replayed event id does nothing again", async () => {
    const customer = (await billingRow())!.stripeCustomerId!;
    const subscription = stripe.setSubscription({ customer, price: PRICES.pro, status: "active", workspaceId: owner.workspaceId });
    const completed = signedEvent(WEBHOOK_SECRET, {
      type: "checkout.session.completed",
      object: { id: "cs_test_done", object: "checkout.session", customer, subscription: subscription.id, client_reference_id: owner.workspaceId, metadata: { workspaceId: owner.workspaceId } },
    });
    expect(await expectJson(await deliver(completed), 200)).toEqual({ received: true, duplicate: false });
    expect(await billingRow()).toMatchObject({ plan: "pro", stripeSubscriptionId: subscription.id, subscriptionStatus: "active", cancelAtPeriodEnd: false });
    expect((await billingRow())!.currentPeriodEnd!.getTime()).toBeGreaterThan(Date.now());

    // Stripe redelivers the same event after the subscription moved on: the id was applied already.
    stripe.setSubscription({ id: subscription.id, customer, price: PRICES.business, status: "active" });
    const retrieves = stripe.calls("GET", `/v1/subscriptions/${subscription.id}`).length;
    const events = await eventCount();
    expect(await expectJson(await deliver(completed), 200)).toEqual({ received: true, duplicate: true });
    expect((await billingRow())!.plan).toBe("pro");
    expect(await eventCount()).toBe(events);
    expect(stripe.calls("GET", `/v1/subscriptions/${subscription.id}`)).toHaveLength(retrieves);

    // A new event about it applies Stripe's current state (business), not the event's copy.
    const updated = signedEvent(WEBHOOK_SECRET, { type: "customer.subscription.updated", object: { ...subscription, status: "incomplete" } });
    await expectJson(await deliver(updated), 200);
    expect((await billingRow())!.plan).toBe("business");

    await expectApiError(await checkoutRoute(asOwner("/api/v1/billing/checkout", { plan: "pro" })), 409, "conflict", "plan");
    // Deleting a paying workspace would leave Stripe charging for it.
    const refused = await deleteWorkspace(ownerJar.headers(), "Acme").then(() => expect.unreachable("should have been refused"), (e: unknown) => e as AccountError);
    expect(refused).toMatchObject({ code: "subscription_active" });
    expect(refused.message).toContain("Cancel it under Settings → Billing → Manage billing first");
  });

  test("out of order: a late 'updated' after 'deleted' does not bring the plan back; payment failure keeps the plan, past due", async () => {
    const customer = (await billingRow())!.stripeCustomerId!;
    const subscriptionId = (await billingRow())!.stripeSubscriptionId!;
    const live = stripe.subscriptions.get(subscriptionId) as never;
    const staleUpdate = signedEvent(WEBHOOK_SECRET, { type: "customer.subscription.updated", object: live, created: Math.floor(Date.now() / 1000) - 60 });

    const failed = stripe.setSubscription({ id: subscriptionId, customer, price: PRICES.business, status: "past_due" });
    await expectJson(
      await deliver(signedEvent(WEBHOOK_SECRET, { type: "invoice.payment_failed", object: { id: "in_test_1", object: "invoice", customer, parent: { type: "subscription_details", subscription_details: { subscription: failed.id } } } })),
      200,
    );
    expect(await billingRow()).toMatchObject({ plan: "business", subscriptionStatus: "past_due" });

    const canceled = stripe.setSubscription({ id: subscriptionId, customer, price: PRICES.business, status: "canceled" });
    await expectJson(await deliver(signedEvent(WEBHOOK_SECRET, { type: "customer.subscription.deleted", object: canceled })), 200);
    expect(await billingRow()).toMatchObject({ plan: "free", subscriptionStatus: "canceled" });

    // The 'updated' event (status active in its payload) arrives last: Stripe says canceled.
    await expectJson(await deliver(staleUpdate), 200);
    expect(await billingRow()).toMatchObject({ plan: "free", subscriptionStatus: "canceled" });
  });

  test("Stripe unreachable for the re-read: 500, nothing stored, so Stripe's retry applies the event later", async () => {
    const customer = (await billingRow())!.stripeCustomerId!;
    const subscription = stripe.setSubscription({ customer, price: PRICES.pro, status: "active" });
    const event = signedEvent(WEBHOOK_SECRET, { type: "customer.subscription.created", object: subscription });
    const before = { events: await eventCount(), row: await billingRow() };
    stripe.failNext = 3; // the SDK's first try and its two retries
    await expectApiError(await deliver(event), 500, "internal_error");
    expect(await eventCount()).toBe(before.events);
    expect(await billingRow()).toEqual(before.row);

    expect(await expectJson(await deliver(event), 200)).toEqual({ received: true, duplicate: false });
    expect(await billingRow()).toMatchObject({ plan: "pro", stripeSubscriptionId: subscription.id });
    // Back to where the next tests expect the workspace: its subscription canceled, on Free.
    const canceled = stripe.setSubscription({ id: subscription.id, customer, price: PRICES.pro, status: "canceled" });
    await expectJson(await deliver(signedEvent(WEBHOOK_SECRET, { type: "customer.subscription.deleted", object: canceled })), 200);
    expect(await billingRow()).toMatchObject({ plan: "free", subscriptionStatus: "canceled" });
  });

  test("a state read from Stripe earlier than the stored one is ignored", async () => {
    const { applySubscription } = await import("@/server/billing/subscription");
    const { serverConfig } = await import("@/config/env");
    const customer = (await billingRow())!.stripeCustomerId!;
    const subscription = stripe.setSubscription({ customer, price: PRICES.pro, status: "active" });
    const stored = (await billingRow())!.syncedAt!;
    const changed = await db().transaction((tx) => applySubscription(tx, subscription, new Date(stored.getTime() - 1000), serverConfig().billing!));
    expect(changed).toBeNull();
    expect((await billingRow())!.plan).toBe("free");
  });

  test("links: the monthly limit holds at the boundary, for bulk all-or-nothing, and counts creations not rows", async () => {
    await setPlan("free");
    const limit = PLAN_LIMITS.free.links!;
    await setLinksCreated(limit - 2);
    await expectJson<LinkView>(await createRoute(apiRequest("/api/v1/links", { key: owner.key, body: { url: "https://example.com/a" } })), 201);
    const rows = await linkRows();

    const bulk = await bulkCreate(apiRequest("/api/v1/links/bulk", { key: owner.key, body: { links: [{ url: "https://example.com/b" }, { url: "https://example.com/c" }] } }));
    const error = await expectApiError(bulk, 402, "plan_limit_reached", "links");
    expect(error.message).toContain("Free plan allows 100 links created this month");
    expect(await linkRows()).toBe(rows);
    expect(await linksCreated()).toBe(limit - 1);

    await expectJson<LinkView>(await createRoute(apiRequest("/api/v1/links", { key: owner.key, body: { url: "https://example.com/last" } })), 201);
    expect(await linksCreated()).toBe(limit);
    await expectApiError(await createRoute(apiRequest("/api/v1/links", { key: owner.key, body: { url: "https://example.com/over" } })), 402, "plan_limit_reached", "links");
    // The link editor shows the limit as the form's message (no field of the form is at fault).
    const refused = await createLink(memberPrincipal(owner.userId, owner.workspaceId, "owner"), { url: "https://example.com/editor" } as CreateLinkInput).then(
      () => expect.unreachable("should have been refused"),
      (error: unknown) => refusal(error),
    );
    expect(refused).toEqual({ status: "error", message: expect.stringContaining("Free plan allows 100 links"), fields: {} });

    // A bigger plan lifts it at once.
    await setPlan("pro");
    await expectJson<LinkView>(await createRoute(apiRequest("/api/v1/links", { key: owner.key, body: { url: "https://example.com/pro" } })), 201);
    await setPlan("free");
  });

  test("links: 10 concurrent creates with one left: exactly one wins", async () => {
    await setPlan("free");
    await setLinksCreated(PLAN_LIMITS.free.links! - 1);
    const rows = await linkRows();
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => createRoute(apiRequest("/api/v1/links", { key: owner.key, body: { url: `https://example.com/race/${i}` } }))));
    expect(responses.map((r) => r.status).sort()).toEqual([201, ...Array<number>(9).fill(402)]);
    for (const response of responses.filter((r) => r.status === 402)) await expectApiError(response, 402, "plan_limit_reached", "links");
    expect(await linkRows()).toBe(rows + 1);
    expect(await linksCreated()).toBe(PLAN_LIMITS.free.links);
  });

  test("members: invitations take seats; the limit holds, also for concurrent invitations", async () => {
    await setPlan("free");
    expect(PLAN_LIMITS.free.members).toBe(2); // the owner and one more
    const refusal = async (attempt: Promise<unknown>) => {
      const error = await attempt.then(() => expect.unreachable("should have been refused"), (e: unknown) => e);
      expect(error).toBeInstanceOf(AccountError);
      return error as AccountError;
    };
    const { invitationId } = await inviteMember(ownerJar.headers(), "bo@example.com", "member");
    const over = await refusal(inviteMember(ownerJar.headers(), "cy@example.com", "member"));
    expect(over.code).toBe("plan_limit_reached");
    expect(over.message).toContain("Free plan allows 2 members and pending invitations");
    await cancelInvitation(ownerJar.headers(), invitationId);

    const results = await Promise.allSettled(["dee@example.com", "eve@example.com", "fay@example.com"].map((email) => inviteMember(ownerJar.headers(), email, "viewer")));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect((r.reason as AccountError).code).toBe("plan_limit_reached");
    const pending = await db().select().from(invitation).where(and(eq(invitation.organizationId, owner.workspaceId), eq(invitation.status, "pending")));
    expect(pending).toHaveLength(1);
  });

  test("domains: enforcePlanLimit counts the workspace's domains and serialises concurrent adds", async () => {
    await setPlan("free");
    const add = (host: string) =>
      db().transaction(async (tx) => {
        await enforcePlanLimit(tx, owner.workspaceId, "domains");
        await tx.insert(domain).values({ id: `dom_${crypto.randomUUID()}`, workspaceId: owner.workspaceId, host });
      });
    const results = await Promise.allSettled(["one.example", "two.example", "three.example"].map(add));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(PLAN_LIMITS.free.domains!);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "plan_limit_reached", field: "domains", status: 402 });
    expect((await db().select({ n: count() }).from(domain).where(eq(domain.workspaceId, owner.workspaceId)))[0]!.n).toBe(1);
    await setPlan("pro");
    await add("four.example");
    await setPlan("free");
  });

  test("imports count against the monthly link limit: all-or-nothing past it imports nothing; skip-invalid stops at it", async () => {
    await setPlan("free");
    const limit = PLAN_LIMITS.free.links!;
    const usageBefore = await linksCreated();
    await setLinksCreated(limit - 2);
    const csv = "url\n" + [1, 2, 3].map((n) => `https://example.com/imported-${n}`).join("\n") + "\n";
    const importWith = async (mode: "all_or_nothing" | "skip_invalid") => {
      const uploaded = await expectJson<{ id: string; mapping: (string | null)[] }>(
        await uploadImportRoute(apiRequest("/api/v1/imports", { key: owner.key, body: csv, headers: { "content-type": "text/csv", "x-filename": "links.csv" } })),
        201,
      );
      await expectJson(await startImportRoute(apiRequest(`/api/v1/imports/${uploaded.id}/start`, { key: owner.key, body: { mapping: uploaded.mapping, mode } }), { params: Promise.resolve({ id: uploaded.id }) }), 202);
      await runImport(db(), uploaded.id);
      return (await db().select().from(linkImport).where(eq(linkImport.id, uploaded.id)))[0]!;
    };
    const rows = await linkRows();
    const all = await importWith("all_or_nothing");
    expect(all.status).toBe("failed");
    expect(all.error).toContain("Free plan allows 100 links created this month");
    expect(await linkRows()).toBe(rows);
    expect(await linksCreated()).toBe(limit - 2);

    // Batches commit one by one in skip-invalid mode: the batch that would pass the limit is refused whole.
    const skip = await importWith("skip_invalid");
    expect(skip.status).toBe("failed");
    expect(await linkRows()).toBe(rows);
    await setPlan("pro");
    expect((await importWith("skip_invalid")).status).toBe("completed");
    expect(await linkRows()).toBe(rows + 3);
    expect(await linksCreated()).toBe(limit + 1);
    // The usage figures the tests below check stay as they were.
    await setLinksCreated(usageBefore);
    await setPlan("free");
  });

  test("domains through the API: adding one past the plan's limit is a 402 on `domains` and writes nothing", async () => {
    await setPlan("free");
    const earlier = await db().delete(domain).where(eq(domain.workspaceId, owner.workspaceId)).returning();
    const add = (host: string) => addDomainRoute(apiRequest("/api/v1/domains", { key: owner.key, body: { host } }));
    for (let i = 0; i < PLAN_LIMITS.free.domains!; i++) expect((await add(`api-${i}.example`)).status).toBe(201);
    await expectApiError(await add("over.example"), 402, "plan_limit_reached", "domains");
    const hosts = (await db().select({ host: domain.host }).from(domain).where(eq(domain.workspaceId, owner.workspaceId))).map((r) => r.host);
    expect(hosts).not.toContain("over.example");
    expect(hosts).toHaveLength(PLAN_LIMITS.free.domains!);
    // The domains of the test before stay what the usage tests below count.
    await db().delete(domain).where(eq(domain.workspaceId, owner.workspaceId));
    await db().insert(domain).values(earlier);
  });

  test("clicks: past the monthly tracked limit, human clicks are not stored (and counted in the metric); bots still are", async () => {
    await setPlan("free");
    const [target] = await db().select().from(link).where(eq(link.workspaceId, owner.workspaceId)).limit(1);
    const limit = PLAN_LIMITS.free.clicks!;
    const now = new Date();
    const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    // Earlier this month the workspace tracked all but two of its clicks.
    const tracked = await clicksTrackedInMonth(db(), owner.workspaceId, now);
    await db()
      .insert(clickWorkspaceRollupDay)
      .values({ workspaceId: owner.workspaceId, bucket: day, dimension: "all", value: "", isBot: false, clicks: limit - 2 - tracked })
      .onConflictDoUpdate({
        target: [clickWorkspaceRollupDay.workspaceId, clickWorkspaceRollupDay.dimension, clickWorkspaceRollupDay.bucket, clickWorkspaceRollupDay.value, clickWorkspaceRollupDay.isBot],
        set: { clicks: sql`${clickWorkspaceRollupDay.clicks} + ${limit - 2 - tracked}` },
      });
    expect(await clicksTrackedInMonth(db(), owner.workspaceId, now)).toBe(limit - 2);
    const dropped = clicksOverLimit.dropped;
    const base = { linkId: target!.id, workspaceId: owner.workspaceId, url: target!.url, userAgent: "Mozilla/5.0", referrer: null, country: null };
    const humans = Array.from({ length: 5 }, (_, i) => ({ ...base, id: crypto.randomUUID(), isBot: false, at: new Date(now.getTime() - 5000 + i * 1000).toISOString() }));
    const bot = { ...base, id: crypto.randomUUID(), isBot: true, at: now.toISOString() };
    const result = await recordClicks([...humans, bot]);
    expect(result).toEqual({ accepted: 3, duplicates: 0, unknownLinks: 0 });
    const stored = new Set((await db().select({ id: click.id }).from(click).where(eq(click.linkId, target!.id))).map((r) => r.id));
    expect(humans.map((h) => stored.has(h.id))).toEqual([true, true, false, false, false]);
    expect(stored.has(bot.id)).toBe(true);
    expect(clicksOverLimit.dropped - dropped).toBe(3);
    const metrics = await (await metricsRoute(new Request("http://localhost:3000/metrics"))).text();
    expect(metrics).toContain(`\nsignpost_clicks_over_plan_limit_total ${clicksOverLimit.dropped}\n`);

    // Redelivered: the two stored ones are duplicates, not new clicks over the limit.
    expect(await recordClicks(humans.slice(0, 2))).toEqual({ accepted: 0, duplicates: 2, unknownLinks: 0 });
    const overview = await expectJson<BillingOverview>(await overviewRoute(apiRequest("/api/v1/billing", { key: owner.key })), 200);
    expect(overview.usage.find((u) => u.resource === "clicks")).toEqual({ resource: "clicks", used: limit, limit });
  });

  test("GET /billing: the plan, usage against limits and the subscription", async () => {
    const overview = await expectJson<BillingOverview>(await overviewRoute(apiRequest("/api/v1/billing", { key: owner.key })), 200);
    expect(overview).toMatchObject({ enabled: true, plan: "free", hasCustomer: true, subscription: { status: "canceled" } });
    expect(overview.usage.map((u) => [u.resource, u.used, u.limit])).toEqual([
      ["links", PLAN_LIMITS.free.links, PLAN_LIMITS.free.links],
      ["clicks", PLAN_LIMITS.free.clicks, PLAN_LIMITS.free.clicks],
      ["members", 2, 2],
      ["domains", 2, 1],
    ]);
  });
});

