/**
 * The tags API on real databases: create (default colour), unique names per workspace, list
 * sorted by name, get, rename/recolour (links carrying the tag see it and get a new version),
 * delete (links lose it, version +1), workspace isolation (404) and the tags:read / tags:write
 * scopes (403).
 */
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GET as getLinkRoute } from "@/app/api/v1/links/[id]/route";
import { GET as listLinksRoute, POST as createLinkRoute } from "@/app/api/v1/links/route";
import { DELETE as deleteTagRoute, GET as getTagRoute, PATCH as patchTagRoute } from "@/app/api/v1/tags/[id]/route";
import { GET as listTagsRoute, POST as createTagRoute } from "@/app/api/v1/tags/route";
import type { LinkView, TagView } from "@/core/link";
import { SCOPES } from "@/core/scopes";
import { link, linkTag, tag } from "@/server/db/schema";
import { backends, type TestDatabase } from "../support/databases";
import {
  apiRequest,
  createKey,
  createWorkspaceWithKey,
  expectApiError,
  expectJson,
  routeParams,
  sleep,
  type ExtraWorkspace,
  openWithOwner,
} from "../support/integration-helpers";

describe.each(backends())("tags API on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: { userId: string; workspaceId: string; key: string };
  let other: ExtraWorkspace;
  let serial = 0;

  beforeAll(async () => {
    ({ testDb, owner } = await openWithOwner(backend));
    other = await createWorkspaceWithKey("Globex", SCOPES);
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  const db = () => testDb.database.db;
  const api = {
    create: (body: unknown, key = owner.key) => createTagRoute(apiRequest("/api/v1/tags", { key, body })),
    list: (key = owner.key) => listTagsRoute(apiRequest("/api/v1/tags", { key })),
    get: (id: string, key = owner.key) => getTagRoute(apiRequest(`/api/v1/tags/${id}`, { key }), routeParams({ id })),
    patch: (id: string, body: unknown, key = owner.key) => patchTagRoute(apiRequest(`/api/v1/tags/${id}`, { key, body, method: "PATCH" }), routeParams({ id })),
    delete: (id: string, key = owner.key) => deleteTagRoute(apiRequest(`/api/v1/tags/${id}`, { key, method: "DELETE" }), routeParams({ id })),
  };
  const newTag = async (body: Record<string, unknown> = {}, key = owner.key) =>
    expectJson<TagView>(await api.create({ name: `tag-${++serial}`, ...body }, key), 201);
  const newLink = async (tags: string[], key = owner.key) =>
    expectJson<LinkView>(await createLinkRoute(apiRequest("/api/v1/links", { key, body: { url: `https://example.com/tagged/${++serial}`, tags } })), 201);
  const readLink = async (id: string) => expectJson<LinkView>(await getLinkRoute(apiRequest(`/api/v1/links/${id}`, { key: owner.key }), routeParams({ id })), 200);
  const tagRow = async (id: string) => (await db().select().from(tag).where(eq(tag.id, id)))[0];
  const tagCount = async () => (await db().select({ n: count() }).from(tag))[0]!.n;

  describe("POST /api/v1/tags", () => {
    test("201 with the default color gray, stored in the caller's workspace", async () => {
      const created = await expectJson<TagView>(await api.create({ name: "launch" }), 201);
      expect(created).toEqual({ id: expect.stringMatching(/^tag_[0-9a-f]{32}$/), name: "launch", color: "gray", createdAt: expect.any(String) });
      expect(Number.isNaN(Date.parse(created.createdAt))).toBe(false);
      expect(await tagRow(created.id)).toMatchObject({ workspaceId: owner.workspaceId, name: "launch", color: "gray" });
    });

    test.each(["gray", "red", "orange", "yellow", "green", "blue", "purple", "pink"])("the color %s", async (color) => {
      expect((await newTag({ color })).color).toBe(color);
    });

    test("the name is trimmed", async () => {
      expect((await expectJson<TagView>(await api.create({ name: "  padded  " }), 201)).name).toBe("padded");
    });

    test("a duplicate name (also after trimming) → 409 conflict on 'name'; one row", async () => {
      await expectJson(await api.create({ name: "dupe" }), 201);
      const before = await tagCount();
      const error = await expectApiError(await api.create({ name: "dupe", color: "red" }), 409, "conflict", "name");
      expect(error.message).toContain("dupe");
      await expectApiError(await api.create({ name: " dupe " }), 409, "conflict", "name");
      expect(await tagCount()).toBe(before);
      expect(await db().select().from(tag).where(and(eq(tag.workspaceId, owner.workspaceId), eq(tag.name, "dupe")))).toMatchObject([{ color: "gray" }]);
    });

    test("names are case-sensitive; the same name in another workspace is a different tag", async () => {
      await expectJson(await api.create({ name: "Casey" }), 201);
      await expectJson(await api.create({ name: "casey" }), 201);
      const theirs = await expectJson<TagView>(await api.create({ name: "Casey" }, other.apiKey), 201);
      expect((await tagRow(theirs.id))!.workspaceId).toBe(other.workspaceId);
    });

    test.each([
      { label: "no name", body: {}, field: "name" },
      { label: "an empty name", body: { name: "" }, field: "name" },
      { label: "a blank name", body: { name: "   " }, field: "name" },
      { label: "a 51-character name", body: { name: "n".repeat(51) }, field: "name" },
      { label: "a numeric name", body: { name: 7 }, field: "name" },
      { label: "an unknown color", body: { name: "colorful", color: "teal" }, field: "color" },
      { label: "a hex color", body: { name: "colorful", color: "#ff0000" }, field: "color" },
      { label: "an unknown field", body: { name: "extra", id: "tag_mine" }, field: "id" },
    ])("$label → 422 on '$field', nothing created", async ({ body, field }) => {
      const before = await tagCount();
      await expectApiError(await api.create(body), 422, "validation_failed", field);
      expect(await tagCount()).toBe(before);
    });

    // FIXED (was a known bug): tagNameSchema (src/core/link.ts) accepts a U+0000 (NUL) character, which Postgres
    // text cannot hold, so createTag's INSERT (src/server/links/tags.ts) fails and POST /tags
    // {"name":"t\u0000"} answers 500 internal_error instead of 422 on 'name'.
    test("a NUL character in the name → 422, not 500", async () => {
      await expectApiError(await api.create({ name: "t\u0000" }), 422, "validation_failed", "name");
    });

    test("a 50-character name is accepted", async () => {
      expect((await newTag({ name: "n".repeat(50) })).name).toHaveLength(50);
    });
  });

  describe("GET /api/v1/tags and /api/v1/tags/{id}", () => {
    let w: ExtraWorkspace;
    beforeAll(async () => {
      w = await createWorkspaceWithKey("Sorted", SCOPES);
    });

    test("the list holds only the workspace's tags, sorted by name", async () => {
      for (const name of ["mango", "apple", "zucchini", "banana", "apple-pie", "a1"]) await expectJson(await api.create({ name }, w.apiKey), 201);
      // A tag created implicitly through a link is listed too.
      await newLink(["cherry"], w.apiKey);
      const { data } = await expectJson<{ data: TagView[] }>(await api.list(w.apiKey), 200);
      expect(data.map((t) => t.name)).toEqual(["a1", "apple", "apple-pie", "banana", "cherry", "mango", "zucchini"]);
      const rows = await db().select({ id: tag.id }).from(tag).where(eq(tag.workspaceId, w.workspaceId));
      expect(data.map((t) => t.id).sort()).toEqual(rows.map((r) => r.id).sort());
    });

    test("an empty workspace has an empty list", async () => {
      const empty = await createWorkspaceWithKey("Empty", SCOPES);
      expect(await expectJson(await api.list(empty.apiKey), 200)).toEqual({ data: [] });
    });

    test("GET by id returns what POST returned; an unknown id → 404", async () => {
      const created = await newTag({ color: "purple" });
      expect(await expectJson(await api.get(created.id), 200)).toEqual(created);
      await expectApiError(await api.get("tag_00000000000000000000000000000000"), 404, "not_found");
    });
  });

  describe("PATCH /api/v1/tags/{id}", () => {
    test("rename: the tag and every link carrying it show the new name; those links' versions +1", async () => {
      const renamed = await newTag({ name: "old-name", color: "green" });
      const carrier = await newLink(["old-name", "bystander-tag"]);
      const unrelated = await newLink(["bystander-tag"]);
      await sleep(5);

      const after = await expectJson<TagView>(await api.patch(renamed.id, { name: "new-name" }), 200);
      expect(after).toEqual({ ...renamed, name: "new-name" });
      expect(await tagRow(renamed.id)).toMatchObject({ name: "new-name", color: "green" });

      const carrierAfter = await readLink(carrier.id);
      expect(carrierAfter.tags.map((t) => t.name)).toEqual(["bystander-tag", "new-name"]);
      expect(carrierAfter.version).toBe(carrier.version + 1);
      expect(Date.parse(carrierAfter.updatedAt)).toBeGreaterThan(Date.parse(carrier.updatedAt));
      expect((await readLink(unrelated.id)).version).toBe(unrelated.version);

      const byNew = await expectJson<{ data: LinkView[] }>(await listLinksRoute(apiRequest("/api/v1/links?tag=new-name", { key: owner.key })), 200);
      expect(byNew.data.map((l) => l.id)).toEqual([carrier.id]);
      const byOld = await expectJson<{ data: LinkView[] }>(await listLinksRoute(apiRequest("/api/v1/links?tag=old-name", { key: owner.key })), 200);
      expect(byOld.data).toEqual([]);
    });

    test("recolor: only the color changes; carrying links see it", async () => {
      const created = await newTag({ color: "gray" });
      const carrier = await newLink([created.name]);
      expect(await expectJson(await api.patch(created.id, { color: "pink" }), 200)).toEqual({ ...created, color: "pink" });
      expect((await readLink(carrier.id)).tags).toEqual([{ id: created.id, name: created.name, color: "pink" }]);
    });

    test("renaming to its own name is fine", async () => {
      const created = await newTag();
      expect(await expectJson(await api.patch(created.id, { name: created.name }), 200)).toEqual(created);
    });

    test("renaming to an existing name → 409 conflict on 'name'; nothing changed, link versions unchanged", async () => {
      const taken = await newTag();
      const renamed = await newTag({ color: "blue" });
      const carrier = await newLink([renamed.name]);

      const error = await expectApiError(await api.patch(renamed.id, { name: taken.name, color: "red" }), 409, "conflict", "name");
      expect(error.message).toContain(taken.name);
      expect(await tagRow(renamed.id)).toMatchObject({ name: renamed.name, color: "blue" });
      expect(await readLink(carrier.id)).toEqual(carrier);
    });

    test.each([
      { label: "{}", body: {}, field: "(body)" },
      { label: "an empty name", body: { name: "" }, field: "name" },
      { label: "an unknown color", body: { color: "black" }, field: "color" },
      { label: "an unknown field", body: { name: "x", workspaceId: "other" }, field: "workspaceId" },
    ])("$label → 422 on '$field'", async ({ body, field }) => {
      const created = await newTag();
      await expectApiError(await api.patch(created.id, body), 422, "validation_failed", field);
      expect(await expectJson(await api.get(created.id), 200)).toEqual(created);
    });

    test("an unknown id → 404", async () => {
      await expectApiError(await api.patch("tag_missing", { color: "red" }), 404, "not_found");
    });
  });

  describe("DELETE /api/v1/tags/{id}", () => {
    test("204; GET 404; links that had it lose it and get version +1; other links untouched", async () => {
      const doomed = await newTag({ name: "doomed" });
      const a = await newLink(["doomed", "keeper"]);
      const b = await newLink(["doomed"]);
      const c = await newLink(["keeper"]);
      await sleep(5);

      await expectJson(await api.delete(doomed.id), 204);
      await expectApiError(await api.get(doomed.id), 404, "not_found");
      expect(await tagRow(doomed.id)).toBeUndefined();
      expect(await db().select().from(linkTag).where(eq(linkTag.tagId, doomed.id))).toEqual([]);

      const [aAfter, bAfter, cAfter] = [await readLink(a.id), await readLink(b.id), await readLink(c.id)];
      expect(aAfter.tags.map((t) => t.name)).toEqual(["keeper"]);
      expect(bAfter.tags).toEqual([]);
      expect([aAfter.version, bAfter.version]).toEqual([a.version + 1, b.version + 1]);
      expect(Date.parse(aAfter.updatedAt)).toBeGreaterThan(Date.parse(a.updatedAt));
      expect(cAfter).toEqual(c);
      // The links themselves survive.
      expect(await db().select({ n: count() }).from(link).where(eq(link.id, b.id))).toEqual([{ n: 1 }]);
    });

    test("deleting twice: the second is 404", async () => {
      const created = await newTag();
      await expectJson(await api.delete(created.id), 204);
      await expectApiError(await api.delete(created.id), 404, "not_found");
    });

    test("a deleted tag's name can be used again (a new tag, new id)", async () => {
      const created = await newTag({ name: "phoenix" });
      await expectJson(await api.delete(created.id), 204);
      const again = await expectJson<TagView>(await api.create({ name: "phoenix" }), 201);
      expect(again.id).not.toBe(created.id);
    });
  });

  describe("another workspace's tag: 404, never 403, nothing changed", () => {
    test("GET, PATCH, DELETE from the other workspace", async () => {
      const ours = await newTag({ name: "our-secret-tag", color: "red" });
      const carrier = await newLink([ours.name]);

      for (const response of [
        await api.get(ours.id, other.apiKey),
        await api.patch(ours.id, { name: "hijacked" }, other.apiKey),
        await api.delete(ours.id, other.apiKey),
      ]) {
        const text = await response.clone().text();
        await expectApiError(response, 404, "not_found");
        expect(text).not.toContain("our-secret-tag");
      }
      expect(await tagRow(ours.id)).toMatchObject({ name: "our-secret-tag", color: "red", workspaceId: owner.workspaceId });
      expect(await readLink(carrier.id)).toEqual(carrier);
      const theirs = await expectJson<{ data: TagView[] }>(await api.list(other.apiKey), 200);
      expect(theirs.data.map((t) => t.id)).not.toContain(ours.id);
    });
  });

  describe("scopes", () => {
    let readOnly: string;
    let noTags: string;
    let existing: TagView;
    beforeAll(async () => {
      readOnly = (await createKey(owner.workspaceId, owner.userId, ["tags:read"])).key;
      noTags = (await createKey(owner.workspaceId, owner.userId, ["links:read", "links:write"])).key;
      existing = await newTag({ name: "scoped", color: "yellow" });
    });

    test("tags:read can list and get", async () => {
      expect((await expectJson<{ data: TagView[] }>(await api.list(readOnly), 200)).data.map((t) => t.id)).toContain(existing.id);
      expect(await expectJson(await api.get(existing.id, readOnly), 200)).toEqual(existing);
    });

    test.each([
      { label: "POST /tags", call: () => api.create({ name: "not-allowed" }, readOnly) },
      { label: "PATCH /tags/{id}", call: () => api.patch(existing.id, { color: "red" }, readOnly) },
      { label: "DELETE /tags/{id}", call: () => api.delete(existing.id, readOnly) },
    ])("tags:read only: $label → 403 insufficient_scope, nothing changed", async ({ call }) => {
      const before = await tagCount();
      const error = await expectApiError(await call(), 403, "insufficient_scope");
      expect(error.message).toContain("tags:write");
      expect(await tagCount()).toBe(before);
      expect(await tagRow(existing.id)).toMatchObject({ name: "scoped", color: "yellow" });
    });

    test.each([
      { label: "GET /tags", call: () => api.list(noTags) },
      { label: "GET /tags/{id}", call: () => api.get(existing.id, noTags) },
    ])("no tags scope: $label → 403 insufficient_scope naming tags:read", async ({ call }) => {
      const error = await expectApiError(await call(), 403, "insufficient_scope");
      expect(error.message).toContain("tags:read");
    });

    test("no tags scope: POST /tags → 403 naming tags:write", async () => {
      const error = await expectApiError(await api.create({ name: "nope" }, noTags), 403, "insufficient_scope");
      expect(error.message).toContain("tags:write");
    });

    // Doubtful (reported): tags named on a link are created with links:write alone, so a key that
    // POST /tags refuses can still add tags to the workspace through POST /links.
    test("no tags scope: naming a new tag on a link is refused (403 on tags), nothing written", async () => {
      const before = await tagCount();
      const response = await createLinkRoute(apiRequest("/api/v1/links", { key: noTags, body: { url: "https://example.com/t", tags: ["made-through-a-link"] } }));
      await expectApiError(response, 403, "insufficient_scope", "tags");
      expect(await tagCount()).toBe(before);
    });
  });
});
