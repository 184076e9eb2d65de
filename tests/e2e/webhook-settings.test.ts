/**
 * The webhook settings pages in Chromium on the built app, delivering to a local receiver (the
 * only address OUTBOUND_ALLOWLIST admits): the SSRF guard's refusal next to the URL field, create
 * with the secret shown once and copied, a test ping in the delivery log with its status code and
 * duration, a failed attempt with its next retry, replay, switch off and on, rotate, delete behind
 * an AlertDialog driven by the keyboard, and the same delete without JavaScript through the
 * confirm step. Screenshots at 390 and 1280 px in tmp/screenshots/.
 */
import { existsSync, mkdirSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startApp, type RunningApp } from "../support/app-server";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (see .ci/run)`);
const SCREENSHOTS = path.resolve("tmp", "screenshots");
const PASSWORD = "correct horse battery staple";

/** A webhook receiver: records each event type; answers with the next scripted status (200 after). */
function receiver() {
  const received: string[] = [];
  const script: number[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push((JSON.parse(Buffer.concat(chunks).toString("utf8")) as { type: string }).type);
      response.writeHead(script.shift() ?? 200).end();
    });
  });
  return { server, received, script };
}

describe.skipIf(!haveChromium)("webhook settings in chromium", () => {
  let app: RunningApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const target = receiver();
  let targetUrl = "";

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await new Promise<void>((resolve) => target.server.listen(0, "127.0.0.1", resolve));
    targetUrl = `http://127.0.0.1:${(target.server.address() as AddressInfo).port}/hooks/signpost`;
    app = await startApp(process.env.DATABASE_URL ? "postgres" : "pglite", { OUTBOUND_ALLOWLIST: "127.0.0.1" });
    const setup = await fetch(`${app.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Ada", email: "ada@example.com", password: PASSWORD, workspace: "Acme" }),
    });
    expect(setup.status).toBe(201);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await new Promise((resolve) => target.server.close(resolve));
  });

  async function signIn(on: Page, next: string) {
    await on.goto(`${app.url}${next}`);
    await on.waitForURL(/\/login\?next=/);
    await on.getByLabel("Email").fill("ada@example.com");
    await on.getByLabel("Password").fill(PASSWORD);
    await on.getByRole("button", { name: "Sign in" }).click();
    await on.waitForURL(`${app.url}${next}`);
  }

  async function shoot(on: Page, name: string) {
    for (const width of [1280, 390]) {
      await on.setViewportSize({ width, height: 900 });
      expect(await on.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), `${name} at ${width}px scrolls sideways`).toBe(0);
      await on.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
    }
    await on.setViewportSize({ width: 1280, height: 900 });
  }

  /** Reloads the endpoint's page until `done` (the log fills in as the queue delivers). */
  async function until(done: () => Promise<boolean>) {
    for (let i = 0; i < 40; i++) {
      if (await done()) return;
      await page.waitForTimeout(500);
      await page.reload();
    }
    throw new Error("the page never showed what was expected");
  }

  test("create (SSRF refusal first), copy the secret, ping, replay, a failure with its retry, switch, rotate, delete", async () => {
    await signIn(page, "/settings/webhooks");
    expect(await page.getByRole("link", { name: "Webhooks" }).getAttribute("aria-current")).toBe("page");
    expect(await page.getByText("No webhooks yet.").isVisible()).toBe(true);

    // A private address: the guard's 422 next to the URL field, focused; nothing created.
    await page.getByLabel("Endpoint URL").fill("http://10.0.0.7/hook");
    await page.getByRole("button", { name: "Create webhook" }).click();
    const url = page.getByLabel("Endpoint URL");
    await expect.poll(() => url.getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator("#new-hook-url-error").textContent()).toMatch(/^The URL .*OUTBOUND_ALLOWLIST/);
    expect(await url.getAttribute("aria-describedby")).toContain("new-hook-url-error");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("name"))).toBe("url");
    // No event ticked: said under the events.
    await url.fill(targetUrl);
    await page.getByLabel(/^link\.created/).uncheck();
    await page.getByRole("button", { name: "Create webhook" }).click();
    await expect.poll(() => page.locator("#new-hook-events-error").textContent()).toBe("Events must name at least one event.");
    await shoot(page, "webhooks-create-error");

    await page.getByLabel(/^link\.created/).check();
    await page.getByLabel(/^link\.deleted/).check();
    await page.getByRole("button", { name: "Create webhook" }).click();
    const secret = page.getByTestId("secret-key");
    await expect.poll(() => secret.textContent()).toMatch(/^whsec_/);
    const shown = (await secret.textContent())!;
    await page.getByRole("button", { name: "Copy the secret" }).click();
    await expect.poll(() => page.getByText("Copied").isVisible()).toBe(true);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown);
    await shoot(page, "webhooks-created");
    await page.getByRole("link", { name: "Open the webhook" }).click();
    await page.waitForURL(/\/settings\/webhooks\/whk_[0-9a-f]{32}$/);
    const detail = page.url();
    // The secret is not on the page any more.
    expect(await page.content()).not.toContain(shown);
    expect(await page.locator(".wh-status").first().textContent()).toBe("Active");

    // A test ping reaches the receiver and shows in the log with its status code and duration.
    await page.getByRole("button", { name: "Send test ping" }).click();
    await expect.poll(() => page.getByRole("status").first().textContent()).toContain("Test ping queued");
    await expect.poll(() => target.received.filter((t) => t === "ping").length, { timeout: 20_000 }).toBe(1);
    await until(async () => (await page.locator(".wh-delivery").count()) === 1 && (await page.locator(".wh-delivery .wh-status").first().textContent()) === "Delivered");
    expect(await page.locator(".wh-delivery .wh-attempts td").nth(2).textContent()).toBe("HTTP 200");
    expect(await page.locator(".wh-delivery .wh-attempts td").nth(3).textContent()).toMatch(/^\d+ ms$/);

    // Replay it: a new delivery of the same event, marked as a replay.
    await page.getByRole("button", { name: "Replay" }).first().click();
    await expect.poll(() => target.received.filter((t) => t === "ping").length, { timeout: 20_000 }).toBe(2);
    await until(async () => (await page.locator(".wh-delivery").count()) === 2);
    expect(await page.locator(".wh-meta").first().textContent()).toMatch(/replay of dlv_/);

    // A receiver that answers 500: the attempt is logged and the next retry shown.
    target.script.push(500);
    await page.getByRole("button", { name: "Send test ping" }).click();
    await until(async () => (await page.locator(".wh-delivery .wh-status").first().textContent()) === "Retrying");
    const failed = page.locator(".wh-delivery").first();
    expect(await failed.locator(".wh-attempts td").nth(2).textContent()).toBe("HTTP 500");
    expect(await failed.locator(".wh-meta").textContent()).toMatch(/next try \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
    await shoot(page, "webhook-detail");

    // Switch off and on again.
    await page.getByRole("button", { name: "Switch off" }).click();
    await expect.poll(() => page.getByRole("status").first().textContent()).toContain("Switched off");
    await page.reload();
    expect(await page.locator(".wh-status").first().textContent()).toBe("Switched off");
    await page.getByRole("button", { name: "Switch on" }).click();
    await expect.poll(() => page.getByRole("status").first().textContent()).toContain("Switched on");

    // Rotate: a new secret, once.
    await page.getByRole("button", { name: "Rotate secret" }).click();
    await expect.poll(() => page.getByTestId("secret-key").textContent()).toMatch(/^whsec_/);
    expect(await page.getByTestId("secret-key").textContent()).not.toBe(shown);

    // Delete asks first; Escape keeps it; the dialog's Delete deletes. Keyboard only.
    await page.reload();
    await page.getByRole("button", { name: "Delete webhook" }).focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("alertdialog");
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Cancel");
    await page.screenshot({ path: path.join(SCREENSHOTS, "webhook-delete-dialog-1280.png") });
    await page.keyboard.press("Escape");
    await expect.poll(() => dialog.count()).toBe(0);
    expect(page.url()).toBe(detail);
    await page.getByRole("button", { name: "Delete webhook" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(`${app.url}/settings/webhooks?deleted=1`);
    expect(await page.getByRole("status").first().textContent()).toBe("Webhook deleted.");
    expect(await page.getByText("No webhooks yet.").isVisible()).toBe(true);
  });

  test("without JavaScript: create, then delete through the confirm step", async () => {
    const noScript = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
    const plain = await noScript.newPage();
    await signIn(plain, "/settings/webhooks");
    await plain.getByLabel("Endpoint URL").fill(`${targetUrl}?nojs=1`);
    await plain.getByRole("button", { name: "Create webhook" }).click();
    await plain.waitForLoadState();
    expect(await plain.getByTestId("secret-key").textContent()).toMatch(/^whsec_/);
    await plain.goto(`${app.url}/settings/webhooks`);
    await shoot(plain, "webhooks-list");
    await plain.getByRole("link", { name: `${targetUrl}?nojs=1` }).click();
    await plain.getByRole("button", { name: "Delete webhook" }).click();
    await plain.waitForURL(/\?confirm=delete$/);
    const confirm = plain.getByRole("form", { name: "Confirm deleting this webhook" });
    await confirm.getByRole("button", { name: "Delete webhook" }).click();
    await plain.waitForURL(`${app.url}/settings/webhooks?deleted=1`);
    expect(await plain.getByText("No webhooks yet.").isVisible()).toBe(true);
    await noScript.close();
  });
});
