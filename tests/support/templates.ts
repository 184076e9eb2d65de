/**
 * Migrated database templates, made once per migration set and cloned per test file:
 * - Postgres (when DATABASE_URL is set): a template database `signpost_tpl_<hash>`; each test
 *   file gets `CREATE DATABASE … TEMPLATE …`, which is far faster than migrating again.
 * - PGlite: a migrated data folder under tmp/, copied per test file.
 * Only node_modules imports here: global setup runs outside the app's module aliases.
 */
import { createHash, randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";

const root = fileURLToPath(new URL("../..", import.meta.url));
const migrationsFolder = path.join(root, "drizzle");

function migrationsHash(): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(migrationsFolder, { recursive: true }).map(String).sort()) {
    const full = path.join(migrationsFolder, file);
    if (file.endsWith(".sql") || file.endsWith(".json")) hash.update(file).update(readFileSync(full));
  }
  return hash.digest("hex").slice(0, 12);
}

export const TEMPLATE_DB = `signpost_tpl_${migrationsHash()}`;
const PGLITE_TEMPLATE = path.join(root, "tmp", `pglite-template-${migrationsHash()}`);

/** Admin connection string: DATABASE_URL with its database swapped for `name`. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function preparePostgresTemplate(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [TEMPLATE_DB]);
    if (rowCount) return;
    const building = `${TEMPLATE_DB}_build_${randomBytes(3).toString("hex")}`;
    await client.query(`create database "${building}"`);
    const pool = new pg.Pool({ connectionString: withDatabase(url, building), max: 1 });
    await migratePg(drizzlePg(pool), { migrationsFolder });
    await pool.end();
    await client.query(`alter database "${building}" rename to "${TEMPLATE_DB}"`).catch(async (error) => {
      await client.query(`drop database if exists "${building}"`);
      if (!String(error).includes("already exists")) throw error;
    });
  } finally {
    await client.end();
  }
}

export async function preparePgliteTemplate(): Promise<void> {
  if (existsSync(PGLITE_TEMPLATE)) return;
  mkdirSync(path.dirname(PGLITE_TEMPLATE), { recursive: true });
  const building = `${PGLITE_TEMPLATE}.build-${process.pid}`;
  const client = await PGlite.create(building);
  await migratePglite(drizzlePglite(client), { migrationsFolder });
  await client.close();
  try {
    renameSync(building, PGLITE_TEMPLATE);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another run made it first
  }
}

/** A fresh, migrated Postgres database for one test file. */
export async function clonePostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const url = process.env.DATABASE_URL!;
  const name = `signpost_test_${randomBytes(5).toString("hex")}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(`create database "${name}" template "${TEMPLATE_DB}"`);
      break;
    } catch (error) {
      // Two clones at once: "source database is being accessed by other users".
      if (attempt >= 20 || !String(error).includes("being accessed")) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    }
  }
  return {
    url: withDatabase(url, name),
    drop: () => adminQuery(`drop database if exists "${name}" with (force)`),
  };
}

/** A fresh, migrated PGlite data folder (DATA_DIR layout: <dir>/pglite) for one test file. */
export function clonePglite(): { dataDir: string; remove(): void } {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "signpost-test-"));
  cpSync(PGLITE_TEMPLATE, path.join(dataDir, "pglite"), { recursive: true });
  return { dataDir, remove: () => rmSync(dataDir, { recursive: true, force: true }) };
}
