/**
 * The status page on the built app, in chromium: after real traffic (API calls, redirects at the
 * edge, their clicks ingested), the instance's owner sees readiness, the charts and the routes
 * table, at phone and desktop widths without horizontal scrolling (screenshots in
 * tmp/screenshots/); someone who signed up and owns only their own workspace is refused by the
 * server. Postgres when DATABASE_URL is set, and the Redis click stream when REDIS_URL is.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BROWSER_UA, startApp, type RunningApp } from "../support/app-server";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (see .ci/run)`);
const SCREENSHOTS = path.resolve("tmp", "screenshots");
const PASSWORD = "correct horse battery staple";
const API_CALLS = 24;
const REDIRECTS = 15;

describe.skipIf(!haveChromium)("status page in chromium", () => {
  let app: RunningApp;
  let browser: Browser;
  let apiKey: string;

  const api = (pathname: string, init: RequestInit = {}) =>
    fetch(`${app.url}${pathname}`, { ...init, headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...init.headers } });

  /** API calls and redirects whose clicks are counted; resolves when the clicks are in the database. */
  async function traffic(linkId: string, slug: string, expectedClicks: number) {
    for (let i = 0; i < API_CALLS; i++) expect((await api("/api/v1/links?limit=5")).status).toBe(200);
    expect((await api("/api/v1/links/lnk_doesnotexist0")).status).toBe(404);
    for (let i = 0; i < REDIRECTS; i++) {
      const response = await fetch(`${app.url}/${slug}`, { redirect: "manual", headers: { "user-agent": BROWSER_UA, "x-forwarded-for": `198.51.100.${i + 1}` } });
      expect(response.status).toBe(302);
    }
    const deadline = Date.now() + 20_000;
    let clicks = 0;
    while (Date.now() < deadline) {
      clicks = ((await (await api(`/api/v1/links/${linkId}`)).json()) as { clicks: number }).clicks;
      if (clicks >= expectedClicks) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(clicks).toBe(expectedClicks);
  }

  async function signIn(page: Page, email: string) {
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
  }

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    app = await startApp(process.env.DATABASE_URL ? "postgres" : "pglite", process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {});
    const setup = await fetch(`${app.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Ada", email: "ada@example.com", password: PASSWORD, workspace: "Acme" }),
    });
    expect(setup.status).toBe(201);
    apiKey = ((await setup.json()) as { apiKey: { key: string } }).apiKey.key;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  test("the owner sees readiness, charts and routes after real traffic, at phone and desktop widths", async () => {
    const created = await api("/api/v1/links", { method: "POST", body: JSON.stringify({ url: "https://example.com/spring", key: "spring" }) });
    expect(created.status).toBe(201);
    const link = (await created.json()) as { id: string };
    await traffic(link.id, "spring", REDIRECTS);
    // Let the sampler (every 15 s) take a reading between two bursts, so the charts have a history.
    await new Promise((resolve) => setTimeout(resolve, 16_000));
    await traffic(link.id, "spring", 2 * REDIRECTS);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      await page.goto(`${app.url}/settings/status`);
      await page.waitForURL(`${app.url}/login?next=%2Fsettings%2Fstatus`);
      await signIn(page, "ada@example.com");
      await page.waitForURL(`${app.url}/settings/status`);

      expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Status");
      expect(await page.getByRole("heading", { name: /^Readiness: ready$/ }).count()).toBe(1);
      expect(await page.getByRole("link", { name: "Status" }).getAttribute("aria-current")).toBe("page");
      // Every chart is an image with a title and a description a screen reader reads.
      const charts = page.locator("figure.time-chart svg[role=img]");
      expect(await charts.count()).toBe(11);
      const clicksChart = page.getByRole("img", { name: /^Clicks per hour/ });
      expect(await clicksChart.locator("title").textContent()).toBe(`Clicks per hour (${2 * REDIRECTS} in 48 h)`);
      expect(await clicksChart.locator("desc").textContent()).toContain(`people: latest ${2 * REDIRECTS}`);
      expect(await page.getByRole("img", { name: "API requests by route" }).locator("polyline, circle").count()).toBeGreaterThan(0);
      expect(await page.getByRole("img", { name: "Process memory" }).locator("desc").textContent()).toMatch(/resident \(RSS\): latest \d/);
      // The routes table counts the requests made (the page's own reads are not API routes).
      const row = page.locator("tr", { has: page.locator("code", { hasText: /^\/api\/v1\/links$/ }) });
      expect(Number((await row.locator("td").nth(1).textContent())!.replace(/,/g, ""))).toBeGreaterThanOrEqual(2 * API_CALLS + 1);
      expect(await page.locator("tr", { has: page.locator("code", { hasText: /^\/api\/v1\/links\/:id$/ }) }).count()).toBe(1);

      const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(await overflow()).toBe(0);
      await page.screenshot({ path: path.join(SCREENSHOTS, "status-desktop.png"), fullPage: true });

      await page.setViewportSize({ width: 390, height: 844 });
      await page.reload();
      expect(await page.getByRole("heading", { name: /^Readiness: ready$/ }).count()).toBe(1);
      expect(await overflow()).toBe(0);
      // Charts keep their aspect ratio: as wide as the column, never wider.
      const box = await page.getByRole("img", { name: "API requests by route" }).boundingBox();
      expect(box!.width).toBeLessThanOrEqual(390);
      expect(box!.height / box!.width).toBeCloseTo(200 / 360, 2);
      await page.screenshot({ path: path.join(SCREENSHOTS, "status-phone.png"), fullPage: true });
    } finally {
      await context.close();
    }
  });

  test("an owner of another workspace is refused by the server", async () => {
    const context = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": "198.51.100.200" } });
    try {
      const page = await context.newPage();
      await page.goto(`${app.url}/signup?next=%2Fsettings%2Fstatus`);
      await page.getByLabel("Your name").fill("Mallory");
      await page.getByLabel("Email").fill("mallory@example.com");
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByLabel("Workspace name").fill("Elsewhere");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.waitForURL(`${app.url}/settings/status`);
      expect(await page.locator("p.form-error[role=alert]").textContent()).toContain("the whole instance");
      expect(await page.locator("figure.time-chart").count()).toBe(0);
      expect(await page.getByText("Readiness").count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
