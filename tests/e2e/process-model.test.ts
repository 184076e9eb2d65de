/**
 * The process model: embedded mode has exactly one owner of the data folder; a bad configuration
 * stops the start naming the variable; migrations run at start on an empty database; with
 * DATABASE_URL several processes share one Postgres.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { BROWSER_UA, freePort, runToExit, spawnApp, TEST_SECRET, type RunningApp } from "../support/app-server";
import { clonePostgres, withDatabase } from "../support/templates";
import pg from "pg";

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "signpost-e2e-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function setUp(app: RunningApp): Promise<string> {
  const response = await fetch(`${app.url}/api/v1/setup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "Ops", email: "ops@example.com", password: "a long enough password", workspace: "Ops" }),
  });
  expect(response.status).toBe(201);
  return (await response.json()).apiKey.key as string;
}

describe("embedded mode (PGlite)", () => {
  test("an empty data folder is migrated at start, and a second process on it is refused clearly", async () => {
    const dataDir = tempDir();
    const first = await spawnApp({ DATA_DIR: dataDir });
    cleanups.push(() => first.stop());
    expect(await (await fetch(`${first.url}/api/v1/setup`)).json()).toEqual({ needsSetup: true });

    const second = await runToExit({ DATA_DIR: dataDir, SIGNPOST_SECRET: TEST_SECRET, APP_URL: "http://localhost:1" });
    expect(second.code).not.toBe(0);
    expect(second.output).toContain(`is already open in process ${first.child.pid}`);
    expect(second.output).toContain("DATABASE_URL");

    // The owner is unharmed: it still answers from its database.
    expect((await fetch(`${first.url}/api/v1/setup`)).status).toBe(200);
  });

  test("a lock left by a process that died is taken over", async () => {
    const dataDir = tempDir();
    // A pid that cannot be alive: pids are capped far below 2^22 on Linux by default.
    const { writeFileSync, mkdirSync } = await import("node:fs");
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path.join(dataDir, "owner.pid"), "4194304");
    const app = await spawnApp({ DATA_DIR: dataDir });
    cleanups.push(() => app.stop());
    expect((await fetch(`${app.url}/api/v1/setup`)).status).toBe(200);
  });
});

describe("configuration errors stop the start and name the variable", () => {
  test.each([
    [{ SIGNPOST_SECRET: "" }, "SIGNPOST_SECRET: is required"],
    [{ SIGNPOST_SECRET: "short" }, "SIGNPOST_SECRET: must be at least 32 characters"],
    [{ DATABASE_URL: "mysql://localhost/x" }, "DATABASE_URL: must be a postgres://"],
    [{ APP_URL: "not a url" }, "APP_URL"],
    [{ SHORT_DOMAINS: "bad host!" }, "SHORT_DOMAINS"],
  ])("%o", async (override, message) => {
    const result = await runToExit({ DATA_DIR: tempDir(), SIGNPOST_SECRET: TEST_SECRET, ...override });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("Invalid Signpost configuration");
    expect(result.output).toContain(message);
  });
});

describe.runIf(process.env.DATABASE_URL)("server mode (DATABASE_URL)", () => {
  test("an empty Postgres database is migrated at start", async () => {
    const name = `signpost_empty_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`create database "${name}"`);
    cleanups.push(async () => {
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    });
    const app = await spawnApp({ DATABASE_URL: withDatabase(process.env.DATABASE_URL!, name) });
    cleanups.push(() => app.stop());
    expect(await (await fetch(`${app.url}/api/v1/setup`)).json()).toEqual({ needsSetup: true });
    const migrated = new pg.Client({ connectionString: withDatabase(process.env.DATABASE_URL!, name) });
    await migrated.connect();
    const { rows } = await migrated.query(
      `select count(*)::int as n from pg_tables where schemaname = 'public' and tablename in ('link','click','user','organization','apikey')`,
    );
    await migrated.end();
    expect(rows[0].n).toBe(5);
  });

  test("two processes share one Postgres: a link made on one redirects and counts on the other", async () => {
    const clone = await clonePostgres();
    cleanups.push(() => clone.drop());
    const [portA, portB] = [await freePort(), await freePort()];
    const shortDomains = `localhost:${portA},localhost:${portB}`;
    const a = await spawnApp({ DATABASE_URL: clone.url, SHORT_DOMAINS: shortDomains }, { port: portA });
    cleanups.push(() => a.stop());
    const b = await spawnApp({ DATABASE_URL: clone.url, SHORT_DOMAINS: shortDomains }, { port: portB });
    cleanups.push(() => b.stop());

    const key = await setUp(a);
    const created = await fetch(`${a.url}/api/v1/links`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ url: "https://example.com/shared", key: "shared", domain: `localhost:${portB}` }),
    });
    expect(created.status).toBe(201);
    const link = await created.json();

    const redirect = await fetch(`${b.url}/shared`, { redirect: "manual", headers: { "user-agent": BROWSER_UA } });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("https://example.com/shared");

    let clicks = 0;
    for (let i = 0; i < 50 && clicks < 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      clicks = (await (await fetch(`${a.url}/api/v1/links/${link.id}`, { headers: { authorization: `Bearer ${key}` } })).json()).clicks;
    }
    expect(clicks).toBe(1);
  });
});
