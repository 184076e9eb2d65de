/**
 * The links API through its route handlers, on real databases: creation and validation, reading a
 * link back, workspace isolation, scopes, and API-key authentication. Every error must have the
 * one shape `{ error: { code, message, requestId, field? } }` plus an `x-request-id` header.
 */
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GET } from "@/app/api/v1/links/[id]/route";
import { POST } from "@/app/api/v1/links/route";
import { SCOPES } from "@/core/scopes";
import { apikey, domain, link } from "@/server/db/schema";
import type { LinkView } from "@/core/link";
import { backends, type TestDatabase } from "../support/databases";
import {
  apiRequest,
  createKey,
  createWorkspaceWithKey,
  expectApiError,
  routeParams,
  type ExtraWorkspace,
  openWithOwner,
} from "../support/integration-helpers";

const GENERATED_KEY = /^[abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789]{7}$/;

describe.each(backends())("links API on %s", (backend) => {
  let testDb: TestDatabase;
  /** The first workspace, made by first-run setup, and its all-scope key. */
  let owner: { userId: string; workspaceId: string; key: string };
  /** A second, unrelated workspace with its own all-scope key. */
  let other: ExtraWorkspace;

  beforeAll(async () => {
    ({ testDb, owner } = await openWithOwner(backend));
    other = await createWorkspaceWithKey("Globex", SCOPES);
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  const db = () => testDb.database.db;
  const create = (body: unknown, key: string = owner.key) => POST(apiRequest("/api/v1/links", { key, body }));
  const read = (id: string, key: string = owner.key) => GET(apiRequest(`/api/v1/links/${id}`, { key }), routeParams({ id }));
  const linkCount = async () => (await db().select({ n: count() }).from(link))[0]!.n;

  describe("POST /api/v1/links", () => {
    test("without a key: 201 with a generated 7-character key on the default short domain", async () => {
      const response = await create({ url: "https://example.com/landing?utm=1" });
      expect(response.status).toBe(201);
      expect(response.headers.get("x-request-id")).toBeTruthy();
      const body = (await response.json()) as LinkView;

      expect(body.key).toMatch(GENERATED_KEY);
      expect(body).toMatchObject({
        workspaceId: owner.workspaceId,
        domain: "localhost:3000",
        shortLink: `http://localhost:3000/${body.key}`,
        url: "https://example.com/landing?utm=1",
        archived: false,
        version: 1,
        clicks: 0,
        lastClickedAt: null,
      });
      expect(body.id).toMatch(/^lnk_[0-9a-f]{32}$/);

      const rows = await db().select().from(link).where(eq(link.id, body.id));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        workspaceId: owner.workspaceId,
        domain: "localhost:3000",
        key: body.key,
        url: "https://example.com/landing?utm=1",
        // An API key acts for the workspace, not for a user.
        createdBy: null,
      });
    });

    test("generated keys differ from one link to the next", async () => {
      const keys = new Set<string>();
      for (let i = 0; i < 5; i++) keys.add(((await (await create({ url: `https://example.com/${i}` })).json()) as LinkView).key);
      expect(keys.size).toBe(5);
    });

    test("with an explicit key: 201 and that key", async () => {
      const response = await create({ url: "https://example.com/launch", key: "launch-2025" });
      expect(response.status).toBe(201);
      const body = (await response.json()) as LinkView;
      expect(body).toMatchObject({ key: "launch-2025", shortLink: "http://localhost:3000/launch-2025" });
      const [row] = await db().select().from(link).where(and(eq(link.domain, "localhost:3000"), eq(link.key, "launch-2025")));
      expect(row?.id).toBe(body.id);
    });

    test("a taken key: 409 key_taken on 'key', the first link untouched", async () => {
      await create({ url: "https://example.com/first", key: "taken" });
      const before = await linkCount();

      const response = await create({ url: "https://example.com/second", key: "taken" });
      const error = await expectApiError(response, 409, "key_taken", "key");
      expect(error.message).toContain("taken");

      expect(await linkCount()).toBe(before);
      const rows = await db().select().from(link).where(eq(link.key, "taken"));
      expect(rows.map((r) => r.url)).toEqual(["https://example.com/first"]);
    });

    test("a key taken by another workspace on a shared short domain is taken too", async () => {
      await create({ url: "https://example.com/ours", key: "shared-slug" });
      await expectApiError(await create({ url: "https://globex.example/theirs", key: "shared-slug" }, other.apiKey), 409, "key_taken", "key");
    });

    test.each(["api", "setup", "Settings", "healthz"])("the reserved key %s: 422 on 'key'", async (key) => {
      const before = await linkCount();
      const error = await expectApiError(await create({ url: "https://example.com/", key }), 422, "validation_failed", "key");
      expect(error.message).toContain("reserved");
      expect(await linkCount()).toBe(before);
    });

    test.each([
      { label: "-leading", key: "-leading" },
      { label: "trailing_", key: "trailing_" },
      { label: "with space", key: "with space" },
      { label: "a/b", key: "a/b" },
      { label: "191 characters", key: "x".repeat(191) },
    ])("the malformed key $label: 422 on 'key'", async ({ key }) => {
      await expectApiError(await create({ url: "https://example.com/", key }), 422, "validation_failed", "key");
    });

    test.each(["not a url", "example.com/no-scheme", "ftp://example.com/file", "javascript:alert(1)", ""])(
      "the bad url %j: 422 on 'url'",
      async (url) => {
        const before = await linkCount();
        await expectApiError(await create({ url }), 422, "validation_failed", "url");
        expect(await linkCount()).toBe(before);
      },
    );

    test("a missing url: 422 on 'url'", async () => {
      await expectApiError(await create({ key: "no-url" }), 422, "validation_failed", "url");
    });

    test("an unknown field: 422 validation_failed naming it in the message", async () => {
      const before = await linkCount();
      const error = await expectApiError(await create({ url: "https://example.com/", tracking: true }), 422, "validation_failed", "tracking");
      expect(error.message).toContain("tracking");
      expect(await linkCount()).toBe(before);
    });

    test("malformed JSON: 400 invalid_json", async () => {
      await expectApiError(await create('{"url": "https://example.com/"'), 400, "invalid_json");
      await expectApiError(await create("url=https://example.com/"), 400, "invalid_json");
    });

    test("a body over the size limit: 413 payload_too_large", async () => {
      await expectApiError(await create({ url: `https://example.com/?q=${"a".repeat(1_000_001)}` }), 413, "payload_too_large");
    });

    test("an unknown domain: 422 on 'domain'", async () => {
      const before = await linkCount();
      const error = await expectApiError(await create({ url: "https://example.com/", domain: "nowhere.example" }), 422, "validation_failed", "domain");
      expect(error.message).toContain("nowhere.example");
      expect(await linkCount()).toBe(before);
    });

    test("a workspace's own custom domain works (https short link); another workspace's does not", async () => {
      await db().insert(domain).values({ id: "dom_acme", workspaceId: owner.workspaceId, host: "go.acme.test", verifiedAt: new Date() });

      const response = await create({ url: "https://example.com/custom", key: "promo", domain: "GO.ACME.TEST" });
      expect(response.status).toBe(201);
      expect(await response.json()).toMatchObject({ domain: "go.acme.test", key: "promo", shortLink: "https://go.acme.test/promo" });

      await expectApiError(await create({ url: "https://globex.example/", domain: "go.acme.test" }, other.apiKey), 422, "validation_failed", "domain");
      expect(await db().select({ n: count() }).from(link).where(eq(link.domain, "go.acme.test"))).toEqual([{ n: 1 }]);
    });

    test("the same key on different domains is two links", async () => {
      await db().insert(domain).values({ id: "dom_acme2", workspaceId: owner.workspaceId, host: "links.acme.test", verifiedAt: new Date() });
      expect((await create({ url: "https://example.com/a", key: "twice" })).status).toBe(201);
      expect((await create({ url: "https://example.com/b", key: "twice", domain: "links.acme.test" })).status).toBe(201);
    });
  });

  describe("GET /api/v1/links/{id}", () => {
    test("returns the link as it was created", async () => {
      const created = (await (await create({ url: "https://example.com/read-me", key: "read-me" })).json()) as LinkView;
      const response = await read(created.id);
      expect(response.status).toBe(200);
      expect(response.headers.get("x-request-id")).toBeTruthy();
      expect(await response.json()).toEqual(created);
    });

    test("an unknown id: 404 not_found", async () => {
      await expectApiError(await read("lnk_00000000000000000000000000000000"), 404, "not_found");
    });
  });

  describe("workspace isolation", () => {
    test("another workspace's key gets 404 for our link, never 403 and never the data", async () => {
      const ours = (await (await create({ url: "https://secret.example/plans", key: "plans" })).json()) as LinkView;

      const response = await read(ours.id, other.apiKey);
      const text = await response.clone().text();
      await expectApiError(response, 404, "not_found");
      expect(text).not.toContain("secret.example");
      expect(text).not.toContain(owner.workspaceId);
    });

    test("links are created in the caller's workspace and each side sees only its own", async () => {
      const theirs = (await (await create({ url: "https://globex.example/x" }, other.apiKey)).json()) as LinkView;
      expect(theirs.workspaceId).toBe(other.workspaceId);
      const [row] = await db().select({ workspaceId: link.workspaceId }).from(link).where(eq(link.id, theirs.id));
      expect(row?.workspaceId).toBe(other.workspaceId);

      expect((await read(theirs.id, other.apiKey)).status).toBe(200);
      await expectApiError(await read(theirs.id, owner.key), 404, "not_found");
    });
  });

  describe("scopes", () => {
    test("a links:read key cannot create (403 insufficient_scope) but can read", async () => {
      const readOnly = await createKey(owner.workspaceId, owner.userId, ["links:read"]);
      const before = await linkCount();

      const error = await expectApiError(await create({ url: "https://example.com/nope" }, readOnly.key), 403, "insufficient_scope");
      expect(error.message).toContain("links:write");
      expect(await linkCount()).toBe(before);

      const existing = (await (await create({ url: "https://example.com/readable" })).json()) as LinkView;
      const response = await read(existing.id, readOnly.key);
      expect(response.status).toBe(200);
      expect(((await response.json()) as LinkView).url).toBe("https://example.com/readable");
    });

    test("a key without any links scope cannot read either (403, scope checked before lookup)", async () => {
      const analyticsOnly = await createKey(owner.workspaceId, owner.userId, ["analytics:read"]);
      const existing = (await (await create({ url: "https://example.com/analytics" })).json()) as LinkView;
      const error = await expectApiError(await read(existing.id, analyticsOnly.key), 403, "insufficient_scope");
      expect(error.message).toContain("links:read");
    });
  });

  describe("authentication", () => {
    let linkId: string;
    beforeAll(async () => {
      linkId = ((await (await create({ url: "https://example.com/auth" })).json()) as LinkView).id;
    });

    test("a disabled key: 401 on create and read", async () => {
      const disabled = await createKey(owner.workspaceId, owner.userId, SCOPES);
      expect((await read(linkId, disabled.key)).status).toBe(200);
      await db().update(apikey).set({ enabled: false }).where(eq(apikey.id, disabled.id));

      await expectApiError(await create({ url: "https://example.com/" }, disabled.key), 401, "unauthorized");
      await expectApiError(await read(linkId, disabled.key), 401, "unauthorized");
    });

    test("a deleted (revoked) key: 401", async () => {
      const revoked = await createKey(owner.workspaceId, owner.userId, SCOPES);
      await db().delete(apikey).where(eq(apikey.id, revoked.id));
      await expectApiError(await read(linkId, revoked.key), 401, "unauthorized");
    });

    test("an expired key: 401", async () => {
      const expired = await createKey(owner.workspaceId, owner.userId, SCOPES);
      await db().update(apikey).set({ expiresAt: new Date(Date.now() - 60_000) }).where(eq(apikey.id, expired.id));
      await expectApiError(await read(linkId, expired.key), 401, "unauthorized");
    });

    test("a made-up key: 401", async () => {
      await expectApiError(await read(linkId, "sp_thisKeyWasNeverIssuedToAnyone"), 401, "unauthorized");
    });

    test("no Authorization header: 401", async () => {
      await expectApiError(await GET(apiRequest(`/api/v1/links/${linkId}`), routeParams({ id: linkId })), 401, "unauthorized");
      await expectApiError(await POST(apiRequest("/api/v1/links", { body: { url: "https://example.com/" } })), 401, "unauthorized");
    });

    test.each(["Basic x", "Basic YWRhOnB3", "Bearer", "Token sp_abc", "Bearer two words"])("Authorization %j: 401", async (authorization) => {
      const response = await GET(apiRequest(`/api/v1/links/${linkId}`, { headers: { authorization } }), routeParams({ id: linkId }));
      await expectApiError(response, 401, "unauthorized");
    });
  });

  describe("request ids", () => {
    test("a well-formed incoming x-request-id is echoed in the header and the error body", async () => {
      const response = await GET(apiRequest("/api/v1/links/lnk_missing", { key: owner.key, headers: { "x-request-id": "trace-abc-12345" } }), routeParams({ id: "lnk_missing" }));
      const error = await expectApiError(response, 404, "not_found");
      expect(error.requestId).toBe("trace-abc-12345");
    });

    test("a malformed incoming x-request-id is replaced by a fresh one", async () => {
      const response = await GET(apiRequest("/api/v1/links/lnk_missing", { key: owner.key, headers: { "x-request-id": "bad id <script>" } }), routeParams({ id: "lnk_missing" }));
      const error = await expectApiError(response, 404, "not_found");
      expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    });
  });
});
