/**
 * One person's first use, end to end in Chromium on the built app: sign up at /signup (a local
 * SMTP server takes the confirmation email; using the dashboard does not wait for it), land on
 * the empty state, go straight to the editor, create a link with a country rule (DE) and two A/B
 * variants, open the short link as a visitor in Germany (the trusted country header) and land on
 * the rule's destination, then find that click on the link's analytics page, counted by country
 * and by rule. The "under a minute" claim is checked by counting what the person has to do, not
 * by timing it. (A logged-out deep URL coming back after sign-in is covered by link-editor and
 * analytics-page tests.) Custom analytics ranges are driven with the calendar and with the plain
 * date fields, including a refused range; screenshots at 390 and 1280 px in tmp/screenshots/.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BROWSER_UA, startApp, type RunningApp } from "../support/app-server";
import { startSmtp, type TestSmtp } from "../integration/auth-helpers";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (see .ci/run)`);
const SCREENSHOTS = path.resolve("tmp", "screenshots");

describe.skipIf(!haveChromium)("first use in chromium", () => {
  let app: RunningApp;
  let smtp: TestSmtp;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    smtp = await startSmtp();
    app = await startApp(process.env.DATABASE_URL ? "postgres" : "pglite", {
      SMTP_URL: smtp.url,
      EMAIL_FROM: "Signpost <robot@signpost.test>",
      GEO_HEADERS: "vercel",
      TRUSTED_IP_HEADER: "x-real-ip",
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await smtp?.stop();
  });

  async function shoot(page: Page, name: string) {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), `${name} at ${width}px scrolls sideways`).toBe(0);
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  test("sign up → empty state → editor → link with a DE rule and two variants → a German click → the analytics page", async () => {
    // A Berlin browser: the analytics page should move to its zone by itself.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "Europe/Berlin", extraHTTPHeaders: { "x-real-ip": "198.51.100.77" } });
    const page = await context.newPage();
    /** What the person does (clicks, fields filled, keys pressed), counted for the first-use claim. */
    let steps = 0;
    const act = async <T,>(action: Promise<T>) => {
      steps++;
      return action;
    };

    await page.goto(`${app.url}/signup`);
    await act(page.getByLabel("Your name").fill("Noor"));
    await act(page.getByLabel("Email").fill("noor@example.com"));
    await act(page.getByLabel("Password").fill("a long and unusual passphrase"));
    await act(page.getByLabel("Workspace name").fill("Noor Travel"));
    await act(page.getByRole("button", { name: "Create account" }).click());
    await page.waitForURL(`${app.url}/app`);
    const confirmation = await smtp.next("noor@example.com");
    expect(confirmation.subject).toMatch(/^Confirm your email/);
    expect(steps).toBe(5);

    // The empty state: its one call to action is the editor, and the editor is ready to type into.
    await expect.poll(() => page.getByRole("heading", { name: "Create your first short link" }).isVisible()).toBe(true);
    await shoot(page, "journey-empty");
    await act(page.getByRole("link", { name: "Create your first link" }).click());
    await page.waitForURL(`${app.url}/app/links/new`);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("f-url");
    // The shortest first link from here: type the destination, press Enter.
    await act(page.keyboard.type("https://example.com/first"));
    await act(page.keyboard.press("Enter"));
    await page.waitForURL(/\/app\/links\/lnk_[0-9a-f]+\?created=1$/);
    // Sign-up (5 things to do), the call to action (1), the destination and Enter (2): eight steps
    // from an empty browser to a working short link, plausibly well under a minute.
    expect(steps).toBe(8);
    await expect.poll(() => page.getByTestId("short-link").isVisible()).toBe(true);

    // This person wants more: a rule for Germany and an A/B split for everyone else.
    await page.getByRole("link", { name: "Links", exact: true }).click();
    await page.waitForURL(`${app.url}/app`);
    await page.getByRole("link", { name: "New link" }).click();
    await page.waitForURL(`${app.url}/app/links/new`);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("f-url");
    await page.keyboard.type("https://example.com/tours");
    await page.getByLabel("Key", { exact: true }).fill("tours");
    await expect.poll(() => page.locator("#le-key-status").textContent()).toContain("Available on");
    await page.getByRole("button", { name: "Add rule" }).click();
    await page.getByLabel("Name (optional)").fill("Germany");
    await page.getByLabel("Send to", { exact: true }).fill("https://example.de/reisen");
    await page.getByLabel("Countries").fill("DE");
    await page.getByLabel("Countries").press("Enter");
    await expect.poll(() => page.getByRole("button", { name: "Remove Germany (DE)" }).isVisible()).toBe(true);
    await page.getByRole("button", { name: "Add variant" }).click();
    await page.getByLabel("Variant A URL").fill("https://example.com/tours-a");
    await page.getByRole("button", { name: "Add variant" }).click();
    await page.getByLabel("Variant B URL").fill("https://example.com/tours-b");
    await page.getByRole("button", { name: "Split evenly" }).click();
    await expect.poll(() => page.locator("#le-weights-total").textContent()).toBe("Weights add up to 100 %.");
    await page.getByRole("button", { name: "Create link" }).click();
    await page.waitForURL(/\/app\/links\/lnk_[0-9a-f]+\?created=1$/);
    const linkId = new URL(page.url()).pathname.split("/").at(-1)!;
    const shortLink = await page.getByTestId("short-link").getAttribute("href");
    expect(shortLink).toBe(`${app.url}/tours`);

    // A visitor in Germany follows the short link and lands on the rule's destination.
    const visitor = await browser.newContext({ userAgent: BROWSER_UA, extraHTTPHeaders: { "x-vercel-ip-country": "DE", "x-real-ip": "203.0.113.9" } });
    const visit = await visitor.newPage();
    // The destinations are third-party sites this machine cannot reach, and Chromium resolves a
    // redirect's host before any interception: the short link's request goes to the app for real
    // (with the visitor's headers) and the browser is shown a stand-in for where it was sent.
    const answers: { status: number; location: string | undefined }[] = [];
    await visit.route(shortLink!, async (route) => {
      const response = await route.fetch({ maxRedirects: 0 });
      answers.push({ status: response.status(), location: response.headers().location });
      await route.fulfill({ status: 200, contentType: "text/html", body: "<h1>Reisen</h1>" });
    });
    await visit.goto(shortLink!);
    expect(answers).toEqual([{ status: 302, location: "https://example.de/reisen" }]);
    await visitor.close();

    // The click reaches the analytics page: one click, from DE, through the rule.
    await page.getByTestId("click-count").getByRole("link").click();
    await page.waitForURL(new RegExp(`/app/analytics\\?link=${linkId}`));
    // No zone in the URL: the page moves itself to the browser's.
    await page.waitForURL(/tz=Europe%2FBerlin/);
    const clicks = () => page.locator(".an-totals div", { hasText: "Clicks" }).first().locator("dd").textContent();
    for (let i = 0; i < 40 && (await clicks()) !== "1"; i++) {
      await page.waitForTimeout(500);
      await page.reload();
    }
    expect(await clicks()).toBe("1");
    const row = (region: string, value: string) => page.getByRole("region", { name: region }).locator("tr", { hasText: value }).locator("td").nth(1);
    expect(await row("Countries", "DE").textContent()).toMatch(/^1 100%/);
    expect(await row("Routing rules", "1. Germany").textContent()).toMatch(/^1 /);
    expect(await page.getByRole("img", { name: /^Clicks per day \(Europe\/Berlin\)/ }).count()).toBe(1);
    await shoot(page, "journey-analytics");

    // A custom range from the calendar: today alone, in Berlin. Enter opens it; pick today; show.
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Berlin" }).format(new Date());
    await page.locator("#an-calendar").focus();
    await page.keyboard.press("Enter");
    const calendar = page.locator(".le-popover");
    await expect.poll(() => calendar.isVisible()).toBe(true);
    await calendar.locator("button[aria-label*='Today']").first().click();
    await page.screenshot({ path: path.join(SCREENSHOTS, "journey-range-calendar-1280.png") });
    await calendar.getByRole("button", { name: "Show these days" }).click();
    await page.waitForURL(new RegExp(`range=custom&start=${today}&end=${today}`));
    expect(await clicks()).toBe("1");
    // One day gets hourly buckets.
    expect(await page.getByRole("img", { name: /^Clicks per hour \(Europe\/Berlin\)/ }).count()).toBe(1);

    // The plain date fields: an end before the start is refused next to the field, nothing shown.
    const daysAgo = (n: number) => new Date(Date.parse(today) - n * 86_400_000).toISOString().slice(0, 10);
    await page.getByRole("textbox", { name: /^First day/ }).fill(daysAgo(5));
    await page.getByRole("textbox", { name: /^Last day/ }).fill(daysAgo(10));
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(new RegExp(`start=${daysAgo(5)}&end=${daysAgo(10)}`));
    const lastDay = page.getByRole("textbox", { name: /^Last day/ });
    expect(await lastDay.getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator("#an-end-error").textContent()).toBe("The last day is before the first day.");
    expect(await page.locator(".an-totals").count()).toBe(0);
    await shoot(page, "journey-range-error");
    await context.close();
  });
});
