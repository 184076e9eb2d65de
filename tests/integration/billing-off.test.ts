/**
 * Billing not configured (no STRIPE_SECRET_KEY, the default): no limit applies, nothing is counted,
 * and the billing endpoints say billing is not enabled. Its own file: the configuration is read once
 * per process, and tests/integration/billing.test.ts turns billing on.
 */
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GET as overviewRoute } from "@/app/api/v1/billing/route";
import { POST as checkoutRoute } from "@/app/api/v1/billing/checkout/route";
import { POST as portalRoute } from "@/app/api/v1/billing/portal/route";
import { POST as bulkCreate } from "@/app/api/v1/links/bulk/route";
import { POST as stripeWebhookRoute } from "@/app/api/webhooks/stripe/route";
import { PLAN_LIMITS } from "@/core/plans";
import { signIn } from "@/server/auth/accounts";
import { enforcePlanLimit } from "@/server/billing/limits";
import type { BillingOverview } from "@/server/billing/overview";
import { domain, link, stripeEvent, workspaceUsage } from "@/server/db/schema";
import { backends, type TestDatabase } from "../support/databases";
import { signedEvent } from "../support/fake-stripe";
import { apiRequest, expectApiError, expectJson, openWithOwner, PASSWORD, type Owner } from "../support/integration-helpers";
import { CookieJar } from "./auth-helpers";

describe.each(backends())("billing off on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: Owner;

  beforeAll(async () => {
    ({ testDb, owner } = await openWithOwner(backend));
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  const db = () => testDb.database.db;

  test("no limit: more links than any free plan allows, more domains; nothing counted", async () => {
    const n = PLAN_LIMITS.free.links! + 20;
    const links = Array.from({ length: n }, (_, i) => ({ url: `https://example.com/${i}` }));
    await expectJson(await bulkCreate(apiRequest("/api/v1/links/bulk", { key: owner.key, body: { links } })), 201);
    expect((await db().select({ n: count() }).from(link).where(eq(link.workspaceId, owner.workspaceId)))[0]!.n).toBe(n);
    expect(await db().select().from(workspaceUsage)).toEqual([]);
    for (const host of ["a.example", "b.example", "c.example"]) {
      await db().transaction(async (tx) => {
        await enforcePlanLimit(tx, owner.workspaceId, "domains");
        await tx.insert(domain).values({ id: `dom_${host}`, workspaceId: owner.workspaceId, host });
      });
    }
    const overview = await expectJson<BillingOverview>(await overviewRoute(apiRequest("/api/v1/billing", { key: owner.key })), 200);
    expect(overview).toMatchObject({ enabled: false, plan: null, subscription: null, hasCustomer: false });
    expect(overview.usage.every((u) => u.limit === null)).toBe(true);
    expect(overview.usage.find((u) => u.resource === "domains")).toEqual({ resource: "domains", used: 3, limit: null });
  });

  test("checkout, portal and the Stripe webhook answer billing_disabled (404) and store nothing", async () => {
    const jar = new CookieJar().store((await signIn({ email: "ada@example.com", password: PASSWORD, remember: true }, new CookieJar().headers())).cookies);
    const asOwner = (path: string, body?: unknown) => apiRequest(path, { method: "POST", body, headers: { cookie: jar.header() } });
    await expectApiError(await checkoutRoute(asOwner("/api/v1/billing/checkout", { plan: "pro" })), 404, "billing_disabled");
    await expectApiError(await portalRoute(asOwner("/api/v1/billing/portal")), 404, "billing_disabled");
    const event = signedEvent("whsec_anything", { type: "customer.subscription.updated", object: { id: "sub_1" } });
    await expectApiError(
      await stripeWebhookRoute(new Request("http://localhost:3000/api/webhooks/stripe", { method: "POST", headers: { "stripe-signature": event.signature }, body: event.body })),
      404,
      "billing_disabled",
    );
    expect(await db().select().from(stripeEvent)).toEqual([]);
  });
});
