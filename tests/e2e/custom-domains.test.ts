/**
 * Custom domains on the built app (`next start`), verified against a local DNS server on 127.0.0.1
 * (DNS_SERVERS): a link on a verified custom domain redirects when the request arrives with
 * `Host: <custom>`, with no SHORT_DOMAINS change and no restart; an unknown domain answers the edge's
 * 404; the app host keeps the dashboard. Then /settings/domains in chromium: add a domain (with an
 * error next to the field first), its TXT record with copy buttons, "Verify now", delete behind the
 * dialog. Screenshots at 390 and 1280 px go to tmp/screenshots/.
 */
import { existsSync, mkdirSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { DomainView } from "@/core/domains";
import { BROWSER_UA, startApp, type RunningApp } from "../support/app-server";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
const SCREENSHOTS = path.resolve("tmp", "screenshots");
const OWNER = { name: "Dana", email: "dana@example.com", password: "a long enough password", workspace: "Dunes" };

/** GET with an explicit Host header, as a reverse proxy or DNS pointing at us would send it. */
function get(url: string, host: string): Promise<{ status: number; location: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { host, "user-agent": BROWSER_UA } }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode!, location: response.headers.location, body: Buffer.concat(chunks).toString("utf8") }));
      })
      .on("error", reject);
  });
}

describe("custom domains on next start", () => {
  let app: RunningApp;
  let dns: TestDnsServer;
  let apiKey: string;

  const api = async (method: string, p: string, body?: unknown) => {
    const response = await fetch(`${app.url}/api/v1${p}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    dns = await startDnsServer();
    app = await startApp("pglite", { DNS_SERVERS: dns.address });
    const setup = await fetch(`${app.url}/api/v1/setup`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(OWNER) });
    expect(setup.status).toBe(201);
    apiKey = ((await setup.json()) as { apiKey: { key: string } }).apiKey.key;
  });
  afterAll(async () => {
    await app?.stop();
    await dns?.stop();
  });

  test("a link on a verified custom domain redirects by Host header; unknown domains are the edge's 404", async () => {
    const added = await api("POST", "/domains", { host: "go.dunes.test" });
    expect(added.status).toBe(201);
    const domain = added.json as unknown as DomainView;
    // Pending: no links on it yet.
    expect((await api("POST", "/links", { url: "https://example.com/dunes", key: "sand", domain: "go.dunes.test" })).status).toBe(422);

    dns.records.set(domain.verification.name, { TXT: [[domain.verification.value]] });
    const verified = await api("POST", `/domains/${domain.id}/verify`);
    expect(verified.json.status).toBe("verified");
    const link = await api("POST", "/links", { url: "https://example.com/dunes", key: "sand", domain: "go.dunes.test" });
    expect(link.status).toBe(201);

    expect(await get(`${app.url}/sand`, "go.dunes.test")).toMatchObject({ status: 302, location: "https://example.com/dunes" });
    // Every path on a custom domain is a short link: /login there is a (missing) link, not the app.
    const login = await get(`${app.url}/login`, "go.dunes.test");
    expect(login.status).toBe(404);
    expect(login.body).toContain("Link not found");
    // A domain nobody verified: the origin's lookup says not found.
    expect((await get(`${app.url}/sand`, "nobody.example.test")).status).toBe(404);
    // The app host keeps its pages; the key is not a link there.
    expect((await get(`${app.url}/login`, new URL(app.url).host)).status).toBe(200);
    expect((await get(`${app.url}/sand`, new URL(app.url).host)).status).toBe(404);
  });

  describe.skipIf(!haveChromium)("/settings/domains in chromium", () => {
    let browser: Browser;
    beforeAll(async () => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      });
    });
    afterAll(async () => {
      await browser?.close();
    });

    async function shots(page: Page, name: string) {
      for (const width of [390, 1280]) {
        await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
        await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
      }
      await page.setViewportSize({ width: 1280, height: 900 });
    }

    test("add with a field error, the DNS record with copy buttons, verify now, delete behind the dialog", async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, extraHTTPHeaders: { "x-forwarded-for": "198.51.100.91" } });
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
      const page = await context.newPage();
      await page.goto(`${app.url}/login?next=%2Fsettings%2Fdomains`);
      await page.getByLabel("Email").fill(OWNER.email);
      await page.getByLabel("Password").fill(OWNER.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${app.url}/settings/domains`);

      // The domain from the first test is listed, verified, with its link count.
      const verifiedCard = page.locator("li.domain", { has: page.getByRole("heading", { name: "go.dunes.test" }) });
      expect(await verifiedCard.locator(".status-badge").textContent()).toBe("Verified");
      expect(await verifiedCard.textContent()).toContain("1 link");

      // A malformed domain: the error sits next to the field.
      await page.getByLabel("Domain", { exact: true }).fill("https://links.dunes.test/x");
      await page.getByRole("button", { name: "Add domain" }).click();
      await expect.poll(() => page.locator("#new-domain-host-error").textContent()).toContain("without http");
      expect(await page.getByLabel("Domain", { exact: true }).getAttribute("aria-invalid")).toBe("true");

      await page.getByLabel("Domain", { exact: true }).fill("Links.Dunes.test");
      await page.getByRole("button", { name: "Add domain" }).click();
      await expect.poll(() => page.locator("p.form-done").first().textContent()).toContain("Added links.dunes.test");
      const card = page.locator("li.domain", { has: page.getByRole("heading", { name: "links.dunes.test" }) });
      expect(await card.locator(".status-badge").textContent()).toBe("Pending");
      const txt = card.locator(".dns-record", { hasText: "TXT record" });
      const name = await txt.locator("dd code").first().textContent();
      const token = await txt.locator("dd code").nth(1).textContent();
      expect(name).toBe("_signpost-challenge.links.dunes.test");
      expect(token).toMatch(/^[0-9a-f]{32}$/);
      await card.getByRole("button", { name: "Copy the TXT record's value" }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);

      // Verify before the record exists: says what is missing.
      await card.getByRole("button", { name: "Verify links.dunes.test now" }).click();
      await expect.poll(() => card.locator("[role=alert]").first().textContent()).toContain("Still pending");
      expect(await card.locator(".notice").textContent()).toContain("No TXT record found at _signpost-challenge.links.dunes.test");
      await shots(page, "settings-domains");

      dns.records.set(name!, { TXT: [[token!]] });
      await card.getByRole("button", { name: "Verify links.dunes.test now" }).click();
      await expect.poll(() => card.locator(".status-badge").textContent()).toBe("Verified");

      // Delete behind the dialog; a domain with a link needs the extra tick.
      await verifiedCard.getByRole("button", { name: "Delete go.dunes.test" }).click();
      const dialog = page.getByRole("alertdialog");
      expect(await dialog.textContent()).toContain("1 link uses it");
      expect(await dialog.getByRole("button", { name: "Delete" }).isDisabled()).toBe(true);
      await shots(page, "settings-domains-delete");
      await dialog.getByLabel("Also delete its 1 link").check();
      await dialog.getByRole("button", { name: "Delete" }).click();
      await expect.poll(() => page.getByRole("heading", { name: "go.dunes.test" }).count()).toBe(0);
      // The API agrees: one domain left, and the link went with the deleted one.
      expect(((await api("GET", "/domains")).json.data as DomainView[]).map((d) => d.host)).toEqual(["links.dunes.test"]);
      expect(((await api("GET", "/links")).json.data as unknown[]).length).toBe(0);
      await context.close();
    });

    test("a new workspace sees the empty state that says what to do", async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, extraHTTPHeaders: { "x-forwarded-for": "198.51.100.93" } });
      const page = await context.newPage();
      await page.goto(`${app.url}/signup`);
      await page.getByLabel("Your name").fill("Eli");
      await page.getByLabel("Email").fill("eli@example.com");
      await page.getByLabel("Password").fill("another long passphrase");
      await page.getByLabel("Workspace name").fill("Estuary");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.waitForURL(`${app.url}/app`);
      await page.goto(`${app.url}/settings/domains`);
      expect(await page.getByRole("heading", { name: "Domains of Estuary" }).isVisible()).toBe(true);
      const empty = page.locator(".empty-domains");
      expect(await empty.textContent()).toContain("Create the DNS TXT record");
      // Another workspace's domains are not listed here.
      expect(await page.locator("li.domain").count()).toBe(0);
      expect(await page.getByRole("button", { name: "Add domain" }).isVisible()).toBe(true);
      await shots(page, "settings-domains-empty");
      await context.close();
    });

    test("without JavaScript: add a domain, and delete it through the confirm step", async () => {
      const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 }, extraHTTPHeaders: { "x-forwarded-for": "198.51.100.92" } });
      const page = await context.newPage();
      await page.goto(`${app.url}/login?next=%2Fsettings%2Fdomains`);
      await page.getByLabel("Email").fill(OWNER.email);
      await page.getByLabel("Password").fill(OWNER.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${app.url}/settings/domains`);

      await page.getByLabel("Domain", { exact: true }).fill("nojs.dunes.test");
      await page.getByRole("button", { name: "Add domain" }).click();
      await page.getByText("Added nojs.dunes.test").waitFor();
      const card = page.locator("li.domain", { has: page.getByRole("heading", { name: "nojs.dunes.test" }) });
      expect(await card.locator(".status-badge").textContent()).toBe("Pending");

      await card.getByRole("button", { name: "Delete nojs.dunes.test" }).click();
      await page.waitForURL(/\/settings\/domains\?delete=dom_/);
      expect(await page.getByRole("heading", { name: "Delete nojs.dunes.test?" }).isVisible()).toBe(true);
      await page.getByRole("button", { name: "Delete the domain" }).click();
      await page.waitForURL(`${app.url}/settings/domains`);
      expect(await page.getByRole("heading", { name: "nojs.dunes.test" }).count()).toBe(0);
      await context.close();
    });
  });
});
