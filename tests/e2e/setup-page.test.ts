/**
 * The first-run page in a real browser (Debian's chromium driven by playwright-core): a new user
 * fills the form and gets a working API key, with client JavaScript and without it.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startApp, type RunningApp } from "../support/app-server";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (see .ci/run)`);
const SCREENSHOTS = path.resolve("tmp", "screenshots");

describe.skipIf(!haveChromium)("setup page in chromium", () => {
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

  for (const javaScriptEnabled of [true, false]) {
    describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
      let app: RunningApp;
      beforeAll(async () => {
        app = await startApp("pglite");
      });
      afterAll(async () => {
        await app?.stop();
      });

      test("shows field errors, then the key, and the key works", async () => {
        const context = await browser.newContext({ javaScriptEnabled });
        const page = await context.newPage();
        await page.goto(`${app.url}/`);
        await page.getByRole("link", { name: "Set up Signpost" }).click();
        await page.waitForURL(`${app.url}/setup`);

        await page.getByLabel("Your name").fill("Grace");
        await page.getByLabel("Email").fill("not-an-email");
        await page.getByLabel("Password").fill("short");
        await page.getByLabel("Workspace name").fill("Navy");
        await page.getByRole("button", { name: "Create workspace and API key" }).click();
        await expect.poll(() => page.locator("p.form-error[role=alert]").textContent()).toContain("Please fix the highlighted fields.");
        expect(await page.getByLabel("Email").getAttribute("aria-invalid")).toBe("true");
        expect(await page.locator("#password-error").textContent()).toContain("at least 10 characters");
        // What was typed is kept (except the password).
        expect(await page.getByLabel("Your name").inputValue()).toBe("Grace");

        await page.getByLabel("Email").fill("grace@example.com");
        await page.getByLabel("Password").fill("a sufficiently long password");
        await page.getByRole("button", { name: "Create workspace and API key" }).click();
        const key = (await page.getByTestId("api-key").textContent({ timeout: 30_000 }))?.trim() ?? "";
        expect(key).toMatch(/^sp_[A-Za-z]+$/);
        await page.screenshot({ path: path.join(SCREENSHOTS, `setup-done-${javaScriptEnabled ? "js" : "nojs"}.png`), fullPage: true });

        const created = await fetch(`${app.url}/api/v1/links`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ url: "https://example.com/" }),
        });
        expect(created.status).toBe(201);

        // The page is closed now.
        await page.goto(`${app.url}/setup`);
        expect(await page.getByRole("heading", { name: "Already set up" }).isVisible()).toBe(true);
        await context.close();
      });
    });
  }
});
