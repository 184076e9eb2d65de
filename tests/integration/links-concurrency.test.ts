/**
 * Concurrent requests against the links API on real databases. On Postgres the requests really
 * overlap (a pool of 4 connections); on PGlite the single connection serialises them, so there the
 * same assertions check the outcome rather than the race.
 */
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PATCH as patchRoute } from "@/app/api/v1/links/[id]/route";
import { POST as bulkCreate } from "@/app/api/v1/links/bulk/route";
import { POST as createRoute } from "@/app/api/v1/links/route";
import { POST as createTagRoute } from "@/app/api/v1/tags/route";
import type { LinkView } from "@/core/link";
import { link, linkTag, tag } from "@/server/db/schema";
import { backends, type TestDatabase } from "../support/databases";
import { apiRequest, expectApiError, expectJson, routeParams, openWithOwner } from "../support/integration-helpers";

const PARALLEL = 10;

describe.each(backends())("concurrent link writes on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: { workspaceId: string; key: string };

  beforeAll(async () => {
    ({ testDb, owner } = await openWithOwner(backend));
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  const db = () => testDb.database.db;
  const create = (body: unknown) => createRoute(apiRequest("/api/v1/links", { key: owner.key, body }));

  test(`${PARALLEL} parallel creates of the same slug: exactly one 201, the rest 409 key_taken, one row`, async () => {
    const responses = await Promise.all(Array.from({ length: PARALLEL }, (_, i) => create({ url: `https://example.com/race/${i}`, key: "race-slug" })));
    const winners = responses.filter((r) => r.status === 201);
    expect(responses.map((r) => r.status).sort()).toEqual([201, ...Array<number>(PARALLEL - 1).fill(409)]);

    const winner = await expectJson<LinkView>(winners[0]!, 201);
    for (const response of responses.filter((r) => r.status !== 201)) await expectApiError(response, 409, "key_taken", "key");

    const rows = await db().select().from(link).where(eq(link.key, "race-slug"));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: winner.id, url: winner.url });
  });

  test(`${PARALLEL} parallel creates without a key: ${PARALLEL} links with ${PARALLEL} distinct keys`, async () => {
    const responses = await Promise.all(Array.from({ length: PARALLEL }, (_, i) => create({ url: `https://example.com/free/${i}` })));
    const views = await Promise.all(responses.map((r) => expectJson<LinkView>(r, 201)));
    expect(new Set(views.map((v) => v.key)).size).toBe(PARALLEL);
    expect(views.map((v) => v.url).sort()).toEqual(Array.from({ length: PARALLEL }, (_, i) => `https://example.com/free/${i}`).sort());
  });

  test(`${PARALLEL} parallel creates that introduce the same new tag: all succeed, one tag row`, async () => {
    const responses = await Promise.all(Array.from({ length: PARALLEL }, (_, i) => create({ url: `https://example.com/tagged/${i}`, tags: ["race-tag", `own-${i}`] })));
    const views = await Promise.all(responses.map((r) => expectJson<LinkView>(r, 201)));
    const tags = await db().select().from(tag).where(eq(tag.name, "race-tag"));
    expect(tags).toHaveLength(1);
    for (const view of views) expect(view.tags.find((t) => t.name === "race-tag")?.id).toBe(tags[0]!.id);
    expect(await db().select({ n: count() }).from(linkTag).where(eq(linkTag.tagId, tags[0]!.id))).toEqual([{ n: PARALLEL }]);
  });

  test(`${PARALLEL} parallel POST /tags of one name: one 201, the rest 409 conflict`, async () => {
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, () => createTagRoute(apiRequest("/api/v1/tags", { key: owner.key, body: { name: "tag-race" } }))),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([201, ...Array<number>(PARALLEL - 1).fill(409)]);
    for (const response of responses.filter((r) => r.status === 409)) await expectApiError(response, 409, "conflict", "name");
    expect(await db().select({ n: count() }).from(tag).where(eq(tag.name, "tag-race"))).toEqual([{ n: 1 }]);
  });

  test(`${PARALLEL} parallel PATCHes of one link: every one applied, versions 2..${PARALLEL + 1} each handed out once`, async () => {
    const created = await expectJson<LinkView>(await create({ url: "https://example.com/patched" }), 201);
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        patchRoute(apiRequest(`/api/v1/links/${created.id}`, { key: owner.key, method: "PATCH", body: { title: `writer ${i}` } }), routeParams({ id: created.id })),
      ),
    );
    const views = await Promise.all(responses.map((r) => expectJson<LinkView>(r, 200)));
    expect(views.map((v) => v.version).sort((a, b) => a - b)).toEqual(Array.from({ length: PARALLEL }, (_, i) => i + 2));
    const [row] = await db().select().from(link).where(eq(link.id, created.id));
    expect(row!.version).toBe(PARALLEL + 1);
    // The last writer (highest version) is the title that stuck.
    expect(row!.title).toBe(views.find((v) => v.version === PARALLEL + 1)!.title);
  });

  test("two parallel bulk creates sharing one slug: one batch lands whole, the other not at all", async () => {
    const batch = (name: string) => ({
      links: [
        { url: `https://example.com/${name}/0`, key: `${name}-only-0` },
        { url: `https://example.com/${name}/1`, key: "bulk-race-shared" },
        { url: `https://example.com/${name}/2`, key: `${name}-only-2` },
      ],
    });
    const [a, b] = await Promise.all(["batch-a", "batch-b"].map((name) => bulkCreate(apiRequest("/api/v1/links/bulk", { key: owner.key, body: batch(name) }))));
    expect([a!.status, b!.status].sort()).toEqual([201, 409]);
    const loser = a!.status === 409 ? "batch-a" : "batch-b";
    const winner = loser === "batch-a" ? "batch-b" : "batch-a";
    await expectApiError(loser === "batch-a" ? a! : b!, 409, "key_taken", "links.1.key");

    const keys = (await db().select({ key: link.key }).from(link)).map((r) => r.key);
    expect(keys).toEqual(expect.arrayContaining([`${winner}-only-0`, "bulk-race-shared", `${winner}-only-2`]));
    expect(keys.filter((k) => k.startsWith(loser))).toEqual([]);
  });
});
