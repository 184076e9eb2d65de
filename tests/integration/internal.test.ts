/**
 * The internal edge -> origin endpoints through their route handlers, on real databases: signed
 * link lookup and signed click batches. Requests are signed with the instance's real secret
 * (serverConfig().secret, set for tests in vitest.config.ts); anything unsigned, mis-signed,
 * replayed or stale is refused with 401 before it touches the database.
 */
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { POST as postClicks } from "@/app/api/internal/v1/clicks/route";
import { GET as lookup } from "@/app/api/internal/v1/links/lookup/route";
import { GET as getLink } from "@/app/api/v1/links/[id]/route";
import { POST as createLink } from "@/app/api/v1/links/route";
import { edgeLinkSchema, type ClickEvent } from "@/core/link";
import { HEADER_SIGNATURE, HEADER_TIMESTAMP, MAX_CLOCK_SKEW_MS } from "@/core/protocol";
import { click, link } from "@/server/db/schema";
import type { LinkView } from "@/core/link";
import { runFirstSetup } from "@/server/setup/service";
import { backends, type TestDatabase } from "../support/databases";
import {
  apiRequest,
  openTestDatabase,
  BASE_URL,
  expectApiError,
  PASSWORD,
  routeParams,
  signedHeaders,
  signedRequest,
} from "../support/integration-helpers";

const LOOKUP = "/api/internal/v1/links/lookup";
const CLICKS = "/api/internal/v1/clicks";
const DOMAIN = "localhost:3000";

const lookupPath = (params: Record<string, string>) => `${LOOKUP}?${new URLSearchParams(params)}`;

describe.each(backends())("internal endpoints on %s", (backend) => {
  let testDb: TestDatabase;
  let apiKey: string;
  let workspaceId: string;
  let hello: LinkView;

  beforeAll(async () => {
    testDb = await openTestDatabase(backend);
    const setup = await runFirstSetup({ name: "Ada", email: "ada@example.com", password: PASSWORD, workspace: "Acme" });
    apiKey = setup.apiKey.key;
    workspaceId = setup.workspace.id;
    hello = await newLink("hello", "https://example.com/hello?ref=edge");
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  const db = () => testDb.database.db;

  async function newLink(key: string, url = `https://example.com/${key}`): Promise<LinkView> {
    const response = await createLink(apiRequest("/api/v1/links", { key: apiKey, body: { url, key } }));
    expect(response.status).toBe(201);
    return (await response.json()) as LinkView;
  }

  function clickEvent(linkId: string, overrides: Partial<ClickEvent> = {}): ClickEvent {
    return {
      id: crypto.randomUUID(),
      linkId,
      workspaceId,
      at: new Date().toISOString(),
      url: "https://example.com/",
      userAgent: "Mozilla/5.0",
      referrer: null,
      isBot: false,
      country: "FR",
      ...overrides,
    };
  }

  const signedLookup = async (params: Record<string, string>) => lookup(await signedRequest("GET", lookupPath(params)));
  const signedClicks = async (body: string) => postClicks(await signedRequest("POST", CLICKS, { body }));

  describe("GET /api/internal/v1/links/lookup", () => {
    test("a signed lookup returns the EdgeLink for domain + key: what the edge needs to decide", async () => {
      const response = await signedLookup({ domain: DOMAIN, key: "hello" });
      expect(response.status).toBe(200);
      // Never cached, never compressed or otherwise transformed on the way (src/server/internal/route.ts).
      expect(response.headers.get("cache-control")).toBe("no-store, no-transform");
      expect(response.headers.get("x-request-id")).toBeTruthy();
      const { link: found } = await response.json();
      expect(edgeLinkSchema.strict().parse(found)).toMatchObject({
        id: hello.id,
        workspaceId,
        domain: DOMAIN,
        key: "hello",
        url: "https://example.com/hello?ref=edge",
        version: 1,
        archived: false,
        disabled: false,
        passwordHash: null,
        redirectStatus: 302,
        botBehavior: "preview",
        rules: [],
        variants: [],
      });
      // Never the click counters or anything the decision does not use.
      expect(Object.keys(found)).not.toContain("clicks");
    });

    test("the host is matched case-insensitively, the key exactly", async () => {
      expect((await signedLookup({ domain: "LocalHost:3000", key: "hello" })).status).toBe(200);
      await expectApiError(await signedLookup({ domain: DOMAIN, key: "HELLO" }), 404, "not_found");
    });

    test("the query's parameter order does not matter to the signature", async () => {
      const signedFor = `${LOOKUP}?key=hello&domain=${encodeURIComponent(DOMAIN)}`;
      const headers = await signedHeaders("GET", signedFor);
      const response = await lookup(new Request(`${BASE_URL}${lookupPath({ domain: DOMAIN, key: "hello" })}`, { headers }));
      expect(response.status).toBe(200);
    });

    test("an unknown key or domain: 404 not_found", async () => {
      await expectApiError(await signedLookup({ domain: DOMAIN, key: "no-such-link" }), 404, "not_found");
      await expectApiError(await signedLookup({ domain: "other.example", key: "hello" }), 404, "not_found");
    });

    test("an archived link is returned flagged, so the edge answers 404 and can cache that", async () => {
      const archived = await newLink("archived-soon");
      await db().update(link).set({ archived: true }).where(eq(link.id, archived.id));
      const response = await signedLookup({ domain: DOMAIN, key: "archived-soon" });
      expect(response.status).toBe(200);
      expect((await response.json()).link.archived).toBe(true);
    });

    test("a missing domain or key: 400 bad_request naming it", async () => {
      await expectApiError(await signedLookup({ key: "hello" }), 400, "bad_request", "domain");
      await expectApiError(await signedLookup({ domain: DOMAIN }), 400, "bad_request", "key");
    });

    describe("refused with 401", () => {
      test("unsigned", async () => {
        const response = await lookup(new Request(`${BASE_URL}${lookupPath({ domain: DOMAIN, key: "hello" })}`));
        // Errors are internal answers too.
        expect(response.headers.get("cache-control")).toBe("no-store, no-transform");
        const error = await expectApiError(response, 401, "unauthorized");
        expect(error.message).toContain("missing signature headers");
      });

      test("signed with the wrong secret", async () => {
        const request = await signedRequest("GET", lookupPath({ domain: DOMAIN, key: "hello" }), {
          secret: "not-the-secret-0123456789abcdef0123456789abcdef",
        });
        const error = await expectApiError(await lookup(request), 401, "unauthorized");
        expect(error.message).toContain("bad signature");
      });

      test("a replayed nonce: the same headers twice", async () => {
        const path = lookupPath({ domain: DOMAIN, key: "hello" });
        const headers = await signedHeaders("GET", path);
        expect((await lookup(new Request(`${BASE_URL}${path}`, { headers }))).status).toBe(200);
        const error = await expectApiError(await lookup(new Request(`${BASE_URL}${path}`, { headers })), 401, "unauthorized");
        expect(error.message).toContain("replayed");
      });

      test.each([
        { when: "stale", offset: -(MAX_CLOCK_SKEW_MS + 5_000) },
        { when: "from the future", offset: MAX_CLOCK_SKEW_MS + 5_000 },
      ])("a timestamp $when", async ({ offset }) => {
        const request = await signedRequest("GET", lookupPath({ domain: DOMAIN, key: "hello" }), { now: Date.now() + offset });
        const error = await expectApiError(await lookup(request), 401, "unauthorized");
        expect(error.message).toContain("timestamp");
      });

      test("a signature for another query (key swapped after signing)", async () => {
        const headers = await signedHeaders("GET", lookupPath({ domain: DOMAIN, key: "some-other-key" }));
        await expectApiError(await lookup(new Request(`${BASE_URL}${lookupPath({ domain: DOMAIN, key: "hello" })}`, { headers })), 401, "unauthorized");
      });

      test("a signature made for another method", async () => {
        const path = lookupPath({ domain: DOMAIN, key: "hello" });
        const headers = await signedHeaders("POST", path);
        await expectApiError(await lookup(new Request(`${BASE_URL}${path}`, { headers })), 401, "unauthorized");
      });

      test("a timestamp changed after signing, or a malformed signature", async () => {
        const path = lookupPath({ domain: DOMAIN, key: "hello" });
        const moved = await signedHeaders("GET", path);
        moved[HEADER_TIMESTAMP] = String(Number(moved[HEADER_TIMESTAMP]) + 1);
        await expectApiError(await lookup(new Request(`${BASE_URL}${path}`, { headers: moved })), 401, "unauthorized");

        const malformed = await signedHeaders("GET", path);
        malformed[HEADER_SIGNATURE] = "not-hex";
        await expectApiError(await lookup(new Request(`${BASE_URL}${path}`, { headers: malformed })), 401, "unauthorized");
      });
    });
  });

  describe("POST /api/internal/v1/clicks", () => {
    test("a signed batch is stored and counted, and the API shows the count", async () => {
      const target = await newLink("clicked");
      const batch = [clickEvent(target.id, { at: "2025-04-01T10:00:00.000Z" }), clickEvent(target.id, { at: "2025-04-01T11:00:00.000Z" }), clickEvent(target.id, { isBot: true })];

      const response = await signedClicks(JSON.stringify({ clicks: batch }));
      expect(response.status).toBe(202);
      expect(response.headers.get("cache-control")).toBe("no-store, no-transform");
      expect(await response.json()).toEqual({ mode: "stored", accepted: 3, duplicates: 0, unknownLinks: 0, fallback: false });

      const rows = await db().select().from(click).where(inArray(click.id, batch.map((c) => c.id)));
      expect(rows).toHaveLength(3);
      expect(rows.every((r) => r.linkId === target.id && r.workspaceId === workspaceId)).toBe(true);

      const view = (await (await getLink(apiRequest(`/api/v1/links/${target.id}`, { key: apiKey }), routeParams({ id: target.id }))).json()) as LinkView;
      expect(view).toMatchObject({ clicks: 2, lastClickedAt: "2025-04-01T11:00:00.000Z" });
    });

    test("re-delivering a batch (freshly signed) is idempotent", async () => {
      const target = await newLink("redelivered");
      const body = JSON.stringify({ clicks: [clickEvent(target.id), clickEvent(target.id)] });

      expect(await (await signedClicks(body)).json()).toEqual({ mode: "stored", accepted: 2, duplicates: 0, unknownLinks: 0, fallback: false });
      const again = await signedClicks(body);
      expect(again.status).toBe(202);
      expect(await again.json()).toEqual({ mode: "stored", accepted: 0, duplicates: 2, unknownLinks: 0, fallback: false });

      const [row] = await db().select({ clicks: link.clicks }).from(link).where(eq(link.id, target.id));
      expect(row?.clicks).toBe(2);
    });

    test("clicks for unknown links are reported, the rest stored", async () => {
      const target = await newLink("partly-known");
      const response = await signedClicks(JSON.stringify({ clicks: [clickEvent(target.id), clickEvent("lnk_unknown")] }));
      expect(await response.json()).toEqual({ mode: "stored", accepted: 1, duplicates: 0, unknownLinks: 1, fallback: false });
    });

    test("a replayed request (same headers and body) is refused and changes nothing", async () => {
      const target = await newLink("replayed");
      const body = JSON.stringify({ clicks: [clickEvent(target.id)] });
      const headers = { ...(await signedHeaders("POST", CLICKS, { body })), "content-type": "application/json" };

      expect((await postClicks(new Request(`${BASE_URL}${CLICKS}`, { method: "POST", headers, body }))).status).toBe(202);
      await expectApiError(await postClicks(new Request(`${BASE_URL}${CLICKS}`, { method: "POST", headers, body })), 401, "unauthorized");
      const [row] = await db().select({ clicks: link.clicks }).from(link).where(eq(link.id, target.id));
      expect(row?.clicks).toBe(1);
    });

    test("unsigned, or with the body changed after signing: 401 and nothing stored", async () => {
      const target = await newLink("tampered");
      const event = clickEvent(target.id);
      const body = JSON.stringify({ clicks: [event] });

      await expectApiError(await postClicks(new Request(`${BASE_URL}${CLICKS}`, { method: "POST", body })), 401, "unauthorized");

      const headers = await signedHeaders("POST", CLICKS, { body: JSON.stringify({ clicks: [] }) });
      await expectApiError(await postClicks(new Request(`${BASE_URL}${CLICKS}`, { method: "POST", headers, body })), 401, "unauthorized");

      expect(await db().select().from(click).where(eq(click.id, event.id))).toEqual([]);
    });

    describe("an invalid batch (validly signed): 422 validation_failed naming the field, nothing stored", () => {
      const valid = () => clickEvent("lnk_placeholder");
      test.each([
        { field: "clicks", make: () => ({ clicks: [] }) },
        { field: "clicks", make: () => ({}) },
        { field: "clicks", make: () => ({ clicks: Array.from({ length: 501 }, valid) }) },
        { field: "clicks.0.id", make: () => ({ clicks: [{ ...valid(), id: "not-a-uuid" }] }) },
        { field: "clicks.0.at", make: () => ({ clicks: [{ ...valid(), at: "yesterday" }] }) },
        { field: "clicks.1.country", make: () => ({ clicks: [valid(), { ...valid(), country: "FRA" }] }) },
        { field: "clicks.0.isBot", make: () => ({ clicks: [{ ...valid(), isBot: "no" }] }) },
        { field: "clicks.0.userAgent", make: () => ({ clicks: [{ ...valid(), userAgent: "u".repeat(1025) }] }) },
      ])("$field", async ({ field, make }) => {
        const body = make();
        await expectApiError(await signedClicks(JSON.stringify(body)), 422, "validation_failed", field);
        const ids = ((body as { clicks?: { id: string }[] }).clicks ?? []).map((c) => c.id).filter((id) => /^[0-9a-f-]{36}$/.test(id));
        if (ids.length) expect(await db().select().from(click).where(inArray(click.id, ids))).toEqual([]);
      });

      test("malformed JSON: 400 invalid_json", async () => {
        await expectApiError(await signedClicks('{"clicks": ['), 400, "invalid_json");
      });
    });
  });
});
