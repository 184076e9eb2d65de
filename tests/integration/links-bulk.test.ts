/**
 * /api/v1/links/bulk on real databases: create, update and delete many links all-or-nothing. Every
 * refusal is checked against the database: no row created, changed or deleted.
 */
import { count, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DELETE as bulkDelete, PATCH as bulkPatch, POST as bulkCreate } from "@/app/api/v1/links/bulk/route";
import { POST as createRoute } from "@/app/api/v1/links/route";
import type { LinkView } from "@/core/link";
import { link, tag } from "@/server/db/schema";
import { backends, type TestDatabase } from "../support/databases";
import { apiRequest, expectApiError, expectJson, openWithOwner } from "../support/integration-helpers";

type Created = { data: LinkView[] };

describe.each(backends())("bulk links on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: { workspaceId: string; key: string };
  let serial = 0;

  beforeAll(async () => {
    ({ testDb, owner } = await openWithOwner(backend));
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  const db = () => testDb.database.db;
  const linkCount = async () => (await db().select({ n: count() }).from(link))[0]!.n;
  const tagCount = async () => (await db().select({ n: count() }).from(tag))[0]!.n;
  const post = (body: unknown) => bulkCreate(apiRequest("/api/v1/links/bulk", { key: owner.key, body }));
  const patch = (body: unknown) => bulkPatch(apiRequest("/api/v1/links/bulk", { key: owner.key, body, method: "PATCH" }));
  const del = (body: unknown) => bulkDelete(apiRequest("/api/v1/links/bulk", { key: owner.key, body, method: "DELETE" }));
  const items = (n: number, extra: (i: number) => Record<string, unknown> = () => ({})) =>
    Array.from({ length: n }, (_, i) => ({ url: `https://example.com/bulk/${++serial}`, ...extra(i) }));
  const newLinks = async (n: number) => (await expectJson<Created>(await post({ links: items(n) }), 201)).data;
  const rowsOf = async (ids: string[]) => {
    const rows = await db().select().from(link).where(inArray(link.id, ids));
    return ids.map((id) => rows.find((r) => r.id === id));
  };

  /** Runs `call` and proves that it wrote nothing: same link and tag counts. */
  async function expectNothingWritten(call: () => Promise<void>) {
    const [links, tags] = [await linkCount(), await tagCount()];
    await call();
    expect(await linkCount()).toBe(links);
    expect(await tagCount()).toBe(tags);
  }

  describe("POST /api/v1/links/bulk", () => {
    test("creates N links in order, all in the caller's workspace, with their tags", async () => {
      const before = await linkCount();
      const body = {
        links: [
          { url: "https://example.com/one", key: "bulk-one", tags: ["bulk-shared"] },
          { url: "https://example.com/two", tags: ["bulk-shared", "bulk-two"], redirectStatus: 301 },
          { url: "https://example.com/three", title: "Third", password: "bulk-pass" },
        ],
      };
      const { data } = await expectJson<Created>(await post(body), 201);
      expect(data.map((l) => l.url)).toEqual(["https://example.com/one", "https://example.com/two", "https://example.com/three"]);
      expect(data[0]).toMatchObject({ key: "bulk-one", tags: [{ name: "bulk-shared" }] });
      expect(data[1]).toMatchObject({ redirectStatus: 301, tags: [{ name: "bulk-shared" }, { name: "bulk-two" }] });
      expect(data[1]!.tags[0]!.id).toBe(data[0]!.tags[0]!.id);
      expect(data[2]).toMatchObject({ title: "Third", hasPassword: true });
      expect(JSON.stringify(data)).not.toContain("bulk-pass");

      expect(await linkCount()).toBe(before + 3);
      const rows = await rowsOf(data.map((l) => l.id));
      expect(rows.every((r) => r?.workspaceId === owner.workspaceId)).toBe(true);
      expect(await db().select({ n: count() }).from(tag).where(eq(tag.name, "bulk-shared"))).toEqual([{ n: 1 }]);
    });

    test("one invalid item (index 3): 422 on 'links.3.url' and nothing created", async () => {
      await expectNothingWritten(async () => {
        const links = items(5, (i) => ({ tags: [`never-${i}`] }));
        links[3]!.url = "javascript:alert(1)";
        const error = await expectApiError(await post({ links }), 422, "validation_failed", "links.3.url");
        expect(error.details?.map((d) => d.field)).toEqual(["links.3.url"]);
      });
    });

    test("a loop at index 3 (found after items 0-2 were inserted): 422 on 'links.3.url', all rolled back", async () => {
      await expectNothingWritten(async () => {
        const links = items(5, (i) => ({ key: `rolled-back-${i}`, tags: ["rolled-back-tag"] }));
        links[3]!.url = "http://localhost:3000/loop";
        await expectApiError(await post({ links }), 422, "validation_failed", "links.3.url");
      });
      expect(await db().select().from(link).where(inArray(link.key, ["rolled-back-0", "rolled-back-1", "rolled-back-2"]))).toEqual([]);
    });

    test("several invalid items: 'field' is the first, 'details' has each", async () => {
      await expectNothingWritten(async () => {
        const links = items(4);
        links[1]!.url = "ftp://example.com/";
        (links[2] as Record<string, unknown>).maxClicks = 0;
        const error = await expectApiError(await post({ links }), 422, "validation_failed", "links.1.url");
        expect(error.details?.map((d) => d.field)).toEqual(["links.1.url", "links.2.maxClicks"]);
      });
    });

    test("duplicate explicit keys within the batch: 409 key_taken on 'links.1.key', nothing created", async () => {
      await expectNothingWritten(async () => {
        const error = await expectApiError(
          await post({ links: [{ url: "https://example.com/a", key: "dup-in-batch" }, { url: "https://example.com/b", key: "dup-in-batch" }] }),
          409,
          "key_taken",
          "links.1.key",
        );
        expect(error.message).toContain("dup-in-batch");
      });
      expect(await db().select().from(link).where(eq(link.key, "dup-in-batch"))).toEqual([]);
    });

    test("a key already taken by an existing link (index 2): 409 on 'links.2.key', nothing created", async () => {
      await expectJson(await createRoute(apiRequest("/api/v1/links", { key: owner.key, body: { url: "https://example.com/holder", key: "bulk-holder" } })), 201);
      await expectNothingWritten(async () => {
        const links = items(4);
        (links[2] as Record<string, unknown>).key = "bulk-holder";
        await expectApiError(await post({ links }), 409, "key_taken", "links.2.key");
      });
    });

    test.each([
      { label: "a reserved key at index 1", body: { links: [{ url: "https://example.com/a" }, { url: "https://example.com/b", key: "Login" }] }, field: "links.1.key" },
      { label: "an unknown domain at index 0", body: { links: [{ url: "https://example.com/a", domain: "nowhere.example" }] }, field: "links.0.domain" },
      { label: "an unknown field in an item", body: { links: [{ url: "https://example.com/a", id: "lnk_mine" }] }, field: "links.0.id" },
      { label: "an empty list", body: { links: [] }, field: "links" },
      { label: "no list", body: {}, field: "links" },
      { label: "links as an object", body: { links: { url: "https://example.com/" } }, field: "links" },
      { label: "an unknown top-level field", body: { links: [{ url: "https://example.com/a" }], dryRun: true }, field: "dryRun" },
    ])("$label → 422 on '$field', nothing created", async ({ body, field }) => {
      await expectNothingWritten(async () => {
        await expectApiError(await post(body), 422, "validation_failed", field);
      });
    });

    test("malformed JSON → 400 invalid_json", async () => {
      await expectNothingWritten(async () => {
        await expectApiError(await post('{"links": [{"url": "https://example.com/"}'), 400, "invalid_json");
      });
    });

    test("1,000 items is allowed: 201 and 1,000 rows", async () => {
      const before = await linkCount();
      const started = performance.now();
      const { data } = await expectJson<Created>(await post({ links: items(1_000, (i) => ({ key: `thousand-${i}`, tags: [`t${i % 5}`] })) }), 201);
      const ms = Math.round(performance.now() - started);
      console.info(`[${backend}] bulk create of 1,000 links: ${ms} ms`);
      expect(data).toHaveLength(1_000);
      expect(new Set(data.map((l) => l.id)).size).toBe(1_000);
      expect(data[999]).toMatchObject({ key: "thousand-999", tags: [{ name: "t4" }] });
      expect(await linkCount()).toBe(before + 1_000);
    });

    test("1,001 items → 413 payload_too_large on 'links', nothing created", async () => {
      await expectNothingWritten(async () => {
        const error = await expectApiError(await post({ links: items(1_001) }), 413, "payload_too_large", "links");
        expect(error.message).toContain("1001");
      });
    });

    test("10,000 items → 413 before any item is validated or written", async () => {
      await expectNothingWritten(async () => {
        // Items that would each fail validation: the count is checked first.
        const links = Array.from({ length: 10_000 }, () => ({ url: "javascript:void(0)" }));
        const started = performance.now();
        await expectApiError(await post({ links }), 413, "payload_too_large", "links");
        console.info(`[${backend}] 10,000-item bulk refused in ${Math.round(performance.now() - started)} ms`);
      });
    });

    test("a body over 10 MB → 413, nothing created", async () => {
      await expectNothingWritten(async () => {
        const big = JSON.stringify({ links: [{ url: "https://example.com/", title: "x".repeat(10_000_001) }] });
        await expectApiError(await post(big), 413, "payload_too_large");
      });
    });

    test("a declared Content-Length over 10 MB → 413 without reading the body", async () => {
      const response = await bulkCreate(
        apiRequest("/api/v1/links/bulk", { key: owner.key, body: { links: [{ url: "https://example.com/" }] }, headers: { "content-length": "10000001" } }),
      );
      await expectApiError(response, 413, "payload_too_large");
    });
  });

  describe("PATCH /api/v1/links/bulk", () => {
    test("updates every item, each version +1, in request order", async () => {
      const links = await newLinks(3);
      const { data } = await expectJson<Created>(
        await patch({ links: [{ id: links[2]!.id, title: "third" }, { id: links[0]!.id, title: "first", tags: ["bulk-patched"] }, { id: links[1]!.id, archived: true }] }),
        200,
      );
      expect(data.map((l) => l.id)).toEqual([links[2]!.id, links[0]!.id, links[1]!.id]);
      expect(data.map((l) => l.version)).toEqual([2, 2, 2]);
      const rows = await rowsOf(links.map((l) => l.id));
      expect(rows.map((r) => [r?.title, r?.archived, r?.version])).toEqual([
        ["first", false, 2],
        [null, true, 2],
        ["third", false, 2],
      ]);
      expect(data[1]!.tags.map((t) => t.name)).toEqual(["bulk-patched"]);
    });

    test("an unknown id at index 2: 404 on 'links.2.id', nothing changed, versions unchanged", async () => {
      const links = await newLinks(4);
      const before = await rowsOf(links.map((l) => l.id));
      const error = await expectApiError(
        await patch({
          links: [
            { id: links[0]!.id, title: "changed-0" },
            { id: links[1]!.id, title: "changed-1", tags: ["never-applied"] },
            { id: "lnk_00000000000000000000000000000000", title: "ghost" },
            { id: links[3]!.id, title: "changed-3" },
          ],
        }),
        404,
        "not_found",
        "links.2.id",
      );
      expect(error.message).toContain("lnk_00000000000000000000000000000000");
      expect(await rowsOf(links.map((l) => l.id))).toEqual(before);
      expect(await db().select().from(tag).where(eq(tag.name, "never-applied"))).toEqual([]);
    });

    test("a repeated id → 422 on the repeat's index, nothing changed", async () => {
      const links = await newLinks(2);
      const before = await rowsOf(links.map((l) => l.id));
      await expectApiError(
        await patch({ links: [{ id: links[0]!.id, title: "a" }, { id: links[1]!.id, title: "b" }, { id: links[0]!.id, title: "c" }] }),
        422,
        "validation_failed",
        "links.2.id",
      );
      expect(await rowsOf(links.map((l) => l.id))).toEqual(before);
    });

    test("a key taken by another link at index 1: 409 on 'links.1.key', index 0 rolled back", async () => {
      const links = await newLinks(3);
      const before = await rowsOf(links.map((l) => l.id));
      await expectApiError(
        await patch({ links: [{ id: links[0]!.id, title: "rolled back" }, { id: links[1]!.id, key: links[2]!.key }] }),
        409,
        "key_taken",
        "links.1.key",
      );
      expect(await rowsOf(links.map((l) => l.id))).toEqual(before);
    });

    test("swapping two keys in one call is refused (unique index checked per statement), nothing changed", async () => {
      const links = await newLinks(2);
      const before = await rowsOf(links.map((l) => l.id));
      await expectApiError(
        await patch({ links: [{ id: links[0]!.id, key: links[1]!.key }, { id: links[1]!.id, key: links[0]!.key }] }),
        409,
        "key_taken",
        "links.0.key",
      );
      expect(await rowsOf(links.map((l) => l.id))).toEqual(before);
    });

    test.each([
      { label: "an item with only an id", links: (ids: string[]) => [{ id: ids[0] }], field: "links.0" },
      { label: "an item without an id", links: () => [{ title: "x" }], field: "links.0.id" },
      { label: "a loop url at index 1", links: (ids: string[]) => [{ id: ids[0], title: "x" }, { id: ids[1], url: "http://localhost:3000/x" }], field: "links.1.url" },
      { label: "an invalid variant at index 1", links: (ids: string[]) => [{ id: ids[0], title: "x" }, { id: ids[1], variants: [{ url: "https://a.example/", weight: 1 }] }], field: "links.1.variants" },
      { label: "an empty list", links: () => [], field: "links" },
    ])("$label → 422 on '$field', nothing changed", async ({ links: build, field }) => {
      const links = await newLinks(2);
      const ids = links.map((l) => l.id);
      const before = await rowsOf(ids);
      await expectApiError(await patch({ links: build(ids) }), 422, "validation_failed", field);
      expect(await rowsOf(ids)).toEqual(before);
    });

    test("1,001 items → 413 on 'links'", async () => {
      await expectApiError(await patch({ links: Array.from({ length: 1_001 }, (_, i) => ({ id: `lnk_${i}`, title: "x" })) }), 413, "payload_too_large", "links");
    });
  });

  describe("DELETE /api/v1/links/bulk", () => {
    test("deletes every id; answers the count", async () => {
      const links = await newLinks(3);
      expect(await expectJson(await del({ ids: links.map((l) => l.id) }), 200)).toEqual({ deleted: 3 });
      expect(await rowsOf(links.map((l) => l.id))).toEqual([undefined, undefined, undefined]);
    });

    test("one unknown id (index 1): 404 on 'ids.1', nothing deleted", async () => {
      const links = await newLinks(2);
      await expectNothingWritten(async () => {
        const error = await expectApiError(await del({ ids: [links[0]!.id, "lnk_unknown", links[1]!.id] }), 404, "not_found", "ids.1");
        expect(error.message).toContain("nothing was deleted");
      });
      expect((await rowsOf(links.map((l) => l.id))).every(Boolean)).toBe(true);
    });

    // Doubtful: PATCH /bulk refuses a repeated id (422) but DELETE /bulk silently de-duplicates.
    test("a repeated id is refused like in bulk PATCH: 422 on its second position, nothing deleted", async () => {
      const links = await newLinks(2);
      await expectNothingWritten(async () => {
        await expectApiError(await del({ ids: [links[0]!.id, links[1]!.id, links[0]!.id] }), 422, "validation_failed", "ids.2");
      });
    });

    test.each([
      { label: "an empty list", body: { ids: [] }, field: "ids" },
      { label: "an empty id", body: { ids: [""] }, field: "ids.0" },
      { label: "a number id", body: { ids: [42] }, field: "ids.0" },
      { label: "links instead of ids", body: { links: [{ id: "lnk_x" }] }, field: "ids" },
    ])("$label → 422 on '$field', nothing deleted", async ({ body, field }) => {
      await expectNothingWritten(async () => {
        await expectApiError(await del(body), 422, "validation_failed", field);
      });
    });

    test("1,001 ids → 413 on 'ids', nothing deleted", async () => {
      const links = await newLinks(1);
      await expectNothingWritten(async () => {
        await expectApiError(await del({ ids: [links[0]!.id, ...Array.from({ length: 1_000 }, (_, i) => `lnk_${i}`)] }), 413, "payload_too_large", "ids");
      });
    });
  });
});
