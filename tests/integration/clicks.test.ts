/**
 * Click ingestion (recordClicks) on real databases: humans counted, bots stored but not counted,
 * idempotent by click id, unknown links dropped, the workspace taken from our own tables, and a
 * batch recorded wholly or not at all.
 */
import { randomUUID } from "node:crypto";
import { eq, inArray } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ClickEvent } from "@/core/link";
import { recordClicks } from "@/server/clicks/ingest";
import { click, link, organization } from "@/server/db/schema";
import { backends, type TestDatabase } from "../support/databases";
import { openTestDatabase } from "../support/integration-helpers";
import { withDatabase } from "../support/templates";

const WORKSPACE_A = "org_clicks_a";
const WORKSPACE_B = "org_clicks_b";
const BIGINT_MAX = "9223372036854775807";

const at = (iso: string) => new Date(iso).toISOString();

function clickEvent(linkId: string, overrides: Partial<ClickEvent> = {}): ClickEvent {
  return {
    id: randomUUID(),
    linkId,
    workspaceId: WORKSPACE_A,
    at: at("2025-03-01T12:00:00Z"),
    url: "https://example.com/landing",
    userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0",
    referrer: "https://news.example/",
    isBot: false,
    country: "DE",
    ...overrides,
  };
}

describe.each(backends())("click ingestion on %s", (backend) => {
  let testDb: TestDatabase;
  let serial = 0;

  beforeAll(async () => {
    testDb = await openTestDatabase(backend);
    await testDb.database.db.insert(organization).values([
      { id: WORKSPACE_A, name: "A", slug: "clicks-a" },
      { id: WORKSPACE_B, name: "B", slug: "clicks-b" },
    ]);
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  const db = () => testDb.database.db;

  /** A fresh link in `workspaceId`, straight into the table. */
  async function newLink(workspaceId = WORKSPACE_A): Promise<string> {
    const id = `lnk_clicks_${++serial}`;
    await db().insert(link).values({ id, workspaceId, domain: "localhost:3000", key: `c${serial}`, url: "https://example.com/landing" });
    return id;
  }
  async function linkState(id: string) {
    const [row] = await db().select({ clicks: link.clicks, lastClickedAt: link.lastClickedAt }).from(link).where(eq(link.id, id));
    return row!;
  }
  async function clickRows(ids: string[]) {
    return ids.length ? db().select().from(click).where(inArray(click.id, ids)) : [];
  }

  test("humans are stored and counted; lastClickedAt is the latest click", async () => {
    const id = await newLink();
    const events = [
      clickEvent(id, { at: at("2025-03-01T10:00:00Z") }),
      clickEvent(id, { at: at("2025-03-01T12:30:00Z"), country: null, referrer: null }),
      clickEvent(id, { at: at("2025-03-01T11:00:00Z"), userAgent: null }),
    ];

    expect(await recordClicks(events)).toEqual({ accepted: 3, duplicates: 0, unknownLinks: 0 });

    expect(await linkState(id)).toEqual({ clicks: 3, lastClickedAt: new Date("2025-03-01T12:30:00Z") });
    const rows = await clickRows(events.map((e) => e.id));
    expect(rows).toHaveLength(3);
    const second = rows.find((r) => r.id === events[1]!.id)!;
    expect(second).toMatchObject({
      linkId: id,
      workspaceId: WORKSPACE_A,
      clickedAt: new Date("2025-03-01T12:30:00Z"),
      url: "https://example.com/landing",
      isBot: false,
      country: null,
      referrer: null,
      userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0",
    });
    expect(second.receivedAt).toBeInstanceOf(Date);
  });

  test("bots are stored with is_bot=true but neither counted nor moving lastClickedAt", async () => {
    const id = await newLink();
    const human = clickEvent(id, { at: at("2025-03-02T09:00:00Z") });
    const bots = [
      clickEvent(id, { isBot: true, userAgent: "Googlebot/2.1", at: at("2025-03-02T10:00:00Z") }),
      clickEvent(id, { isBot: true, userAgent: "curl/8.5.0", at: at("2025-03-02T11:00:00Z") }),
    ];

    expect(await recordClicks([...bots, human])).toEqual({ accepted: 3, duplicates: 0, unknownLinks: 0 });

    expect(await linkState(id)).toEqual({ clicks: 1, lastClickedAt: new Date("2025-03-02T09:00:00Z") });
    const rows = await clickRows([...bots, human].map((e) => e.id));
    expect(rows.filter((r) => r.isBot).map((r) => r.id).sort()).toEqual(bots.map((b) => b.id).sort());
    expect(rows.filter((r) => !r.isBot).map((r) => r.id)).toEqual([human.id]);
  });

  test("a batch of bots only leaves the counter at 0 and lastClickedAt empty", async () => {
    const id = await newLink();
    expect(await recordClicks([clickEvent(id, { isBot: true }), clickEvent(id, { isBot: true })])).toEqual({
      accepted: 2,
      duplicates: 0,
      unknownLinks: 0,
    });
    expect(await linkState(id)).toEqual({ clicks: 0, lastClickedAt: null });
  });

  test("a later batch with older clicks never moves lastClickedAt backwards", async () => {
    const id = await newLink();
    await recordClicks([clickEvent(id, { at: at("2025-03-03T12:00:00Z") })]);
    await recordClicks([clickEvent(id, { at: at("2025-03-03T08:00:00Z") })]);
    expect(await linkState(id)).toEqual({ clicks: 2, lastClickedAt: new Date("2025-03-03T12:00:00Z") });
  });

  test("one batch over several links updates each link's own counter", async () => {
    const [x, y, z] = [await newLink(), await newLink(), await newLink()];
    const events = [
      clickEvent(x, { at: at("2025-03-04T10:00:00Z") }),
      clickEvent(y, { at: at("2025-03-04T11:00:00Z") }),
      clickEvent(x, { at: at("2025-03-04T12:00:00Z") }),
      clickEvent(z, { isBot: true }),
    ];
    expect(await recordClicks(events)).toEqual({ accepted: 4, duplicates: 0, unknownLinks: 0 });
    expect(await linkState(x)).toEqual({ clicks: 2, lastClickedAt: new Date("2025-03-04T12:00:00Z") });
    expect(await linkState(y)).toEqual({ clicks: 1, lastClickedAt: new Date("2025-03-04T11:00:00Z") });
    expect(await linkState(z)).toEqual({ clicks: 0, lastClickedAt: null });
  });

  describe("idempotency by click id", () => {
    test("re-sending the same batch changes nothing and reports duplicates", async () => {
      const id = await newLink();
      const batch = [clickEvent(id), clickEvent(id, { at: at("2025-03-05T10:00:00Z") }), clickEvent(id, { isBot: true })];
      expect(await recordClicks(batch)).toEqual({ accepted: 3, duplicates: 0, unknownLinks: 0 });
      const after = await linkState(id);
      const rowsAfter = await clickRows(batch.map((e) => e.id));

      expect(await recordClicks(batch)).toEqual({ accepted: 0, duplicates: 3, unknownLinks: 0 });
      expect(await linkState(id)).toEqual(after);
      expect(await clickRows(batch.map((e) => e.id))).toEqual(rowsAfter);
      expect(after.clicks).toBe(2);
    });

    test("a partly re-sent batch counts only the new clicks", async () => {
      const id = await newLink();
      const old = [clickEvent(id), clickEvent(id)];
      await recordClicks(old);
      const fresh = clickEvent(id, { at: at("2025-03-06T10:00:00Z") });
      expect(await recordClicks([...old, fresh])).toEqual({ accepted: 1, duplicates: 2, unknownLinks: 0 });
      expect((await linkState(id)).clicks).toBe(3);
    });

    test("the same click id twice within one batch is stored and counted once (ON CONFLICT DO NOTHING skips the second row)", async () => {
      const id = await newLink();
      const event = clickEvent(id);
      expect(await recordClicks([event, { ...event }])).toEqual({ accepted: 1, duplicates: 1, unknownLinks: 0 });
      expect((await linkState(id)).clicks).toBe(1);
      expect(await clickRows([event.id])).toHaveLength(1);
    });

    test("a click id already stored for another link is a duplicate, not a second click", async () => {
      const [first, second] = [await newLink(), await newLink()];
      const event = clickEvent(first);
      await recordClicks([event]);
      expect(await recordClicks([{ ...event, linkId: second }])).toEqual({ accepted: 0, duplicates: 1, unknownLinks: 0 });
      expect((await linkState(second)).clicks).toBe(0);
      expect((await clickRows([event.id]))[0]?.linkId).toBe(first);
    });
  });

  test("clicks for unknown links are dropped and reported; the rest of the batch is stored", async () => {
    const id = await newLink();
    const known = [clickEvent(id), clickEvent(id)];
    const unknown = [clickEvent("lnk_deleted_meanwhile"), clickEvent("lnk_never_existed", { isBot: true })];

    expect(await recordClicks([unknown[0]!, known[0]!, unknown[1]!, known[1]!])).toEqual({ accepted: 2, duplicates: 0, unknownLinks: 2 });

    expect((await linkState(id)).clicks).toBe(2);
    expect((await clickRows(known.map((e) => e.id))).length).toBe(2);
    expect(await clickRows(unknown.map((e) => e.id))).toEqual([]);
  });

  test("deleting a link deletes its click rows (a trigger on link: the click table has no foreign key)", async () => {
    const [gone, kept] = [await newLink(), await newLink()];
    const events = [clickEvent(gone), clickEvent(gone, { isBot: true }), clickEvent(kept)];
    expect(await recordClicks(events)).toEqual({ accepted: 3, duplicates: 0, unknownLinks: 0 });
    await db().delete(link).where(eq(link.id, gone));
    expect((await clickRows(events.map((e) => e.id))).map((r) => r.linkId)).toEqual([kept]);
  });

  test("a batch only of unknown links stores nothing", async () => {
    const events = [clickEvent("lnk_gone_1"), clickEvent("lnk_gone_2")];
    expect(await recordClicks(events)).toEqual({ accepted: 0, duplicates: 0, unknownLinks: 2 });
    expect(await clickRows(events.map((e) => e.id))).toEqual([]);
  });

  test("the event's workspaceId is ignored in favour of the link's real workspace", async () => {
    const id = await newLink(WORKSPACE_A);
    const lying = clickEvent(id, { workspaceId: WORKSPACE_B });
    const bogus = clickEvent(id, { workspaceId: "org_does_not_exist" });
    expect(await recordClicks([lying, bogus])).toEqual({ accepted: 2, duplicates: 0, unknownLinks: 0 });

    const rows = await clickRows([lying.id, bogus.id]);
    expect(rows.map((r) => r.workspaceId)).toEqual([WORKSPACE_A, WORKSPACE_A]);
  });

  describe("all or nothing", () => {
    test("a batch failing mid-way (counter overflow on its second link) leaves no rows and no counter change", async () => {
      const [healthy, saturated] = [await newLink(), await newLink()];
      await recordClicks([clickEvent(healthy, { at: at("2025-03-07T08:00:00Z") })]);
      // The counter is a bigint: one more human click on `saturated` makes its UPDATE fail, after
      // the click rows were inserted and `healthy`'s counter was bumped in the same transaction.
      await testDb.database.query(`update link set clicks = ${BIGINT_MAX} where id = $1`, [saturated]);
      const before = await linkState(healthy);

      const batch = [
        clickEvent(healthy, { at: at("2025-03-07T09:00:00Z") }),
        clickEvent(healthy, { isBot: true }),
        clickEvent(saturated, { at: at("2025-03-07T09:30:00Z") }),
      ];
      await expect(recordClicks(batch)).rejects.toThrow();

      expect(await clickRows(batch.map((e) => e.id))).toEqual([]);
      expect(await linkState(healthy)).toEqual(before);
      const { rows } = await testDb.database.query("select clicks::text as clicks, last_clicked_at from link where id = $1", [saturated]);
      expect(rows).toEqual([{ clicks: BIGINT_MAX, last_clicked_at: null }]);

      // Nothing of the failed batch was consumed: once the cause is gone, the same batch is fully new.
      await db().update(link).set({ clicks: 0 }).where(eq(link.id, saturated));
      expect(await recordClicks(batch)).toEqual({ accepted: 3, duplicates: 0, unknownLinks: 0 });
      expect(await linkState(healthy)).toEqual({ clicks: before.clicks + 1, lastClickedAt: new Date("2025-03-07T09:00:00Z") });
      expect((await linkState(saturated)).clicks).toBe(1);
    });

    test("a row the database refuses (NOT NULL url) fails the whole batch", async () => {
      const id = await newLink();
      const good = clickEvent(id);
      const bad = { ...clickEvent(id), url: null } as unknown as ClickEvent;
      await expect(recordClicks([good, bad])).rejects.toThrow();
      expect(await clickRows([good.id, bad.id])).toEqual([]);
      expect(await linkState(id)).toEqual({ clicks: 0, lastClickedAt: null });
    });
  });

  describe("concurrency", () => {
    test("concurrent batches for one link lose no counts", async () => {
      const id = await newLink();
      const batches = Array.from({ length: 5 }, () => Array.from({ length: 10 }, () => clickEvent(id)));
      const results = await Promise.all(batches.map((batch) => recordClicks(batch)));
      expect(results.every((r) => r.accepted === 10)).toBe(true);
      expect((await linkState(id)).clicks).toBe(50);
    });

    /** A second connection to the test database, to hold locks while batches run. Postgres only. */
    async function holderConnection(): Promise<pg.Client> {
      const [{ name }] = (await testDb.database.query("select current_database() as name")).rows as [{ name: string }];
      const holder = new pg.Client({ connectionString: withDatabase(process.env.DATABASE_URL!, name) });
      await holder.connect();
      return holder;
    }

    /** Sessions of this database waiting on a lock. pg_stat_activity is snapshotted per transaction, hence the clear before every look. */
    async function lockWaiters(holder: pg.Client): Promise<number> {
      await holder.query("select pg_stat_clear_snapshot()");
      const { rows } = await holder.query("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
      return rows[0].n as number;
    }

    /**
     * Two batches touching the same two links in opposite order, released at the same moment by a
     * third connection that held both link rows: each batch locks its first link, then waits for
     * the other's. Postgres only: PGlite has one connection, so its transactions never overlap.
     */
    async function opposingBatches() {
      const [x, y] = [await newLink(), await newLink()];
      const holder = await holderConnection();
      try {
        await holder.query("begin");
        await holder.query("select id from link where id in ($1, $2) for no key update", [x, y]);
        const first = [clickEvent(x), clickEvent(y)];
        const second = [clickEvent(y), clickEvent(x)];
        const settled = Promise.allSettled([recordClicks(first), recordClicks(second)]);
        // Both batches must be waiting on the held rows before they are released.
        await expect.poll(() => lockWaiters(holder), { timeout: 10_000, interval: 20 }).toBe(2);
        await holder.query("commit");
        return { x, y, batches: [first, second], results: await settled };
      } finally {
        await holder.end();
      }
    }

    test.skipIf(backend !== "postgres")(
      "batches over the same links in opposite order: every click is counted exactly once once failures are re-sent",
      async () => {
        const { x, y, batches, results } = await opposingBatches();
        for (const [i, result] of results.entries()) {
          if (result.status === "rejected") {
            // The loser was rolled back completely: re-sending it records all of it.
            expect(await clickRows(batches[i]!.map((e) => e.id))).toEqual([]);
            expect(await recordClicks(batches[i]!)).toEqual({ accepted: 2, duplicates: 0, unknownLinks: 0 });
          }
        }
        expect((await linkState(x)).clicks).toBe(2);
        expect((await linkState(y)).clicks).toBe(2);
      },
    );

    // The batch locks its links (FOR KEY SHARE) before it writes: a link whose deletion is under
    // way is waited for, then left out, so no click row can outlive its link.
    test.skipIf(backend !== "postgres")("a batch waits for a link being deleted, then drops its clicks", async () => {
      const [doomed, kept] = [await newLink(), await newLink()];
      const holder = await holderConnection();
      try {
        await holder.query("begin");
        await holder.query("delete from link where id = $1", [doomed]);
        const events = [clickEvent(doomed), clickEvent(kept)];
        const stored = recordClicks(events);
        await expect.poll(() => lockWaiters(holder), { timeout: 10_000, interval: 20 }).toBe(1);
        await holder.query("commit");
        expect(await stored).toEqual({ accepted: 1, duplicates: 0, unknownLinks: 1 });
        expect((await clickRows(events.map((e) => e.id))).map((r) => r.linkId)).toEqual([kept]);
        expect((await linkState(kept)).clicks).toBe(1);
      } finally {
        await holder.end();
      }
    });

    // Counters are updated in sorted link-id order, so batches over the same links in opposite
    // order cannot deadlock ("deadlock detected") on Postgres.
    test.skipIf(backend !== "postgres")("batches over the same links in opposite order both succeed", async () => {
      const { results } = await opposingBatches();
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled"]);
    });
  });
});
