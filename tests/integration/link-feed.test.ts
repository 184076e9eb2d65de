/**
 * The link-change feed's origin side on real databases (docs/decisions/0032-link-change-feed.md):
 * every API change to a link becomes a feed row in the change's own transaction (both commit or
 * neither does), a signed poll returns the changes after its cursor,
 * a cursor it cannot continue starts a new feed (naming nothing), and (Postgres) a change still in flight during one
 * poll is returned by the next. The edge side: src/edge/change-feed.test.ts.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GET as changesRoute } from "@/app/api/internal/v1/links/changes/route";
import { DELETE as deleteRoute, PATCH as patchRoute } from "@/app/api/v1/links/[id]/route";
import { PATCH as bulkPatchRoute } from "@/app/api/v1/links/bulk/route";
import { POST as createRoute } from "@/app/api/v1/links/route";
import type { LinkView } from "@/core/link";
import { getDb } from "@/server/db/client";
import { CURSOR_MAX_AGE_MS, KEEP_MS, MAX_CHANGES, pruneLinkChanges, recordLinkChanges, type LinkChangePage } from "@/server/events/link-feed";
import { runFirstSetup } from "@/server/setup/service";
import { backends, type TestDatabase } from "../support/databases";
import { apiRequest, expectApiError, expectJson, openTestDatabase, PASSWORD, routeParams, signedRequest } from "../support/integration-helpers";
import { withDatabase } from "../support/templates";

const CHANGES = "/api/internal/v1/links/changes";
const DOMAIN = "localhost:3000";

describe.each(backends())("link-change feed on %s", (backend) => {
  let testDb: TestDatabase;
  let apiKey: string;

  beforeAll(async () => {
    testDb = await openTestDatabase(backend);
    apiKey = (await runFirstSetup({ name: "Ada", email: "ada@example.com", password: PASSWORD, workspace: "Acme" })).apiKey.key;
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  async function poll(cursor?: string): Promise<LinkChangePage> {
    const path = cursor === undefined ? CHANGES : `${CHANGES}?${new URLSearchParams({ cursor })}`;
    return expectJson<LinkChangePage>(await changesRoute(await signedRequest("GET", path)), 200);
  }
  const keysOf = (page: LinkChangePage) => page.changes.map((change) => `${change.domain}/${change.key}`).sort();

  async function createLink(key: string): Promise<LinkView> {
    return expectJson<LinkView>(await createRoute(apiRequest("/api/v1/links", { key: apiKey, body: { url: `https://example.com/${key}`, key } })), 201);
  }

  test("creating, editing (a key change names both keys) and deleting links are each in the next poll", async () => {
    const start = await poll();
    expect(start.fresh).toBe(true);
    expect(start.cursor).toMatch(/^\d+\.\d+$/);

    const made = await createLink("feed-a");
    const afterCreate = await poll(start.cursor);
    expect(afterCreate.fresh).toBe(false);
    expect(keysOf(afterCreate)).toContain(`${DOMAIN}/feed-a`);

    await expectJson(await patchRoute(apiRequest(`/api/v1/links/${made.id}`, { key: apiKey, method: "PATCH", body: { key: "feed-b" } }), routeParams({ id: made.id })), 200);
    const afterRename = await poll(afterCreate.cursor);
    expect(keysOf(afterRename)).toEqual(expect.arrayContaining([`${DOMAIN}/feed-a`, `${DOMAIN}/feed-b`]));

    const response = await deleteRoute(apiRequest(`/api/v1/links/${made.id}`, { key: apiKey, method: "DELETE" }), routeParams({ id: made.id }));
    expect(response.status).toBe(204);
    expect(keysOf(await poll(afterRename.cursor))).toContain(`${DOMAIN}/feed-b`);
  });

  test("a change that fails part-way leaves no feed row: the feed is written in the change's transaction", async () => {
    const [kept, other] = [await createLink("feed-kept"), await createLink("feed-other")];
    const { cursor } = await poll();
    const ghost = "lnk_00000000000000000000000000000000";
    const response = await bulkPatchRoute(
      apiRequest("/api/v1/links/bulk", { key: apiKey, method: "PATCH", body: { links: [{ id: kept.id, key: "feed-renamed" }, { id: ghost, title: "ghost" }] } }),
    );
    await expectApiError(response, 404, "not_found", "links.1.id");
    const page = await poll(cursor);
    expect(page.fresh).toBe(false);
    expect(keysOf(page)).not.toContain(`${DOMAIN}/feed-kept`);
    expect(keysOf(page)).not.toContain(`${DOMAIN}/feed-renamed`);

    // And the other way round: a feed row that cannot be written fails the change, which is not applied.
    await testDb.database.query(`create function refuse_feed() returns trigger language plpgsql as $$ begin raise exception 'feed refused'; end $$`);
    await testDb.database.query("create trigger refuse_feed before insert on link_change for each statement execute function refuse_feed()");
    try {
      const refused = await patchRoute(apiRequest(`/api/v1/links/${other.id}`, { key: apiKey, method: "PATCH", body: { url: "https://example.com/never" } }), routeParams({ id: other.id }));
      expect(refused.status).toBe(500);
    } finally {
      await testDb.database.query("drop trigger refuse_feed on link_change");
      await testDb.database.query("drop function refuse_feed()");
    }
    const { rows } = await testDb.database.query("select url, version from link where id = $1", [other.id]);
    expect(rows[0]).toMatchObject({ url: "https://example.com/feed-other", version: other.version });
  });

  test("a new feed names no changes, even ones made just before it", async () => {
    await createLink("feed-recent");
    expect(await poll()).toMatchObject({ fresh: true, changes: [] });
  });

  test("each link once per poll, however often it changed", async () => {
    const start = await poll();
    await recordLinkChanges(await getDb(), [{ domain: DOMAIN, key: "twice" }]);
    await recordLinkChanges(await getDb(), [{ domain: DOMAIN, key: "twice" }, { domain: DOMAIN, key: "twice" }]);
    expect(keysOf(await poll(start.cursor)).filter((key) => key.endsWith("/twice"))).toEqual([`${DOMAIN}/twice`]);
  });

  test("an unreadable, too old or future cursor starts a new feed", async () => {
    const { cursor } = await poll();
    const [xmin, at] = cursor.split(".");
    for (const bad of ["", "nonsense", "1.2.3", `${xmin}.${Number(at) - CURSOR_MAX_AGE_MS - 1_000}`, `${xmin}.${Number(at) + 3_600_000}`]) {
      const page = await poll(bad);
      expect(page.fresh, bad).toBe(true);
      expect(page.cursor).toMatch(/^\d+\.\d+$/);
    }
    expect((await poll(cursor)).fresh).toBe(false);
  });

  test(`more than ${MAX_CHANGES} changes since the cursor start a new feed instead of a page`, async () => {
    const { cursor } = await poll();
    await recordLinkChanges(await getDb(), Array.from({ length: MAX_CHANGES + 1 }, (_, i) => ({ domain: DOMAIN, key: `bulk-${i}` })));
    const page = await poll(cursor);
    expect(page).toMatchObject({ fresh: true, changes: [] });
  });

  test("rows older than an hour are pruned; younger ones stay", async () => {
    await recordLinkChanges(await getDb(), [{ domain: DOMAIN, key: "old" }, { domain: DOMAIN, key: "young" }]);
    await testDb.database.query("update link_change set at = now() - make_interval(secs => $1) where key = 'old'", [KEEP_MS / 1000 + 1]);
    expect(await pruneLinkChanges()).toBeGreaterThanOrEqual(1);
    const { rows } = await testDb.database.query("select key from link_change where key in ('old', 'young')");
    expect(rows.map((row) => row.key)).toEqual(["young"]);
  });

  test("refused with 401 unless signed; the feed is left unread", async () => {
    await expectApiError(await changesRoute(new Request(`http://localhost:3000${CHANGES}`)), 401, "unauthorized");
  });

  test.skipIf(backend !== "postgres")("a change whose transaction was still open during a poll is returned by the poll after", async () => {
    const [{ name }] = (await testDb.database.query("select current_database() as name")).rows as [{ name: string }];
    const writer = new pg.Client({ connectionString: withDatabase(process.env.DATABASE_URL!, name) });
    await writer.connect();
    try {
      const start = await poll();
      await writer.query("begin");
      await writer.query("insert into link_change (domain, key) values ($1, 'slow')", [DOMAIN]);
      // A later change commits first: a cursor of "the last row seen" would now skip the slow one.
      await recordLinkChanges(await getDb(), [{ domain: DOMAIN, key: "quick" }]);
      const during = await poll(start.cursor);
      expect(keysOf(during)).toContain(`${DOMAIN}/quick`);
      expect(keysOf(during)).not.toContain(`${DOMAIN}/slow`);
      await writer.query("commit");
      // The cursor from the poll that could not see it still reaches it.
      expect(keysOf(await poll(during.cursor))).toContain(`${DOMAIN}/slow`);
    } finally {
      await writer.end();
    }
  });
});
