/**
 * The link editor in Chromium on the built app (`next start`, middleware in Next's edge sandbox):
 * sign up, create a link with a country rule and two A/B variants, follow the short link with a
 * trusted country header to the rule's destination; a validation error next to its field with
 * nothing saved; a link created with the keyboard only; the QR download (the session
 * authenticates the API route); a viewer gets a read-only page. Screenshots of the new and edit
 * pages at phone and desktop widths go to tmp/screenshots/.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startApp, type RunningApp } from "../support/app-server";
import { backends } from "../support/databases";
import { linkIn, startSmtp, type TestSmtp } from "../integration/auth-helpers";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (see .ci/run)`);
const SCREENSHOTS = path.resolve("tmp", "screenshots");
/** A person's browser: without one the edge sees a bot and answers the preview card. */
const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Waits until the editor form is hydrated: text typed into a field before that is not in its state. */
async function editorReady(page: Page): Promise<void> {
  await page.locator("form.le-form[data-hydrated]").waitFor();
}

describe.skipIf(!haveChromium).each(backends())("the link editor in chromium with %s", (backend) => {
  let app: RunningApp;
  let smtp: TestSmtp;
  let browser: Browser;
  let owner: BrowserContext;
  let page: Page;
  let linkPath = "";
  const email = `erin-${backend}@example.com`;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    smtp = await startSmtp();
    app = await startApp(backend, { SMTP_URL: smtp.url, EMAIL_FROM: "Signpost <robot@signpost.test>", GEO_HEADERS: "vercel", TRUSTED_IP_HEADER: "x-real-ip" });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    // Each person is their own client address, so the per-IP sign-up limit is theirs alone.
    owner = await browser.newContext({ viewport: { width: 1280, height: 900 }, extraHTTPHeaders: { "x-real-ip": "198.51.100.41" } });
    page = await owner.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await smtp?.stop();
  });

  async function shoot(target: Page, name: string) {
    for (const width of [1280, 390]) {
      await target.setViewportSize({ width, height: 900 });
      await target.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
    }
    await target.setViewportSize({ width: 1280, height: 900 });
  }

  async function linkCount(): Promise<number> {
    const response = await page.request.get(`${app.url}/api/v1/links?archived=all`);
    expect(response.status()).toBe(200);
    return ((await response.json()) as { data: unknown[] }).data.length;
  }

  test("sign up, then create a link with a country rule and two A/B variants; the short link honours the rule", async () => {
    await page.goto(`${app.url}/app/links/new`);
    await page.waitForURL(`${app.url}/login?next=%2Fapp%2Flinks%2Fnew`);
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/signup\?next=/);
    await page.getByLabel("Your name").fill("Erin");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("a long and unusual passphrase");
    await page.getByLabel("Workspace name").fill("Eel Works");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(`${app.url}/app/links/new`);
    await editorReady(page);
    await smtp.next(email); // the confirmation email
    await expect.poll(() => page.getByRole("heading", { name: "New link" }).isVisible()).toBe(true);
    await shoot(page, "link-editor-new-empty");

    const destination = page.getByLabel("Destination URL");
    await destination.fill("https://example.com/shoes");
    await page.getByLabel("Key", { exact: true }).fill("spring-de");
    await expect.poll(() => page.locator("#le-key-status").textContent()).toContain("Available on");

    // The UTM builder previews the final URL as the edge will build it.
    await page.getByLabel("Source").fill("newsletter");
    await page.getByLabel("Campaign").fill("spring sale");
    await expect.poll(() => page.getByTestId("final-url").textContent()).toBe("https://example.com/shoes?utm_source=newsletter&utm_campaign=spring+sale");

    await page.getByRole("button", { name: "Add rule" }).click();
    await page.getByLabel("Name (optional)").fill("Germany");
    await page.getByLabel("Send to", { exact: true }).fill("https://example.de/");
    const countries = page.getByLabel("Countries");
    await countries.fill("Germany");
    await countries.press("Enter");
    await expect.poll(() => page.getByRole("button", { name: "Remove Germany (DE)" }).isVisible()).toBe(true);

    await page.getByRole("button", { name: "Add variant" }).click();
    await page.getByLabel("Variant A URL").fill("https://example.com/a");
    await page.getByRole("button", { name: "Add variant" }).click();
    await page.getByLabel("Variant B URL").fill("https://example.com/b");
    // The second variant starts at 0 %: the form says so, and Split evenly makes it 50/50.
    expect(await page.getByLabel("Weight %").nth(1).inputValue()).toBe("0");
    await page.getByRole("button", { name: "Split evenly" }).click();
    expect(await page.getByLabel("Weight %").nth(0).inputValue()).toBe("50");
    expect(await page.getByLabel("Weight %").nth(1).inputValue()).toBe("50");
    await expect.poll(() => page.locator("#le-weights-total").textContent()).toBe("Weights add up to 100 %.");
    await page.getByLabel("Title").fill("Spring shoes");
    await page.getByLabel("Description").fill("Light running shoes for the first warm days.");
    await shoot(page, "link-editor-new-filled");

    await page.getByRole("button", { name: "Create link" }).click();
    await page.waitForURL(/\/app\/links\/lnk_[0-9a-f]+\?created=1$/);
    linkPath = new URL(page.url()).pathname;
    const shortLink = await page.getByTestId("short-link").getAttribute("href");
    expect(shortLink).toBe(`${app.url}/spring-de`);
    expect(await page.getByTestId("click-count").textContent()).toBe("0");

    // The rule wins for a visitor in Germany (a trusted country header); others get a variant.
    const german = await fetch(shortLink!, { redirect: "manual", headers: { "x-vercel-ip-country": "DE", "user-agent": BROWSER_UA } });
    expect(german.status).toBe(302);
    expect(german.headers.get("location")).toBe("https://example.de/?utm_source=newsletter&utm_campaign=spring+sale");
    const french = await fetch(shortLink!, { redirect: "manual", headers: { "x-vercel-ip-country": "FR", "user-agent": BROWSER_UA } });
    expect(french.status).toBe(302);
    expect(french.headers.get("location")).toMatch(/^https:\/\/example\.com\/[ab]\?utm_source=newsletter&utm_campaign=spring\+sale$/);

    // The edit page opens with what was saved.
    expect(await page.getByLabel("Destination URL").inputValue()).toBe("https://example.com/shoes");
    expect(await page.getByLabel("Send to", { exact: true }).inputValue()).toBe("https://example.de/");
    expect(await page.getByLabel("Variant B URL").inputValue()).toBe("https://example.com/b");
    await expect.poll(() => page.getByRole("img", { name: /QR code/ }).evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
    await shoot(page, "link-editor-edit");
  });

  test("before hydration the editor takes no input; once it is interactive, a new link's first field has the focus", async () => {
    // The server's HTML as a browser shows it before (or without) the script: nothing to type into
    // that React would then overwrite, no button that would submit the bare form.
    const inert = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
    const before = await inert.newPage();
    await before.goto(`${app.url}/app/links/new`);
    expect(await before.getByLabel("Destination URL").isDisabled()).toBe(true);
    expect(await before.getByLabel("Key", { exact: true }).isDisabled()).toBe(true);
    expect(await before.getByRole("button", { name: "Create link" }).isDisabled()).toBe(true);
    expect(await before.locator("form.le-form").getAttribute("aria-busy")).toBe("true");
    await inert.close();

    await page.goto(`${app.url}/app/links/new`);
    await editorReady(page);
    expect(await page.getByLabel("Destination URL").isDisabled()).toBe(false);
    expect(await page.getByRole("button", { name: "Create link" }).isDisabled()).toBe(false);
    expect(await page.locator("form.le-form").getAttribute("aria-busy")).toBeNull();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("name"))).toBe("url");
  });

  test("a validation error shows next to its field, focused, and nothing is saved", async () => {
    const before = await linkCount();
    await page.goto(`${app.url}/app/links/new`);
    await editorReady(page);
    await page.getByLabel("Destination URL").fill("example.com/no-scheme");
    await page.getByRole("button", { name: "Add rule" }).click();
    await page.getByLabel("Send to", { exact: true }).fill("https://example.de/");
    const countries = page.getByLabel("Countries");
    await countries.fill("Atlantis");
    await countries.press("Enter");
    await page.getByRole("button", { name: "Create link" }).click();
    const url = page.getByLabel("Destination URL");
    await expect.poll(() => url.getAttribute("aria-invalid")).toBe("true");
    expect(await url.getAttribute("aria-describedby")).toContain("f-url-error");
    expect(await page.locator("#f-url-error").textContent()).toBe("Must be an absolute http(s) URL");
    expect(await page.locator("#f-rules-0-conditions-0-in-error").textContent()).toMatch(/ISO 3166-1 alpha-2 country code/);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("f-url");
    expect(await page.getByRole("alert").first().textContent()).toBe("Please fix the highlighted fields.");
    // Fixing the field clears its error as you type.
    await url.fill("https://example.com/fixed");
    await expect.poll(() => url.getAttribute("aria-invalid")).toBeNull();
    // A taken key is refused by the service: shown next to the key, and still nothing saved.
    await page.getByRole("button", { name: "Remove Atlantis" }).click();
    await page.getByLabel("Countries").fill("DE");
    await page.getByLabel("Countries").press("Enter");
    await page.getByLabel("Key", { exact: true }).fill("spring-de");
    await expect.poll(() => page.locator("#le-key-status").textContent()).toContain("Taken");
    await page.getByRole("button", { name: "Create link" }).click();
    await expect.poll(() => page.locator("#f-key-error").textContent()).toMatch(/already in use/);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("f-key");
    expect(page.url()).toBe(`${app.url}/app/links/new`);
    expect(await linkCount()).toBe(before);
  });

  test("a link created with the keyboard only", async () => {
    const before = await linkCount();
    await page.goto(`${app.url}/app/links/new`);
    await editorReady(page);
    // The destination has focus on arrival; Tab moves through domain to key; Enter saves.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("f-url");
    await page.keyboard.type("https://example.com/typed");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("f-domain");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("f-key");
    await page.keyboard.type("typed");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("f-tags");
    await page.keyboard.type("keyboard");
    await page.keyboard.press("Enter"); // adds the tag
    await expect.poll(() => page.getByRole("button", { name: "Remove keyboard" }).isVisible()).toBe(true);
    await page.keyboard.press("Enter"); // an empty tag field: submits the form
    await page.waitForURL(/\/app\/links\/lnk_[0-9a-f]+\?created=1$/);
    expect(await linkCount()).toBe(before + 1);
    expect(await page.getByTestId("short-link").getAttribute("href")).toBe(`${app.url}/typed`);
    expect(await page.getByRole("button", { name: "Remove keyboard" }).isVisible()).toBe(true);

    // Rules reorder from the keyboard, and focus stays with the rule that moved.
    await page.getByRole("button", { name: "Add rule" }).focus();
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter");
    await page.locator("#f-rules-0-name").fill("First");
    await page.locator("#f-rules-1-name").fill("Second");
    await page.getByRole("button", { name: "Move Second up" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#f-rules-0-name").inputValue()).toBe("Second");
    expect(await page.locator("#f-rules-1-name").inputValue()).toBe("First");
    // At the top its "up" arrow is disabled, so focus lands on its "down" arrow.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Move Second down");
  });

  test("the QR panel downloads a PNG through the API with the session", async () => {
    await page.goto(`${app.url}${linkPath}`);
    await editorReady(page);
    await page.getByLabel("Size (px)").fill("256");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download PNG" }).click()]);
    expect(download.suggestedFilename()).toBe("spring-de-qr.png");
    const bytes = readFileSync((await download.path())!);
    expect([...bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(bytes.readUInt32BE(16)).toBe(256); // IHDR width
    // The same route without the session cookie is refused.
    const anonymous = await fetch(`${app.url}/api/v1${linkPath.replace("/app", "")}/qr?format=png`);
    expect(anonymous.status).toBe(401);
  });

  test("editing saves in place: a new title, an expiry picked from the calendar, a write-only password", async () => {
    await page.goto(`${app.url}${linkPath}`);
    await editorReady(page);
    await page.getByLabel("Title").fill("Spring shoes, now in blue");
    await page.locator("#f-expiresAt").click();
    await page.getByRole("button", { name: /next month/i }).click();
    await page.locator(".le-popover").getByRole("button", { name: / 28th, / }).click();
    await expect.poll(() => page.locator("#f-expiresAt").textContent()).toMatch(/ 28, /);
    expect(await page.locator("#f-expiresAt-time").inputValue()).toBe("23:59");
    await page.getByRole("button", { name: "Set a password" }).click();
    await page.getByLabel("Password", { exact: true }).fill("open sesame");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(() => page.locator("#le-form-message").textContent()).toBe("Saved.");
    // The password is gone from the form; only the fact that one is set remains.
    expect(await page.locator("#le-password-state").textContent()).toContain("A password is set");
    expect(await page.locator('input[type="password"]').count()).toBe(0);
    const id = linkPath.split("/").at(-1);
    const saved = (await (await page.request.get(`${app.url}/api/v1/links/${id}`)).json()) as { title: string; hasPassword: boolean; expiresAt: string | null };
    expect(saved.title).toBe("Spring shoes, now in blue");
    expect(saved.hasPassword).toBe(true);
    const expires = new Date(saved.expiresAt!);
    expect(expires.getTime()).toBeGreaterThan(Date.now());
    expect(saved).not.toHaveProperty("password");
  });

  test("a viewer sees the link read-only: inputs disabled, no save, no delete", async () => {
    // The owner invites a viewer, who signs up from the invitation, confirms and joins.
    await page.goto(`${app.url}/settings/members`);
    await page.getByLabel("Email").fill(`vic-${backend}@example.com`);
    await page.getByLabel("Role", { exact: true }).selectOption("viewer");
    await page.getByRole("button", { name: "Send invitation" }).click();
    const invite = linkIn(await smtp.next(`vic-${backend}@example.com`), `${app.url}/invite/`);
    const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, extraHTTPHeaders: { "x-real-ip": "198.51.100.42" } });
    const viewer = await viewerContext.newPage();
    await viewer.goto(`${app.url}/signup?invitation=${invite.pathname.split("/").at(-1)}`);
    await viewer.getByLabel("Your name").fill("Vic");
    await viewer.getByLabel("Email").fill(`vic-${backend}@example.com`);
    await viewer.getByLabel("Password").fill("a viewer's own passphrase");
    await viewer.getByRole("button", { name: "Create account" }).click();
    await viewer.waitForURL(`${app.url}${invite.pathname}`);
    const confirm = linkIn(await smtp.next(`vic-${backend}@example.com`), `${app.url}/verify-email?token=`);
    await viewer.goto(confirm.toString());
    await viewer.getByRole("button", { name: "Confirm my email" }).click();
    await expect.poll(() => viewer.getByText("Your email address is confirmed").isVisible()).toBe(true);
    await viewer.goto(invite.toString());
    await viewer.getByRole("button", { name: "Join Eel Works" }).click();
    await viewer.waitForURL(`${app.url}/settings/members`);

    await viewer.goto(`${app.url}${linkPath}`);
    expect(await viewer.getByLabel("Destination URL").inputValue()).toBe("https://example.com/shoes");
    expect(await viewer.getByLabel("Destination URL").isDisabled()).toBe(true);
    expect(await viewer.getByLabel("Send to", { exact: true }).isDisabled()).toBe(true);
    expect(await viewer.getByLabel("Weight %").first().isDisabled()).toBe(true);
    expect(await viewer.getByRole("button", { name: "Save changes" }).count()).toBe(0);
    expect(await viewer.getByRole("button", { name: "Delete link…" }).count()).toBe(0);
    expect(await viewer.getByText("your role in this workspace is viewer").isVisible()).toBe(true);
    // Reading is allowed (the QR code renders); writing through the API is refused on the server too.
    expect((await viewer.request.get(`${app.url}/api/v1${linkPath.replace("/app", "")}/qr?format=png`)).status()).toBe(200);
    const patch = await viewer.request.patch(`${app.url}/api/v1${linkPath.replace("/app", "")}`, { data: { url: "https://evil.example/" }, headers: { origin: app.url } });
    expect(patch.status()).toBe(403);
    expect(((await patch.json()) as { error: { code: string } }).error.code).toBe("insufficient_scope");
    await shoot(viewer, "link-editor-viewer");
    await viewerContext.close();
  });
});
