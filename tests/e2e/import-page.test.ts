/**
 * The import page (/app/import) end to end on the built app, in chromium: sign up, upload a CSV,
 * change a column's mapping over the preview, import skipping the invalid row (the app's own job
 * queue runs it), watch the progress finish, find the error report, and see the links in the list,
 * whose export menu downloads them. Screenshots of the mapping step and the finished import at 390
 * and 1280 px, and of the open export menu, go to tmp/screenshots/.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startApp, type RunningApp } from "../support/app-server";
import { backends } from "../support/databases";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (see .ci/run)`);
const SCREENSHOTS = path.resolve("tmp", "screenshots");
const backend = backends().at(-1)!;

const CSV = [
  "Destination,Slug,Label,Notes",
  "https://example.com/spring,spring-sale,Spring sale,first",
  "https://example.com/summer,summer-sale,Summer sale,second",
  "not a url,broken,Broken,third",
].join("\n");

describe.skipIf(!haveChromium)(`import page in chromium on ${backend}`, () => {
  let app: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    app = await startApp(backend);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function shots(page: Page, name: string) {
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  test("upload → map → import → the links appear, the bad row is in the error report", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, extraHTTPHeaders: { "x-forwarded-for": "198.51.100.91" }, acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${app.url}/signup`);
    await page.getByLabel("Your name").fill("Iris");
    await page.getByLabel("Email").fill("iris@example.com");
    await page.getByLabel("Password").fill("an importer's long passphrase");
    await page.getByLabel("Workspace name").fill("Orchard");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(`${app.url}/app`);

    await page.goto(`${app.url}/app/import`);
    await page.getByLabel("CSV file").setInputFiles({ name: "campaign.csv", mimeType: "text/csv", buffer: Buffer.from(CSV) });
    await page.getByRole("button", { name: "Upload" }).click();
    await page.getByRole("heading", { name: "2. Map the columns" }).waitFor();
    expect(await page.getByText("campaign.csv looks like a generic CSV").isVisible()).toBe(true);
    // Guessed from the header: Destination → URL, Slug → key; Label and Notes are left to the user.
    expect(await page.getByLabel("Column Destination").inputValue()).toBe("url");
    expect(await page.getByLabel("Column Slug").inputValue()).toBe("key");
    expect(await page.getByLabel("Column Label").inputValue()).toBe("");
    await page.getByLabel("Column Label").selectOption("title");
    await page.getByLabel("Column Notes").selectOption("comments");
    expect(await page.getByRole("cell", { name: "https://example.com/summer" }).isVisible()).toBe(true);
    await shots(page, "import-mapping");

    await page.getByLabel("Import the valid rows, report the others").check();
    await page.getByRole("button", { name: "Start import" }).click();
    await page.getByRole("heading", { name: "3. Import finished" }).waitFor({ timeout: 60_000 });
    const figures = await page.getByRole("status").textContent();
    expect(figures).toContain("3 rows read");
    expect(figures).toContain("2 imported");
    expect(figures).toContain("1 failed");
    const reportLink = page.getByRole("link", { name: "Download the error report" });
    const download = await Promise.all([page.waitForEvent("download"), reportLink.click()]).then(([d]) => d);
    const report = await (await download.createReadStream()).toArray();
    const text = Buffer.concat(report as Buffer[]).toString("utf8");
    expect(text.split("\n")[0]).toBe("row,column,code,message,Destination,Slug,Label,Notes");
    expect(text).toContain("4,Destination,invalid_value");
    await shots(page, "import-done");

    await page.getByRole("link", { name: "See your links" }).click();
    await page.waitForURL(`${app.url}/app`);
    const keys = await page.locator("tbody tr .short code").allTextContents();
    expect(keys.join(" ")).toContain("spring-sale");
    expect(keys.join(" ")).toContain("summer-sale");
    expect(await page.getByText("Spring sale").first().isVisible()).toBe(true);

    // The export menu downloads what the list shows.
    await page.getByText("Export", { exact: true }).click();
    const csvLink = page.getByRole("menuitem", { name: "Links as CSV" });
    await csvLink.waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, "links-export-menu-1280.png") });
    expect(await csvLink.getAttribute("href")).toBe("/api/v1/links/export?format=csv&archived=false");
    const exported = await Promise.all([page.waitForEvent("download"), csvLink.click()]).then(([d]) => d);
    const exportText = Buffer.concat((await (await exported.createReadStream()).toArray()) as Buffer[]).toString("utf8");
    expect(exportText).toContain("spring-sale");
    expect(exportText).toContain("Spring sale");
    await context.close();
  });
});
