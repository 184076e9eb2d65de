/**
 * The links list's pager in Chromium on the built app: 60 links are three pages of 25; "Next
 * page" twice, then "Previous page" twice lands on exactly the rows seen before (keyset read
 * backwards), with "First page" and the links that have no page behind them left out; all from
 * the keyboard. Screenshots of the middle page at 390 and 1280 px in tmp/screenshots/.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startApp, type RunningApp } from "../support/app-server";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (see .ci/run)`);
const SCREENSHOTS = path.resolve("tmp", "screenshots");
const PASSWORD = "correct horse battery staple";

describe.skipIf(!haveChromium)("the links pager in chromium", () => {
  let app: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    app = await startApp(process.env.DATABASE_URL ? "postgres" : "pglite");
    const setup = await fetch(`${app.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Ada", email: "ada@example.com", password: PASSWORD, workspace: "Acme" }),
    });
    expect(setup.status).toBe(201);
    const key = ((await setup.json()) as { apiKey: { key: string } }).apiKey.key;
    const links = Array.from({ length: 60 }, (_, i) => ({ url: `https://example.com/page/${i}`, key: `p-${String(i).padStart(2, "0")}` }));
    const bulk = await fetch(`${app.url}/api/v1/links/bulk`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ links }),
    });
    expect(bulk.status).toBe(201);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const keys = (page: Page) => page.locator("tbody tr .short code").allTextContents();
  const pager = (page: Page) => page.getByRole("navigation", { name: "Pages" }).getByRole("link").allTextContents();
  /** Follows a pager link with the keyboard: focus, Enter, wait for the list to change. */
  async function follow(page: Page, name: string) {
    const before = await keys(page);
    await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => keys(page)).not.toEqual(before);
  }

  test("next, next, previous, previous: the same pages back, sorted by key", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${app.url}/app?sort=key&order=asc`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel("Email").fill("ada@example.com");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${app.url}/app?sort=key&order=asc`);

    const first = await keys(page);
    expect(first).toHaveLength(25);
    expect(first[0]).toMatch(/\/p-00$/);
    expect(await pager(page)).toEqual(["Next page →"]);

    await follow(page, "Next page →");
    const second = await keys(page);
    expect(second[0]).toMatch(/\/p-25$/);
    expect(await pager(page)).toEqual(["« First page", "← Previous page", "Next page →"]);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
      await page.screenshot({ path: path.join(SCREENSHOTS, `dashboard-pager-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    await follow(page, "Next page →");
    const third = await keys(page);
    expect(third).toHaveLength(10);
    expect(await pager(page)).toEqual(["« First page", "← Previous page"]);

    await follow(page, "← Previous page");
    expect(page.url()).toContain("before=");
    expect(await keys(page)).toEqual(second);
    expect(await pager(page)).toEqual(["« First page", "← Previous page", "Next page →"]);
    await follow(page, "← Previous page");
    expect(await keys(page)).toEqual(first);
    // Back at the start: nothing before it, so no Previous (and First page is only a way back here).
    expect(await pager(page)).toEqual(["« First page", "Next page →"]);
    await context.close();
  });
});
