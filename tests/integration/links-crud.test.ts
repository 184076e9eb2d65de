/**
 * Changing links through the API on real databases: PATCH (partial, versioned, atomic), DELETE
 * (with its click history), archive/unarchive, slug availability, workspace isolation on every
 * endpoint (404, never 403, never data) and the links:write scope on every write endpoint.
 */
import { randomUUID } from "node:crypto";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DELETE as unarchiveRoute, POST as archiveRoute } from "@/app/api/v1/links/[id]/archive/route";
import { DELETE as deleteRoute, GET as getRoute, PATCH as patchRoute } from "@/app/api/v1/links/[id]/route";
import { GET as availabilityRoute } from "@/app/api/v1/links/availability/route";
import { DELETE as bulkDeleteRoute, PATCH as bulkPatchRoute, POST as bulkCreateRoute } from "@/app/api/v1/links/bulk/route";
import { GET as listRoute, POST as createRoute } from "@/app/api/v1/links/route";
import { clickEventSchema, type ClickEvent, type LinkView } from "@/core/link";
import { verifyLinkPassword } from "@/core/link-password";
import { SCOPES } from "@/core/scopes";
import { recordClicks } from "@/server/clicks/ingest";
import { click, domain, link, linkTag, tag } from "@/server/db/schema";
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

type Availability = { key: string; domain: string; available: boolean; reason: "taken" | "reserved" | "invalid" | null };

describe.each(backends())("links CRUD on %s", (backend) => {
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
  const rowOf = async (id: string) => (await db().select().from(link).where(eq(link.id, id)))[0];

  const api = {
    create: (body: unknown, key = owner.key) => createRoute(apiRequest("/api/v1/links", { key, body })),
    list: (query: string, key = owner.key) => listRoute(apiRequest(`/api/v1/links${query}`, { key })),
    get: (id: string, key = owner.key) => getRoute(apiRequest(`/api/v1/links/${id}`, { key }), routeParams({ id })),
    patch: (id: string, body: unknown, key = owner.key) => patchRoute(apiRequest(`/api/v1/links/${id}`, { key, body, method: "PATCH" }), routeParams({ id })),
    delete: (id: string, key = owner.key) => deleteRoute(apiRequest(`/api/v1/links/${id}`, { key, method: "DELETE" }), routeParams({ id })),
    archive: (id: string, key = owner.key) => archiveRoute(apiRequest(`/api/v1/links/${id}/archive`, { key, method: "POST" }), routeParams({ id })),
    unarchive: (id: string, key = owner.key) => unarchiveRoute(apiRequest(`/api/v1/links/${id}/archive`, { key, method: "DELETE" }), routeParams({ id })),
    availability: (query: string, key = owner.key) => availabilityRoute(apiRequest(`/api/v1/links/availability${query}`, { key })),
    bulkCreate: (body: unknown, key = owner.key) => bulkCreateRoute(apiRequest("/api/v1/links/bulk", { key, body })),
    bulkPatch: (body: unknown, key = owner.key) => bulkPatchRoute(apiRequest("/api/v1/links/bulk", { key, body, method: "PATCH" })),
    bulkDelete: (body: unknown, key = owner.key) => bulkDeleteRoute(apiRequest("/api/v1/links/bulk", { key, body, method: "DELETE" })),
  };

  /** A fresh link of the owner's workspace with a unique key. */
  async function newLink(extra: Record<string, unknown> = {}, key = owner.key): Promise<LinkView> {
    return expectJson<LinkView>(await api.create({ url: `https://example.com/crud/${++serial}`, key: `crud-${serial}`, ...extra }, key), 201);
  }

  describe("PATCH /api/v1/links/{id}", () => {
    test("changes only the given field; version +1; updatedAt moves; createdAt stays", async () => {
      const before = await newLink({
        title: "Old title",
        description: "kept",
        tags: ["kept-tag"],
        utm: { source: "kept" },
        rules: [{ conditions: [{ type: "country", in: ["FR"] }], url: "https://example.com/fr" }],
        variants: [
          { url: "https://example.com/a", weight: 70 },
          { url: "https://example.com/b", weight: 30 },
        ],
        password: "kept-password",
        maxClicks: 5,
        redirectStatus: 307,
      });
      const hashBefore = (await rowOf(before.id))!.passwordHash;
      await sleep(5);

      const after = await expectJson<LinkView>(await api.patch(before.id, { title: "New title" }), 200);
      expect(after).toEqual({ ...before, title: "New title", version: before.version + 1, updatedAt: after.updatedAt });
      expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));
      expect(after.createdAt).toBe(before.createdAt);

      expect(await expectJson(await api.get(before.id), 200)).toEqual(after);
      const row = (await rowOf(before.id))!;
      expect(row).toMatchObject({ title: "New title", version: 2, description: "kept", maxClicks: 5, redirectStatus: 307 });
      expect(row.passwordHash).toBe(hashBefore);
    });

    test("each change bumps the version by exactly 1", async () => {
      const created = await newLink();
      const versions = [created.version];
      for (const patch of [{ title: "a" }, { description: "b" }, { maxClicks: 10 }, { tags: ["x"] }, { archived: true }]) {
        versions.push((await expectJson<LinkView>(await api.patch(created.id, patch), 200)).version);
      }
      expect(versions).toEqual([1, 2, 3, 4, 5, 6]);
      expect((await rowOf(created.id))!.version).toBe(6);
    });

    test("null clears a nullable field; other fields keep their values", async () => {
      const created = await newLink({ title: "T", description: "D", expiresAt: "2030-01-01T00:00:00Z", maxClicks: 3, utm: { source: "s" } });
      const after = await expectJson<LinkView>(await api.patch(created.id, { title: null, expiresAt: null, maxClicks: null, utm: null }), 200);
      expect(after).toMatchObject({ title: null, expiresAt: null, maxClicks: null, utm: null, description: "D" });
    });

    test("a new url and key: the short link follows; the old key becomes free", async () => {
      const created = await newLink();
      const after = await expectJson<LinkView>(await api.patch(created.id, { url: "https://example.com/moved", key: `moved-${serial}` }), 200);
      expect(after).toMatchObject({ url: "https://example.com/moved", key: `moved-${serial}`, shortLink: `http://localhost:3000/moved-${serial}` });
      expect(await expectJson<Availability>(await api.availability(`?key=${created.key}`), 200)).toMatchObject({ available: true, reason: null });
    });

    test("a key taken by another link: 409 key_taken on 'key', nothing changed (not even the other fields)", async () => {
      const holder = await newLink();
      const target = await newLink({ title: "Before" });

      const error = await expectApiError(await api.patch(target.id, { key: holder.key, title: "After" }), 409, "key_taken", "key");
      expect(error.message).toContain(holder.key);

      expect(await expectJson(await api.get(target.id), 200)).toEqual(target);
      expect((await rowOf(target.id))!).toMatchObject({ key: target.key, title: "Before", version: 1 });
      expect((await rowOf(holder.id))!).toMatchObject({ key: holder.key, version: 1 });
    });

    test("setting the key to its own current value is not a conflict", async () => {
      const created = await newLink();
      expect((await expectJson<LinkView>(await api.patch(created.id, { key: created.key }), 200)).key).toBe(created.key);
    });

    test("tags are replaced, not merged; [] removes them all; tags themselves survive", async () => {
      const created = await newLink({ tags: ["red-team", "blue-team"] });
      expect(created.tags.map((t) => t.name)).toEqual(["blue-team", "red-team"]);

      const replaced = await expectJson<LinkView>(await api.patch(created.id, { tags: ["blue-team", "green-team"] }), 200);
      expect(replaced.tags.map((t) => t.name)).toEqual(["blue-team", "green-team"]);
      expect(replaced.tags.find((t) => t.name === "blue-team")!.id).toBe(created.tags.find((t) => t.name === "blue-team")!.id);

      const cleared = await expectJson<LinkView>(await api.patch(created.id, { tags: [] }), 200);
      expect(cleared.tags).toEqual([]);
      expect(await db().select().from(linkTag).where(eq(linkTag.linkId, created.id))).toEqual([]);
      const names = (await db().select({ name: tag.name }).from(tag).where(eq(tag.workspaceId, owner.workspaceId))).map((r) => r.name);
      expect(names).toEqual(expect.arrayContaining(["red-team", "blue-team", "green-team"]));
    });

    test("password: set, replace, keep on other changes, remove with null — never returned", async () => {
      const created = await newLink();
      expect(created.hasPassword).toBe(false);

      const set = await api.patch(created.id, { password: "first-pass" });
      const setText = await set.clone().text();
      expect((await expectJson<LinkView>(set, 200)).hasPassword).toBe(true);
      expect(setText).not.toContain("first-pass");
      expect(setText).not.toMatch(/"password(Hash)?"|pbkdf2/);
      const first = (await rowOf(created.id))!.passwordHash!;
      expect(first.startsWith("pbkdf2-sha256$")).toBe(true);
      expect(await verifyLinkPassword("first-pass", first)).toBe(true);

      await expectJson(await api.patch(created.id, { password: "second-pass" }), 200);
      const second = (await rowOf(created.id))!.passwordHash!;
      expect(second).not.toBe(first);
      expect(await verifyLinkPassword("second-pass", second)).toBe(true);
      expect(await verifyLinkPassword("first-pass", second)).toBe(false);

      await expectJson(await api.patch(created.id, { title: "unrelated" }), 200);
      expect((await rowOf(created.id))!.passwordHash).toBe(second);

      const removed = await expectJson<LinkView>(await api.patch(created.id, { password: null }), 200);
      expect(removed.hasPassword).toBe(false);
      expect((await rowOf(created.id))!.passwordHash).toBeNull();
    });

    test("{} → 422 (must change at least one field); nothing changes", async () => {
      const created = await newLink();
      const error = await expectApiError(await api.patch(created.id, {}), 422, "validation_failed", "(body)");
      expect(error.message).toContain("at least one field");
      expect((await rowOf(created.id))!.version).toBe(1);
    });

    test.each([
      { label: "a loop url", body: { url: "http://localhost:3000/self" }, field: "url" },
      { label: "a loop expiredUrl", body: { expiredUrl: "http://localhost:3000/" }, field: "expiredUrl" },
      { label: "a loop in a rule", body: { rules: [{ conditions: [{ type: "os", in: ["iOS"] }], url: "http://localhost:3000/x" }] }, field: "rules.0.url" },
      { label: "a reserved key", body: { key: "Login" }, field: "key" },
      { label: "variants that do not sum to 100", body: { variants: [{ url: "https://a.example/", weight: 99 }] }, field: "variants" },
      { label: "an unknown domain", body: { domain: "nowhere.example" }, field: "domain" },
      { label: "an unknown field", body: { title: "x", version: 99 }, field: "version" },
      { label: "id in the body", body: { id: "lnk_other" }, field: "id" },
    ])("$label → 422 on '$field'; nothing changes", async ({ body, field }) => {
      const created = await newLink({ title: "unchanged" });
      await expectApiError(await api.patch(created.id, body), 422, "validation_failed", field);
      expect(await expectJson(await api.get(created.id), 200)).toEqual(created);
    });

    test("malformed JSON → 400 invalid_json", async () => {
      const created = await newLink();
      await expectApiError(await api.patch(created.id, '{"title": '), 400, "invalid_json");
    });

    test("an unknown id → 404 not_found", async () => {
      await expectApiError(await api.patch("lnk_00000000000000000000000000000000", { title: "x" }), 404, "not_found");
    });
  });

  describe("DELETE /api/v1/links/{id}", () => {
    // Parsed, so the optional fields the edge may add get their defaults.
    function clickOn(linkId: string): ClickEvent {
      return clickEventSchema.parse({
        id: randomUUID(),
        linkId,
        workspaceId: owner.workspaceId,
        at: new Date().toISOString(),
        url: "https://example.com/",
        userAgent: "Mozilla/5.0 Firefox/130.0",
        referrer: null,
        isBot: false,
        country: "DE",
      });
    }

    test("204 with no body; then GET 404; its clicks and tag links are gone; the tag and other links stay", async () => {
      const doomed = await newLink({ tags: ["survivor-tag"] });
      const bystander = await newLink({ tags: ["survivor-tag"] });
      expect(await recordClicks([clickOn(doomed.id), clickOn(doomed.id), clickOn(bystander.id)])).toMatchObject({ accepted: 3 });
      expect((await expectJson<LinkView>(await api.get(doomed.id), 200)).clicks).toBe(2);

      await expectJson(await api.delete(doomed.id), 204);

      await expectApiError(await api.get(doomed.id), 404, "not_found");
      expect(await rowOf(doomed.id)).toBeUndefined();
      expect(await db().select({ n: count() }).from(click).where(eq(click.linkId, doomed.id))).toEqual([{ n: 0 }]);
      expect(await db().select({ n: count() }).from(linkTag).where(eq(linkTag.linkId, doomed.id))).toEqual([{ n: 0 }]);

      expect(await db().select({ n: count() }).from(click).where(eq(click.linkId, bystander.id))).toEqual([{ n: 1 }]);
      expect((await expectJson<LinkView>(await api.get(bystander.id), 200)).tags.map((t) => t.name)).toEqual(["survivor-tag"]);
      expect(await db().select({ n: count() }).from(tag).where(and(eq(tag.workspaceId, owner.workspaceId), eq(tag.name, "survivor-tag")))).toEqual([{ n: 1 }]);
    });

    test("deleting twice: the second is 404; the freed key can be used again", async () => {
      const created = await newLink();
      await expectJson(await api.delete(created.id), 204);
      await expectApiError(await api.delete(created.id), 404, "not_found");
      const again = await expectJson<LinkView>(await api.create({ url: "https://example.com/again", key: created.key }), 201);
      expect(again.id).not.toBe(created.id);
    });
  });

  describe("archive: POST / DELETE /api/v1/links/{id}/archive", () => {
    test("archive sets the flag and bumps the version; the default list hides it; unarchive restores", async () => {
      const created = await newLink({ title: "archive-me-unique" });

      const archived = await expectJson<LinkView>(await api.archive(created.id), 200);
      expect(archived).toMatchObject({ archived: true, version: 2, title: "archive-me-unique" });
      expect((await rowOf(created.id))!).toMatchObject({ archived: true, version: 2 });
      expect((await expectJson<{ data: LinkView[] }>(await api.list("?q=archive-me-unique"), 200)).data).toEqual([]);
      expect((await expectJson<{ data: LinkView[] }>(await api.list("?q=archive-me-unique&archived=true"), 200)).data.map((l) => l.id)).toEqual([created.id]);

      const restored = await expectJson<LinkView>(await api.unarchive(created.id), 200);
      expect(restored).toMatchObject({ archived: false, version: 3 });
      expect((await rowOf(created.id))!).toMatchObject({ archived: false, version: 3 });
      expect((await expectJson<{ data: LinkView[] }>(await api.list("?q=archive-me-unique"), 200)).data.map((l) => l.id)).toEqual([created.id]);
    });

    test("archiving an archived link keeps it archived (the version still moves on)", async () => {
      const created = await newLink({ archived: true });
      const again = await expectJson<LinkView>(await api.archive(created.id), 200);
      expect(again.archived).toBe(true);
      expect(again.version).toBe(created.version + 1);
    });

    test("an unknown id → 404 on both", async () => {
      await expectApiError(await api.archive("lnk_missing"), 404, "not_found");
      await expectApiError(await api.unarchive("lnk_missing"), 404, "not_found");
    });
  });

  describe("GET /api/v1/links/availability", () => {
    let taken: LinkView;
    beforeAll(async () => {
      taken = await newLink();
      await db().insert(domain).values({ id: "dom_crud_acme", workspaceId: owner.workspaceId, host: "go.crud-acme.test", verifiedAt: new Date() });
      await db().insert(domain).values({ id: "dom_crud_globex", workspaceId: other.workspaceId, host: "go.crud-globex.test", verifiedAt: new Date() });
    });

    test("a free key", async () => {
      expect(await expectJson(await api.availability("?key=free-as-a-bird"), 200)).toEqual({
        key: "free-as-a-bird",
        domain: "localhost:3000",
        available: true,
        reason: null,
      });
    });

    test("a taken key (also when another workspace holds it on the shared domain)", async () => {
      expect(await expectJson(await api.availability(`?key=${taken.key}`), 200)).toEqual({ key: taken.key, domain: "localhost:3000", available: false, reason: "taken" });
      expect(await expectJson(await api.availability(`?key=${taken.key}`, other.apiKey), 200)).toMatchObject({ available: false, reason: "taken" });
    });

    test("keys are case-sensitive: another case of a taken key is free", async () => {
      expect(await expectJson(await api.availability(`?key=${taken.key.toUpperCase()}`), 200)).toMatchObject({ available: true, reason: null });
    });

    test.each(["api", "Login", "SETTINGS", " docs "])("the reserved key %j", async (key) => {
      expect(await expectJson(await api.availability(`?key=${encodeURIComponent(key)}`), 200)).toMatchObject({ available: false, reason: "reserved" });
    });

    test.each(["-dash", "with space", "café", "a".repeat(191), "", "🚀"])("the invalid key %j", async (key) => {
      expect(await expectJson(await api.availability(`?key=${encodeURIComponent(key)}`), 200)).toMatchObject({ key, available: false, reason: "invalid" });
    });

    test("the key is answered trimmed, as it would be stored", async () => {
      expect(await expectJson(await api.availability("?key=%20trim-me%20"), 200)).toMatchObject({ key: "trim-me", available: true });
    });

    test("with the workspace's own domain: a key taken on the default domain is free there", async () => {
      expect(await expectJson(await api.availability(`?key=${taken.key}&domain=GO.CRUD-ACME.TEST`), 200)).toEqual({
        key: taken.key,
        domain: "go.crud-acme.test",
        available: true,
        reason: null,
      });
      await newLink({ key: "on-custom", domain: "go.crud-acme.test" });
      expect(await expectJson(await api.availability("?key=on-custom&domain=go.crud-acme.test"), 200)).toMatchObject({ available: false, reason: "taken" });
      expect(await expectJson(await api.availability("?key=on-custom"), 200)).toMatchObject({ available: true });
    });

    test("an unknown domain, or another workspace's, → 422 on 'domain'", async () => {
      await expectApiError(await api.availability("?key=x1&domain=nowhere.example"), 422, "validation_failed", "domain");
      await expectApiError(await api.availability("?key=x1&domain=go.crud-globex.test"), 422, "validation_failed", "domain");
      await expectApiError(await api.availability("?key=x1&domain=not%20a%20host"), 422, "validation_failed", "domain");
    });

    test("a missing key, an unknown or repeated parameter → 422", async () => {
      await expectApiError(await api.availability(""), 422, "validation_failed", "key");
      await expectApiError(await api.availability("?key=a1&slug=a1"), 422, "validation_failed", "slug");
      await expectApiError(await api.availability("?key=a1&key=b2"), 422, "validation_failed", "key");
    });
  });

  describe("another workspace's key: 404 everywhere, never 403, never data, nothing changed", () => {
    let ours: LinkView;
    let theirs: LinkView;
    beforeAll(async () => {
      ours = await newLink({ url: "https://secret.example/plans", title: "Secret plans", tags: ["secret-tag"] });
      theirs = await newLink({}, other.apiKey);
    });

    async function expectHidden(response: Response, field?: string) {
      const text = await response.clone().text();
      await expectApiError(response, 404, "not_found", field);
      expect(text).not.toContain("secret.example");
      expect(text).not.toContain("Secret plans");
      expect(text).not.toContain(owner.workspaceId);
    }

    test("GET, PATCH, DELETE", async () => {
      await expectHidden(await api.get(ours.id, other.apiKey));
      await expectHidden(await api.patch(ours.id, { url: "https://evil.example/" }, other.apiKey));
      await expectHidden(await api.delete(ours.id, other.apiKey));
    });

    test("archive and unarchive", async () => {
      await expectHidden(await api.archive(ours.id, other.apiKey));
      await expectHidden(await api.unarchive(ours.id, other.apiKey));
    });

    test("bulk update: 404 on the index of our id; their own link in the same call is not changed either", async () => {
      await expectHidden(
        await api.bulkPatch({ links: [{ id: theirs.id, title: "theirs" }, { id: ours.id, url: "https://evil.example/" }] }, other.apiKey),
        "links.1.id",
      );
      expect((await rowOf(theirs.id))!).toMatchObject({ title: null, version: 1 });
    });

    test("bulk delete: 404 on the index of our id; nothing is deleted", async () => {
      await expectHidden(await api.bulkDelete({ ids: [theirs.id, ours.id] }, other.apiKey), "ids.1");
      expect(await rowOf(theirs.id)).toBeDefined();
    });

    test("the list and tag filter show none of ours", async () => {
      const all = await expectJson<{ data: LinkView[] }>(await api.list("?archived=all&limit=100", other.apiKey), 200);
      expect(all.data.map((l) => l.id)).toEqual([theirs.id]);
      expect((await expectJson<{ data: LinkView[] }>(await api.list("?tag=secret-tag", other.apiKey), 200)).data).toEqual([]);
      expect((await expectJson<{ data: LinkView[] }>(await api.list("?q=secret", other.apiKey), 200)).data).toEqual([]);
    });

    test("after all that, ours is exactly as created (same version, same updatedAt)", async () => {
      expect(await expectJson(await api.get(ours.id), 200)).toEqual(ours);
      expect((await rowOf(ours.id))!.version).toBe(1);
    });

    test("and the reverse: their link is 404 for us", async () => {
      await expectApiError(await api.get(theirs.id), 404, "not_found");
      await expectApiError(await api.patch(theirs.id, { title: "ours now" }), 404, "not_found");
      await expectApiError(await api.delete(theirs.id), 404, "not_found");
      expect((await rowOf(theirs.id))!).toMatchObject({ workspaceId: other.workspaceId, title: null, version: 1 });
    });
  });

  describe("a read-only key (links:read): 403 insufficient_scope on every write endpoint, nothing written", () => {
    let readOnly: string;
    let existing: LinkView;
    beforeAll(async () => {
      readOnly = (await createKey(owner.workspaceId, owner.userId, ["links:read"])).key;
      existing = await newLink({ title: "read-only target" });
    });

    test.each([
      { label: "POST /links", call: () => api.create({ url: "https://example.com/nope" }, readOnly) },
      { label: "PATCH /links/{id}", call: () => api.patch(existing.id, { title: "changed" }, readOnly) },
      { label: "DELETE /links/{id}", call: () => api.delete(existing.id, readOnly) },
      { label: "POST /links/{id}/archive", call: () => api.archive(existing.id, readOnly) },
      { label: "DELETE /links/{id}/archive", call: () => api.unarchive(existing.id, readOnly) },
      { label: "POST /links/bulk", call: () => api.bulkCreate({ links: [{ url: "https://example.com/nope" }] }, readOnly) },
      { label: "PATCH /links/bulk", call: () => api.bulkPatch({ links: [{ id: existing.id, title: "changed" }] }, readOnly) },
      { label: "DELETE /links/bulk", call: () => api.bulkDelete({ ids: [existing.id] }, readOnly) },
      // The scope is checked before the body is even read.
      { label: "POST /links with a malformed body", call: () => api.create("{not json", readOnly) },
      { label: "PATCH /links/{id} of an id that does not exist", call: () => api.patch("lnk_anything", { title: "x" }, readOnly) },
    ])("$label", async ({ call }) => {
      const before = (await db().select({ n: count() }).from(link))[0]!.n;
      const error = await expectApiError(await call(), 403, "insufficient_scope");
      expect(error.message).toContain("links:write");
      expect((await db().select({ n: count() }).from(link))[0]!.n).toBe(before);
      expect((await rowOf(existing.id))!).toMatchObject({ title: "read-only target", archived: false, version: 1 });
    });

    test("it can still read: GET, list and availability", async () => {
      expect(await expectJson(await api.get(existing.id, readOnly), 200)).toEqual(existing);
      expect((await expectJson<{ data: LinkView[] }>(await api.list("?q=read-only%20target", readOnly), 200)).data.map((l) => l.id)).toEqual([existing.id]);
      expect(await expectJson(await api.availability(`?key=${existing.key}`, readOnly), 200)).toMatchObject({ reason: "taken" });
    });

    test("a key with no links scope cannot list or check availability either", async () => {
      const tagsOnly = (await createKey(owner.workspaceId, owner.userId, ["tags:read", "tags:write"])).key;
      for (const response of [await api.list("", tagsOnly), await api.availability("?key=x1", tagsOnly), await api.get(existing.id, tagsOnly)]) {
        const error = await expectApiError(response, 403, "insufficient_scope");
        expect(error.message).toContain("links:read");
      }
      await expectApiError(await api.create({ url: "https://example.com/" }, tagsOnly), 403, "insufficient_scope");
    });
  });
});
