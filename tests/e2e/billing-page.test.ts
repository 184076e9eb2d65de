/**
 * The billing settings page on the built app, in chromium, with a local fake Stripe
 * (tests/support/fake-stripe.ts) as the app's STRIPE_API_URL: the owner sees the Free plan and usage
 * bars, upgrades through a server action that sends the browser to Stripe Checkout, Stripe's signed
 * webhook reaches /api/webhooks/stripe through the middleware, and the page then shows the Pro plan
 * with Manage billing (the portal). Screenshots at 390 and 1280 px in tmp/screenshots/.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startApp, type RunningApp } from "../support/app-server";
import { FakeStripe, signedEvent } from "../support/fake-stripe";
import { linkIn, startSmtp, type TestSmtp } from "../integration/auth-helpers";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (see .ci/run)`);
const SCREENSHOTS = path.resolve("tmp", "screenshots");
const PASSWORD = "correct horse battery staple";
const WEBHOOK_SECRET = "whsec_e2e_billing";
const PRICES = { pro: "price_pro_e2e", business: "price_business_e2e" };

describe.skipIf(!haveChromium)("billing page in chromium", () => {
  let app: RunningApp;
  let browser: Browser;
  let apiKey: string;
  let workspaceId: string;
  const stripe = new FakeStripe();
  let smtp: TestSmtp;
  /** The subscription the first test creates: the second cancels it. */
  let paid: { customer: string; subscription: string } | null = null;

  async function signIn(page: Page, email: string, password = PASSWORD) {
    await page.goto(`${app.url}/login`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  }

  async function deliver(type: string, object: unknown) {
    const event = signedEvent(WEBHOOK_SECRET, { type, object });
    const response = await fetch(`${app.url}/api/webhooks/stripe`, { method: "POST", headers: { "stripe-signature": event.signature, "content-type": "application/json" }, body: event.body });
    expect(response.status).toBe(200);
  }

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await stripe.start();
    smtp = await startSmtp();
    app = await startApp(process.env.DATABASE_URL ? "postgres" : "pglite", {
      SMTP_URL: smtp.url,
      STRIPE_SECRET_KEY: "sk_test_e2e_billing",
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_PRICE_PRO: PRICES.pro,
      STRIPE_PRICE_BUSINESS: PRICES.business,
      STRIPE_API_URL: stripe.url,
    });
    const setup = await fetch(`${app.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Ada", email: "ada@example.com", password: PASSWORD, workspace: "Acme" }),
    });
    expect(setup.status).toBe(201);
    const body = (await setup.json()) as { apiKey: { key: string }; workspace: { id: string } };
    apiKey = body.apiKey.key;
    workspaceId = body.workspace.id;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await stripe.stop();
    await smtp?.stop();
  });

  test("usage against the Free plan, upgrade through Checkout, the webhook sets Pro, portal offered", async () => {
    const links = Array.from({ length: 83 }, (_, i) => ({ url: `https://example.com/${i}` }));
    const bulk = await fetch(`${app.url}/api/v1/links/bulk`, { method: "POST", headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" }, body: JSON.stringify({ links }) });
    expect(bulk.status).toBe(201);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      // Stripe's hosted pages are not reachable from here: answer them in the browser.
      await page.route("https://checkout.stripe.test/**", (route) => route.fulfill({ contentType: "text/html", body: "<title>Stripe Checkout</title><h1>Stripe Checkout</h1>" }));
      await page.route("https://billing.stripe.test/**", (route) => route.fulfill({ contentType: "text/html", body: "<title>Stripe portal</title><h1>Stripe portal</h1>" }));
      await page.goto(`${app.url}/settings/billing`);
      await page.waitForURL(`${app.url}/login?next=%2Fsettings%2Fbilling`);
      await page.getByLabel("Email").fill("ada@example.com");
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${app.url}/settings/billing`);

      expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Billing of Acme");
      expect(await page.getByRole("heading", { name: "Free plan" }).count()).toBe(1);
      expect(await page.getByRole("link", { name: "Billing" }).getAttribute("aria-current")).toBe("page");
      const linksRow = page.locator("li.usage", { hasText: "Links created" });
      expect(await linksRow.locator(".usage-figure").textContent()).toBe("83 of 100");
      expect(await linksRow.locator(".usage-bar").getAttribute("class")).toContain("usage-high");
      expect(await page.locator("li.usage", { hasText: "Members" }).locator(".usage-figure").textContent()).toBe("1 of 2");
      expect(await page.getByRole("button", { name: "Manage billing" }).count()).toBe(0);

      const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(await overflow()).toBe(0);
      await page.screenshot({ path: path.join(SCREENSHOTS, "billing-desktop.png"), fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.reload();
      expect(await overflow()).toBe(0);
      await page.screenshot({ path: path.join(SCREENSHOTS, "billing-phone.png"), fullPage: true });
      await page.setViewportSize({ width: 1280, height: 900 });

      await page.getByRole("button", { name: "Upgrade to Pro" }).click();
      await page.waitForURL(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_/);
      const session = stripe.calls("POST", "/v1/checkout/sessions")[0]!;
      expect(session.params).toMatchObject({ "line_items[0][price]": PRICES.pro, client_reference_id: workspaceId, success_url: `${app.url}/settings/billing?checkout=success` });

      // Stripe completes the payment and tells us, signed, through the middleware to Node.
      const subscription = stripe.setSubscription({ customer: session.params.customer!, price: PRICES.pro, status: "active", workspaceId });
      paid = { customer: session.params.customer!, subscription: subscription.id };
      const event = signedEvent(WEBHOOK_SECRET, {
        type: "checkout.session.completed",
        object: { id: "cs_e2e", object: "checkout.session", customer: session.params.customer, subscription: subscription.id, client_reference_id: workspaceId },
      });
      const delivered = await fetch(`${app.url}/api/webhooks/stripe`, { method: "POST", headers: { "stripe-signature": event.signature, "content-type": "application/json" }, body: event.body });
      expect(delivered.status).toBe(200);
      expect(await delivered.json()).toEqual({ received: true, duplicate: false });
      const forged = await fetch(`${app.url}/api/webhooks/stripe`, { method: "POST", headers: { "stripe-signature": "t=1,v1=00", "content-type": "application/json" }, body: event.body });
      expect(forged.status).toBe(400);
      expect(((await forged.json()) as { error: { code: string } }).error.code).toBe("invalid_signature");

      await page.goto(`${app.url}/settings/billing?checkout=success`);
      expect(await page.getByRole("status").first().textContent()).toContain("Thank you");
      expect(await page.getByRole("heading", { name: "Pro plan" }).count()).toBe(1);
      expect(await page.locator("li.usage", { hasText: "Links created" }).locator(".usage-figure").textContent()).toBe("83 of 2,000");
      expect(await page.getByRole("button", { name: /^Upgrade/ }).count()).toBe(0);
      await page.screenshot({ path: path.join(SCREENSHOTS, "billing-pro-desktop.png"), fullPage: true });

      await page.getByRole("button", { name: "Manage billing" }).click();
      await page.waitForURL(/^https:\/\/billing\.stripe\.test\/p\/session\/bps_/);
      expect(stripe.calls("POST", "/v1/billing_portal/sessions")[0]!.params.return_url).toBe(`${app.url}/settings/billing`);
    } finally {
      await context.close();
    }
  });
  test("a viewer sees the plan read-only; back on Free, the members page refuses an invitation past the limit", async () => {
    expect(paid).not.toBeNull();
    const ownerContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const viewerContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      const owner = await ownerContext.newPage();
      await signIn(owner, "ada@example.com");
      await owner.goto(`${app.url}/settings/members`);
      await owner.getByLabel("Email").fill("pip@example.com");
      await owner.getByLabel("Role").selectOption("viewer");
      await owner.getByRole("button", { name: "Send invitation" }).click();
      await owner.getByText("Invitation sent to pip@example.com").waitFor();

      // Pip signs up from the invitation, confirms the email and joins as a viewer.
      const invite = linkIn(await smtp.next("pip@example.com"), `${app.url}/invite/`);
      const pip = await viewerContext.newPage();
      await pip.goto(`${app.url}/signup?invitation=${invite.pathname.split("/").at(-1)}`);
      await pip.getByLabel("Your name").fill("Pip");
      await pip.getByLabel("Password").fill("invited viewer passphrase");
      await pip.getByRole("button", { name: "Create account" }).click();
      await pip.waitForURL(`${app.url}${invite.pathname}`);
      const confirm = linkIn(await smtp.next("pip@example.com"), `${app.url}/verify-email?token=`);
      await pip.goto(confirm.href);
      await pip.getByRole("button", { name: "Confirm my email" }).click();
      await pip.getByText("Your email address is confirmed").waitFor();
      await pip.goto(invite.href);
      await pip.getByRole("button", { name: "Join Acme" }).click();
      await pip.waitForURL(`${app.url}/settings/members`);

      await pip.goto(`${app.url}/settings/billing`);
      expect(await pip.getByRole("heading", { name: "Pro plan" }).count()).toBe(1);
      expect(await pip.locator("li.usage", { hasText: "Members" }).locator(".usage-figure").textContent()).toBe("2 of 10");
      expect(await pip.getByRole("button").count()).toBe(0);
      expect(await pip.getByText("Only an owner of the workspace can change its plan.").count()).toBe(1);
      expect(await pip.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
      await pip.screenshot({ path: path.join(SCREENSHOTS, "billing-viewer-phone.png"), fullPage: true });

      // The subscription is cancelled in Stripe: the workspace is back on Free, at its member limit.
      const canceled = stripe.setSubscription({ id: paid!.subscription, customer: paid!.customer, price: PRICES.pro, status: "canceled" });
      await deliver("customer.subscription.deleted", canceled);
      await owner.goto(`${app.url}/settings/billing`);
      expect(await owner.getByRole("heading", { name: "Free plan" }).count()).toBe(1);
      const members = owner.locator("li.usage", { hasText: "Members" });
      expect(await members.locator(".usage-figure").textContent()).toBe("2 of 2");
      expect(await members.locator(".usage-bar").getAttribute("class")).toContain("usage-full");
      expect(await owner.getByRole("button", { name: "Upgrade to Pro" }).count()).toBe(1);

      await owner.goto(`${app.url}/settings/members`);
      await owner.getByLabel("Email").fill("quinn@example.com");
      await owner.getByRole("button", { name: "Send invitation" }).click();
      await owner.getByText("The Free plan allows 2 members and pending invitations; this workspace has 2.").waitFor();
      await owner.screenshot({ path: path.join(SCREENSHOTS, "billing-members-limit-desktop.png"), fullPage: true });
    } finally {
      await ownerContext.close();
      await viewerContext.close();
    }
  });
});
