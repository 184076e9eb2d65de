/**
 * The analytics pages on the built app, in chromium: after real redirects at the edge (a German
 * visitor on the link's country rule, others on its A/B variants, a bot), a link's page shows the
 * totals, the series, the breakdowns by country and rule, the A/B results and a CSV that
 * downloads; the workspace page shows the same clicks; a bad time zone is said, not thrown.
 * Screenshots at phone and desktop widths in tmp/screenshots/.
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
const BOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

describe.skipIf(!haveChromium)("analytics pages in chromium", () => {
  let app: RunningApp;
  let browser: Browser;
  let apiKey: string;
  let linkId: string;

  const api = (pathname: string, init: RequestInit = {}) =>
    fetch(`${app.url}${pathname}`, { ...init, headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...init.headers } });

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    app = await startApp(process.env.DATABASE_URL ? "postgres" : "pglite");
    const setup = await fetch(`${app.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Ada", email: "ada@example.com", password: PASSWORD, workspace: "Acme" }),
    });
    expect(setup.status).toBe(201);
    apiKey = ((await setup.json()) as { apiKey: { key: string } }).apiKey.key;
    const created = await api("/api/v1/links", {
      method: "POST",
      body: JSON.stringify({
        url: "https://example.com/shoes",
        key: "shoes",
        title: "Shoes",
        image: "https://cdn.example/shoes.png",
        // Bots follow the link (and are counted apart) rather than getting the preview card, which is not a visit.
        botBehavior: "redirect",
        rules: [{ name: "Germany", conditions: [{ type: "country", in: ["DE"] }], url: "https://example.de/schuhe" }],
        variants: [
          { url: "https://example.com/a", weight: 50 },
          { url: "https://example.com/b", weight: 50 },
        ],
      }),
    });
    expect(created.status).toBe(201);
    linkId = ((await created.json()) as { id: string }).id;
    // 3 Germans (the rule), 5 French and 2 Japanese visitors (the variants), 1 bot.
    const visits = [
      ...Array.from({ length: 3 }, (_, i) => ({ country: "DE", ip: `203.0.113.${i + 1}`, ua: BROWSER_UA })),
      ...Array.from({ length: 5 }, (_, i) => ({ country: "FR", ip: `198.51.100.${i + 1}`, ua: BROWSER_UA })),
      ...Array.from({ length: 2 }, (_, i) => ({ country: "JP", ip: `192.0.2.${i + 1}`, ua: BROWSER_UA })),
      { country: "US", ip: "192.0.2.200", ua: BOT_UA },
    ];
    // No trusted IP header here, so every visitor has the same address: a browser build number of
    // their own makes each a distinct visitor (the id hashes address and user agent).
    for (const [i, visit] of visits.entries()) {
      const ua = visit.ua === BOT_UA ? BOT_UA : visit.ua.replace(/Chrome\/[\d.]+/, `Chrome/140.0.${i}.0`);
      await fetch(`${app.url}/shoes`, { redirect: "manual", headers: { "x-vercel-ip-country": visit.country, "x-forwarded-for": visit.ip, "user-agent": ua } });
    }
    const deadline = Date.now() + 20_000;
    let clicks = 0;
    while (Date.now() < deadline && clicks < 10) {
      clicks = ((await (await api(`/api/v1/links/${linkId}`)).json()) as { clicks: number }).clicks;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(clicks).toBe(10);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function signedIn(width: number): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${app.url}/app/analytics?link=${linkId}`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel("Email").fill("ada@example.com");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${app.url}/app/analytics?link=${linkId}`);
    return page;
  }

  const cell = (page: Page, table: string, value: string) => page.getByRole("region", { name: table }).locator("tr", { hasText: value }).locator("td").nth(1);

  test("a link's page: totals, series, countries, the rule, A/B results and the CSV", async () => {
    const page = await signedIn(1280);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Analytics");
    expect(await page.getByRole("link", { name: "Analytics" }).getAttribute("aria-current")).toBe("page");
    const totals = page.locator(".an-totals");
    expect(await totals.locator("div", { hasText: "Clicks" }).locator("dd").textContent()).toBe("10");
    expect(await totals.locator("div", { hasText: "Bot visits" }).locator("dd").textContent()).toBe("1");
    expect(await totals.locator("div", { hasText: "Unique visitors" }).locator("dd").textContent()).toBe("10");
    expect(await page.getByRole("img", { name: /^Clicks per day \(UTC\)/ }).count()).toBe(1);
    expect(await cell(page, "Countries", "FR").textContent()).toMatch(/^5 50%/);
    expect(await cell(page, "Countries", "DE").textContent()).toMatch(/^3 30%/);
    expect(await cell(page, "Routing rules", "1. Germany").textContent()).toMatch(/^3 /);
    // Variants: the 7 visitors the rule did not catch, split between A and B.
    const variantRows = page.getByRole("region", { name: "A/B test" }).locator("tbody tr");
    expect(await variantRows.count()).toBe(2);
    const variantClicks = await variantRows.locator("td:nth-child(3)").allTextContents();
    expect(variantClicks.map(Number).reduce((a, b) => a + b, 0)).toBe(7);

    // Bots included: the bot's visit is counted, and said so.
    await page.getByLabel("Include bots").check();
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/bots=1/);
    expect(await page.locator(".an-totals div", { hasText: "Clicks (bots included)" }).locator("dd").textContent()).toBe("11");

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download clicks (CSV)" }).click()]);
    const csv = await (await download.createReadStream()).toArray();
    const lines = Buffer.concat(csv.map((chunk) => Buffer.from(chunk))).toString("utf8").trim().split("\n");
    expect(lines.length).toBe(1 + 11);
    await page.screenshot({ path: path.join(SCREENSHOTS, "analytics-link-1280.png"), fullPage: true });
    await page.context().close();
  });

  test("the workspace page and a phone: the same clicks, no sideways scrolling; a bad zone is named", async () => {
    const page = await signedIn(390);
    await page.goto(`${app.url}/app/analytics?range=7d&tz=Europe%2FBerlin`);
    expect(await page.locator(".an-totals div", { hasText: "Clicks" }).first().locator("dd").textContent()).toBe("10");
    expect(await page.getByRole("img", { name: /^Clicks per day \(Europe\/Berlin\)/ }).count()).toBe(1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, "analytics-workspace-390.png"), fullPage: true });
    await page.goto(`${app.url}/app/analytics?tz=Mars%2FOlympus`);
    expect(await page.locator(".notice").textContent()).toMatch(/^Time zone must be an IANA time zone name/);
    await page.context().close();
  });
});
