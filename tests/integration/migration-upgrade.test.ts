/**
 * Upgrading an instance that has clicks: migration 0011 gives every daily visitor the UTC hours of
 * its first and last click (from the hourly visitor rows the older click store wrote), counts them
 * into click_uniques_span, rebuilds the per-link daily rollup index with its INCLUDE columns, and
 * has autovacuum visit the tables read by index-only scans after a fixed number of inserts; migration
 * 0013 counts each link's visitors of the closed days into click_link_uniques_span; migration 0014
 * leaves a quarter of the per-link rollups' new pages free for HOT updates.
 * The database is migrated to 0010, given rows the way the 0010 click store wrote them, then
 * migrated to the end, on PGlite and (with DATABASE_URL) Postgres.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { afterAll, describe, expect, test } from "vitest";
import { backends } from "../support/databases";
import { withDatabase } from "../support/templates";

const MIGRATIONS = path.join(process.cwd(), "drizzle");

/** A copy of the migrations folder that ends at `lastTag` (its journal cut there). */
function migrationsUpTo(lastTag: string): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), "signpost-migrations-"));
  cpSync(MIGRATIONS, folder, { recursive: true });
  const journalPath = path.join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
  const end = journal.entries.findIndex((entry) => entry.tag === lastTag);
  if (end < 0) throw new Error(`no migration ${lastTag}`);
  journal.entries = journal.entries.slice(0, end + 1);
  writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

interface Target {
  query<T>(text: string): Promise<T[]>;
  migrate(folder: string): Promise<void>;
  close(): Promise<void>;
}

async function open(backend: "pglite" | "postgres"): Promise<Target> {
  if (backend === "pglite") {
    const client = await PGlite.create();
    return {
      query: async <T>(text: string) => (await client.query<T>(text)).rows,
      migrate: (folder) => migratePglite(drizzlePglite(client), { migrationsFolder: folder }),
      close: () => client.close(),
    };
  }
  const name = `signpost_upgrade_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const pool = new pg.Pool({ connectionString: withDatabase(process.env.DATABASE_URL!, name), max: 1 });
  return {
    query: async <T>(text: string) => (await pool.query(text)).rows as T[],
    migrate: (folder) => migratePg(drizzlePg(pool), { migrationsFolder: folder }),
    close: async () => {
      // A client that is still closing when the database is dropped is terminated (57P01): expected.
      pool.on("error", () => undefined);
      await pool.end();
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

const DAY = "2025-06-01T00:00:00Z";
const at = (hour: number) => `'${new Date(Date.parse(DAY) + hour * 3_600_000).toISOString()}'::timestamptz`;

describe.each(backends())("migrations 0011-0014 on %s", (backend) => {
  const folders: string[] = [];
  afterAll(() => {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  test("existing daily visitors get their first and last hours, and the span counts add up", async () => {
    const target = await open(backend);
    try {
      const upTo0010 = migrationsUpTo("0010_click_workspace_rollups");
      folders.push(upTo0010);
      await target.migrate(upTo0010);
      await target.query(`insert into organization (id, name, slug) values ('org_up', 'Upgrade', 'upgrade')`);
      // Hourly visitor rows as the 0010 click store wrote them: (link, hour, visitor, is_bot, variant).
      // lnk_2 has A/B variants.
      const hourly: [string, number, string, boolean, number][] = [
        ["lnk_1", 3, "a", false, -1],
        ["lnk_1", 9, "a", false, -1],
        ["lnk_2", 20, "a", false, 0], // a: a person from 03:00 to 20:00, on two links
        ["lnk_1", 5, "b", true, -1], // b: only ever a bot, at 05:00
        ["lnk_2", 2, "c", true, 1],
        ["lnk_1", 10, "c", false, -1],
        ["lnk_1", 22, "c", true, -1], // c: a person at 10:00, a bot at 02:00 and 22:00
        ["lnk_2", 10, "d", false, 0], // d: one click at 10:00
      ];
      await target.query(
        `insert into click_visitor_hour (workspace_id, link_id, bucket, visitor_id, is_bot, variant_index) values ${hourly
          .map(([link, hour, visitor, bot, variant]) => `('org_up', '${link}', ${at(hour)}, '${visitor}', ${bot}, ${variant})`)
          .join(", ")}`,
      );
      // And its daily sets and counts (migration 0010's backfill statements would give the same), plus
      // a member without hourly rows, which no click store wrote: it is taken to span its whole day.
      await target.query(`insert into click_visitor_day (workspace_id, day, with_bots, visitor_id) values
        ('org_up', '${DAY}', true, 'a'), ('org_up', '${DAY}', true, 'b'), ('org_up', '${DAY}', true, 'c'), ('org_up', '${DAY}', true, 'd'),
        ('org_up', '${DAY}', true, 'e'),
        ('org_up', '${DAY}', false, 'a'), ('org_up', '${DAY}', false, 'c'), ('org_up', '${DAY}', false, 'd')`);
      await target.query(`insert into click_uniques_day (workspace_id, day, with_bots, visitors) values ('org_up', '${DAY}', true, 5), ('org_up', '${DAY}', false, 3)`);

      await target.migrate(MIGRATIONS);

      const members = await target.query<{ with_bots: boolean; visitor_id: string; first_hour: number; last_hour: number; prev_first_hour: number | null }>(
        `select with_bots, visitor_id, first_hour, last_hour, prev_first_hour from click_visitor_day order by with_bots desc, visitor_id`,
      );
      expect(members.map((m) => [m.with_bots, m.visitor_id, Number(m.first_hour), Number(m.last_hour), m.prev_first_hour])).toEqual([
        [true, "a", 3, 20, null],
        [true, "b", 5, 5, null],
        [true, "c", 2, 22, null],
        [true, "d", 10, 10, null],
        [true, "e", 0, 23, null],
        [false, "a", 3, 20, null],
        [false, "c", 10, 10, null],
        [false, "d", 10, 10, null],
      ]);
      const spans = await target.query<{ with_bots: boolean; first_hour: number; last_hour: number; visitors: unknown }>(
        `select with_bots, first_hour, last_hour, visitors from click_uniques_span order by with_bots desc, first_hour, last_hour`,
      );
      expect(spans.map((s) => [s.with_bots, Number(s.first_hour), Number(s.last_hour), Number(s.visitors)])).toEqual([
        [true, 0, 23, 1],
        [true, 2, 22, 1],
        [true, 3, 20, 1],
        [true, 5, 5, 1],
        [true, 10, 10, 1],
        [false, 3, 20, 1],
        [false, 10, 10, 2],
      ]);
      // Migration 0013: each link's closed days (this one is long before the compaction mark), per
      // set and variant (-1: the whole link), by first and last hour.
      const linkSpans = await target.query<{ link_id: string; with_bots: boolean; variant: number; first_hour: number; last_hour: number; visitors: unknown }>(
        `select link_id, with_bots, variant, first_hour, last_hour, visitors from click_link_uniques_span where day = '${DAY}' order by link_id, with_bots desc, variant, first_hour`,
      );
      expect(linkSpans.map((s) => [s.link_id, s.with_bots, Number(s.variant), Number(s.first_hour), Number(s.last_hour), Number(s.visitors)])).toEqual([
        ["lnk_1", true, -1, 3, 9, 1],
        ["lnk_1", true, -1, 5, 5, 1],
        ["lnk_1", true, -1, 10, 22, 1],
        ["lnk_1", false, -1, 3, 9, 1],
        ["lnk_1", false, -1, 10, 10, 1],
        ["lnk_2", true, -1, 2, 2, 1],
        ["lnk_2", true, -1, 10, 10, 1],
        ["lnk_2", true, -1, 20, 20, 1],
        ["lnk_2", true, 0, 10, 10, 1],
        ["lnk_2", true, 0, 20, 20, 1],
        ["lnk_2", true, 1, 2, 2, 1],
        ["lnk_2", false, -1, 10, 10, 1],
        ["lnk_2", false, -1, 20, 20, 1],
        ["lnk_2", false, 0, 10, 10, 1],
        ["lnk_2", false, 0, 20, 20, 1],
      ]);
      const [index] = await target.query<{ def: string }>(`select pg_get_indexdef('click_rollup_day_link_dimension_idx'::regclass) as def`);
      expect(index?.def).toMatch(/\(link_id, dimension, bucket\) INCLUDE \(value, is_bot, clicks\)/);
      // Autovacuum visits the tables read by index-only scans after a fixed number of inserts;
      // the per-link rollups, updated by every click round, leave room on their pages for HOT
      // updates (0014).
      const options = await target.query<{ relname: string; reloptions: string[] }>(
        `select relname, reloptions from pg_class where relname in ('click_rollup_day', 'click_rollup_hour', 'click_visitor_hour') order by relname`,
      );
      expect(options.map((o) => [o.relname, [...o.reloptions].sort()])).toEqual([
        ["click_rollup_day", ["autovacuum_vacuum_insert_scale_factor=0", "autovacuum_vacuum_insert_threshold=20000", "fillfactor=75"]],
        ["click_rollup_hour", ["fillfactor=75"]],
        ["click_visitor_hour", ["autovacuum_vacuum_insert_scale_factor=0", "autovacuum_vacuum_insert_threshold=100000"]],
      ]);
    } finally {
      await target.close();
    }
  });
});
