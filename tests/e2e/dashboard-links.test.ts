/**
 * The links dashboard (/app) end to end on the built app, in chromium: sign up and land on the
 * empty state; links created through the API (with the session) appear; search, sort by clicks,
 * copy to the clipboard, bulk archive and the archived filter, delete behind its dialog; the keyboard
 * reaches search, rows and "New link" with a visible focus ring; a viewer (invited through the
 * members page) sees the list without write controls, and a forged bulk-delete POST is refused.
 * Screenshots of /app (empty and with links) at 390 and 1280 px go to tmp/screenshots/.
 *
 * One backend: the bulk logic itself runs on both in tests/integration/dashboard-links.test.ts.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BROWSER_UA, startApp, type RunningApp } from "../support/app-server";
import { backends } from "../support/databases";
import { linkIn, startSmtp, type TestSmtp } from "../integration/auth-helpers";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (see .ci/run)`);
const SCREENSHOTS = path.resolve("tmp", "screenshots");
const backend = backends().at(-1)!;

function decode(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

describe.skipIf(!haveChromium)(`links dashboard in chromium on ${backend}`, () => {
  let app: RunningApp;
  let smtp: TestSmtp;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    smtp = await startSmtp();
    app = await startApp(backend, { SMTP_URL: smtp.url, EMAIL_FROM: "Signpost <robot@signpost.test>" });
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

  /** A browser profile of its own, from its own client address (sign-up limits are per IP). */
  const newContext = (ip: string) => browser.newContext({ viewport: { width: 1280, height: 900 }, extraHTTPHeaders: { "x-forwarded-for": ip } });
  const rowKeys = (page: Page) => page.locator("tbody tr .short code").allTextContents();

  async function shots(page: Page, name: string) {
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
    }
  }

  test("sign up → empty state → links → search, sort, copy, bulk archive and delete; keyboard; a viewer reads only", async () => {
    const owner = await newContext("198.51.100.61");
    await owner.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
    const page = await owner.newPage();

    // Sign up: people land on the links list, which teaches what to do first.
    await page.goto(`${app.url}/signup`);
    await page.getByLabel("Your name").fill("Maya");
    await page.getByLabel("Email").fill("maya@example.com");
    await page.getByLabel("Password").fill("a marketer's long passphrase");
    await page.getByLabel("Workspace name").fill("Meadow");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(`${app.url}/app`);
    await smtp.next("maya@example.com"); // the confirmation email
    expect(await page.getByRole("heading", { name: "Create your first short link" }).isVisible()).toBe(true);
    expect(await page.getByRole("link", { name: "Create your first link" }).getAttribute("href")).toBe("/app/links/new");
    expect(await page.locator("pre").textContent()).toContain(`curl -X POST ${app.url}/api/v1/links`);
    expect(await page.getByRole("button", { name: /Workspace\s*Meadow/ }).isVisible()).toBe(true);
    expect(await page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: "Links" }).getAttribute("aria-current")).toBe("page");
    await shots(page, "dashboard-empty");
    await page.setViewportSize({ width: 1280, height: 900 });

    // Three links through the API with the session; clicks through the edge: 3, 1 and 0.
    const created: Record<string, { id: string; shortLink: string }> = {};
    for (const [key, url, tags] of [
      ["spring-sale", "https://example.com/campaigns/spring?utm_source=newsletter&utm_medium=email&utm_campaign=spring-sale-2026", ["promo"]],
      ["autumn-news", "https://example.com/news/autumn", ["news"]],
      ["winter", "https://example.com/winter", []],
    ] as const) {
      const response = await owner.request.post(`${app.url}/api/v1/links`, { data: { url, key, tags } });
      expect(response.status(), await response.text()).toBe(201);
      created[key] = await response.json();
    }
    for (const [key, times] of [["spring-sale", 3], ["autumn-news", 1]] as const) {
      for (let i = 0; i < times; i++) {
        const hop = await fetch(`${app.url}/${key}`, { redirect: "manual", headers: { "user-agent": BROWSER_UA } });
        expect(hop.status).toBe(302);
      }
    }
    await expect
      .poll(async () => ((await (await owner.request.get(`${app.url}/api/v1/links/${created["spring-sale"]!.id}`)).json()) as { clicks: number }).clicks, { timeout: 20_000 })
      .toBe(3);
    await expect
      .poll(async () => ((await (await owner.request.get(`${app.url}/api/v1/links/${created["autumn-news"]!.id}`)).json()) as { clicks: number }).clicks, { timeout: 20_000 })
      .toBe(1);

    const host = new URL(app.url).host;
    await page.goto(`${app.url}/app`);
    expect(await rowKeys(page)).toEqual([`${host}/winter`, `${host}/autumn-news`, `${host}/spring-sale`]);
    const spring = page.locator(`tr[data-link-id="${created["spring-sale"]!.id}"]`);
    expect(await spring.locator(".dest").getAttribute("title")).toContain("utm_campaign=spring-sale-2026");
    expect(await spring.getByRole("link", { name: "promo" }).isVisible()).toBe(true);
    expect(await spring.locator(".col-clicks").textContent()).toBe("3");
    expect(await spring.getByRole("link", { name: `Open ${host}/spring-sale` }).getAttribute("href")).toBe(`/app/links/${created["spring-sale"]!.id}`);

    // Search narrows the list; the URL carries it.
    await page.getByLabel("Search").fill("autumn");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/[?&]q=autumn/);
    await expect.poll(() => rowKeys(page)).toEqual([`${host}/autumn-news`]);
    // A search with no results says so and offers to clear the filters.
    await page.goto(`${app.url}/app?q=nothing-like-this`);
    expect(await page.getByRole("heading", { name: "No links match “nothing-like-this”" }).isVisible()).toBe(true);
    await page.getByRole("link", { name: "Clear filters" }).click();
    await page.waitForURL(`${app.url}/app`);
    await expect.poll(() => rowKeys(page)).toHaveLength(3);

    // Sort by clicks from the column header: most first, then fewest first.
    await page.getByRole("link", { name: "Clicks", exact: true }).click();
    await page.waitForURL(/sort=clicks/);
    await expect.poll(() => rowKeys(page)).toEqual([`${host}/spring-sale`, `${host}/autumn-news`, `${host}/winter`]);
    expect(await page.locator("th[aria-sort]").textContent()).toContain("Clicks");
    await page.getByRole("link", { name: /^Clicks/ }).click();
    await page.waitForURL(/order=asc/);
    await expect.poll(() => rowKeys(page)).toEqual([`${host}/winter`, `${host}/autumn-news`, `${host}/spring-sale`]);

    // Copy puts the full short link on the clipboard and says so.
    await page.getByRole("button", { name: `Copy ${host}/spring-sale` }).click();
    await expect.poll(() => spring.getByRole("status").textContent()).toBe("Copied");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${app.url}/spring-sale`);
    await page.goto(`${app.url}/app`);
    await shots(page, "dashboard-links");
    await page.setViewportSize({ width: 1280, height: 900 });

    // Select-all ticks every row on the page, and clears them again.
    await page.getByRole("checkbox", { name: "Select all links on this page" }).check();
    expect(await page.locator(".bulk-count").textContent()).toBe("3 selected");
    expect(await page.locator('input[name="ids"]:checked').count()).toBe(3);
    await page.getByRole("checkbox", { name: "Select all links on this page" }).uncheck();
    expect(await page.locator('input[name="ids"]:checked').count()).toBe(0);

    // Bulk archive two; the archived filter shows them.
    await page.getByRole("checkbox", { name: `Select ${host}/spring-sale` }).check();
    await page.getByRole("checkbox", { name: `Select ${host}/winter` }).check();
    expect(await page.locator(".bulk-count").textContent()).toBe("2 selected");
    await page.getByRole("button", { name: "Archive", exact: true }).click();
    await expect.poll(() => page.locator(".bulk > p[role=status]").textContent()).toBe("Archived 2 links.");
    await expect.poll(() => rowKeys(page)).toEqual([`${host}/autumn-news`]);
    await page.getByLabel("Show").selectOption("archived");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/archived=archived/);
    await expect.poll(() => rowKeys(page)).toEqual([`${host}/winter`, `${host}/spring-sale`]);
    expect(await page.locator("tbody .badge").allTextContents()).toEqual(["Archived", "Archived"]);

    // Delete asks first: cancel keeps the link, confirming deletes it.
    await page.getByRole("checkbox", { name: `Select ${host}/winter` }).check();
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const dialog = page.getByRole("alertdialog");
    expect(await dialog.getByRole("heading").textContent()).toBe("Delete 1 link?");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await rowKeys(page)).toHaveLength(2);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => page.locator(".bulk > p[role=status]").textContent()).toBe("Deleted 1 link.");
    await expect.poll(() => rowKeys(page)).toEqual([`${host}/spring-sale`]);
    expect((await owner.request.get(`${app.url}/api/v1/links/${created.winter!.id}`)).status()).toBe(404);

    // Keyboard only: Tab from the top reaches the skip link, search, the rows and "New link", each with a visible focus ring.
    await page.goto(`${app.url}/app`);
    const reached: string[] = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press("Tab");
      const focused = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        const style = getComputedStyle(el);
        const name = el.getAttribute("aria-label") ?? el.getAttribute("name") ?? el.textContent?.trim() ?? "";
        return { name, ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0 };
      });
      if (!focused) continue;
      expect(focused.ring, `focus ring on ${focused.name}`).toBe(true);
      reached.push(focused.name);
    }
    expect(reached[0]).toBe("Skip to content");
    expect(reached).toContain("New link");
    expect(reached).toContain("q");
    expect(reached).toContain(`Select ${host}/autumn-news`);
    expect(reached).toContain(`Open ${host}/autumn-news`);
    expect(reached.indexOf("New link")).toBeLessThan(reached.indexOf(`Select ${host}/autumn-news`));

    // A second workspace (made on the settings page), then back to the first with the header's switcher, keyboard only.
    await page.goto(`${app.url}/settings/account`);
    await page.getByLabel("Workspace name").fill("Second field");
    await page.getByRole("button", { name: "Create workspace" }).click();
    await expect.poll(() => page.getByRole("status").first().textContent()).toContain("is now your current workspace");
    await page.goto(`${app.url}/app`);
    expect(await page.getByRole("heading", { name: "Create your first short link" }).isVisible()).toBe(true);
    await page.getByRole("button", { name: /Workspace\s*Second field/ }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("menu").waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent ?? "")).toContain("Meadow");
    await page.screenshot({ path: path.join(SCREENSHOTS, "dashboard-switcher-1280.png") });
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByRole("button", { name: /Workspace\s*Meadow/ }).count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => rowKeys(page)).toEqual([`${host}/autumn-news`]);

    // A viewer, invited through the members page, reads the list and changes nothing.
    await page.goto(`${app.url}/settings/members`);
    await page.getByLabel("Email").fill("victor@example.com");
    await page.getByLabel("Role", { exact: true }).selectOption("viewer");
    await page.getByRole("button", { name: "Send invitation" }).click();
    await expect.poll(() => page.getByRole("status").first().textContent()).toContain("Invitation sent");
    const invite = linkIn(await smtp.next("victor@example.com"), `${app.url}/invite/`);

    const viewer: BrowserContext = await newContext("198.51.100.62");
    const vpage = await viewer.newPage();
    await vpage.goto(`${app.url}/signup?invitation=${invite.pathname.split("/").at(-1)}`);
    await vpage.getByLabel("Your name").fill("Victor");
    await vpage.getByLabel("Password").fill("a viewer's long passphrase");
    await vpage.getByRole("button", { name: "Create account" }).click();
    await vpage.waitForURL(`${app.url}${invite.pathname}`);
    const confirm = linkIn(await smtp.next("victor@example.com"), `${app.url}/verify-email?token=`);
    await vpage.goto(confirm.toString());
    await vpage.getByRole("button", { name: "Confirm my email" }).click();
    await expect.poll(() => vpage.getByRole("status").first().textContent()).toContain("confirmed");
    await vpage.goto(`${app.url}${invite.pathname}`);
    await vpage.getByRole("button", { name: "Join Meadow" }).click();
    await vpage.waitForURL(`${app.url}/settings/members`);

    await vpage.goto(`${app.url}/app?archived=all`);
    await expect.poll(() => rowKeys(vpage)).toEqual([`${host}/autumn-news`, `${host}/spring-sale`]);
    expect(await vpage.getByText("You are a viewer in Meadow").isVisible()).toBe(true);
    expect(await vpage.getByRole("link", { name: "New link" }).count()).toBe(0);
    expect(await vpage.getByRole("checkbox").count()).toBe(0);
    expect(await vpage.getByRole("button", { name: /^(Archive|Unarchive|Delete)$/ }).count()).toBe(0);
    await expect.poll(() => vpage.getByRole("button", { name: `Copy ${host}/spring-sale` }).isEnabled()).toBe(true);

    // A forged bulk delete: the owner's form, posted as a browser without JavaScript would, with the viewer's cookies.
    const ownerHtml = await (await owner.request.get(`${app.url}/app?archived=all`)).text();
    const form = /<form[^>]*aria-label="Links"[\s\S]*?<\/form>/.exec(ownerHtml)?.[0];
    expect(form).toBeTruthy();
    const fields: Record<string, string> = {};
    for (const input of form!.match(/<input[^>]*type="hidden"[^>]*>/g) ?? []) {
      const attrs = Object.fromEntries([...input.matchAll(/([\w:$-]+)="([^"]*)"/g)].map((m) => [m[1]!, decode(m[2]!)]));
      if (attrs.name) fields[attrs.name] = attrs.value ?? "";
    }
    expect(Object.keys(fields).some((name) => name.startsWith("$ACTION"))).toBe(true);
    const forged = await viewer.request.post(`${app.url}/app?archived=all`, {
      multipart: { ...fields, op: "delete", confirmed: "yes", ids: created["spring-sale"]!.id },
    });
    expect(forged.status()).toBe(200);
    expect(decode(await forged.text())).toContain("Your role in this workspace (viewer) can read links but not change them.");
    const still = await owner.request.get(`${app.url}/api/v1/links/${created["spring-sale"]!.id}`);
    expect(still.status()).toBe(200);
    // The same post from the owner does delete: the refusal above was the role, not the form.
    const real = await owner.request.post(`${app.url}/app?archived=all`, { multipart: { ...fields, op: "delete", confirmed: "yes", ids: created["spring-sale"]!.id } });
    expect(decode(await real.text())).toContain("Deleted 1 link.");
    expect((await owner.request.get(`${app.url}/api/v1/links/${created["spring-sale"]!.id}`)).status()).toBe(404);

    // Without JavaScript: bulk archive is a plain form post; delete goes through the confirm page.
    const nojs = await browser.newContext({ javaScriptEnabled: false, storageState: await owner.storageState(), extraHTTPHeaders: { "x-forwarded-for": "198.51.100.63" } });
    const plain = await nojs.newPage();
    await plain.goto(`${app.url}/app`);
    await plain.getByRole("checkbox", { name: `Select ${host}/autumn-news` }).check();
    await plain.getByRole("button", { name: "Archive", exact: true }).click();
    await expect.poll(() => plain.locator(".bulk > p[role=status]").textContent()).toBe("Archived 1 link.");
    // Nothing active is left: the list says so, without pretending a search came up empty.
    expect(await plain.getByRole("heading", { name: "No active links" }).isVisible()).toBe(true);
    expect(await plain.getByRole("button", { name: "Archive", exact: true }).isVisible()).toBe(false);
    await plain.goto(`${app.url}/app?archived=archived`);
    await plain.getByRole("checkbox", { name: `Select ${host}/autumn-news` }).check();
    await plain.getByRole("button", { name: "Delete", exact: true }).click();
    await plain.waitForURL(/\/app\/delete\?/);
    expect(await plain.getByRole("heading", { level: 1 }).textContent()).toBe("Delete 1 link?");
    expect(await plain.locator(".confirm-list").textContent()).toContain(`${host}/autumn-news`);
    await plain.getByRole("button", { name: "Delete it" }).click();
    await plain.waitForURL(`${app.url}/app?archived=archived&deleted=1`);
    expect(await plain.getByRole("status").first().textContent()).toBe("Deleted 1 link.");
    expect((await owner.request.get(`${app.url}/api/v1/links/${created["autumn-news"]!.id}`)).status()).toBe(404);
    // The workspace is empty again: the list teaches the first step once more.
    await plain.goto(`${app.url}/app`);
    expect(await plain.getByRole("heading", { name: "Create your first short link" }).isVisible()).toBe(true);

    await nojs.close();
    await viewer.close();
    await owner.close();
  });
});
