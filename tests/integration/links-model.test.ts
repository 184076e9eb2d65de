/**
 * The link model through POST /api/v1/links on real databases: every field written and read back
 * (API and database), the defaults, the password that never leaves the server, and every refusal
 * with the path of the offending field. Each refusal also proves that nothing was written.
 *
 * Basic create/get/auth/isolation is in links.test.ts; this file is about the model itself.
 */
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GET as getLinkRoute } from "@/app/api/v1/links/[id]/route";
import { GET as listRoute, POST } from "@/app/api/v1/links/route";
import { CONDITION_TYPES, type Condition } from "@/core/rules";
import type { LinkView } from "@/core/link";
import { LINK_PASSWORD_ITERATIONS, verifyLinkPassword } from "@/core/link-password";
import { link, linkTag, tag } from "@/server/db/schema";
import { backends, type TestDatabase } from "../support/databases";
import { apiRequest, expectApiError, expectJson, routeParams, openWithOwner } from "../support/integration-helpers";

/** One rule per condition kind, as sent (some values are normalised by the schema). */
const RULES_SENT: { name: string; conditions: Condition[]; url: string }[] = [
  { name: "country", conditions: [{ type: "country", in: ["us", " DE "] }], url: "https://example.com/r/country" },
  { name: "region", conditions: [{ type: "region", in: ["us-ca", "CA"] }], url: "https://example.com/r/region" },
  { name: "city", conditions: [{ type: "city", in: ["São Paulo", "Zürich"] }], url: "https://example.com/r/city" },
  { name: "device", conditions: [{ type: "device", in: ["mobile", "tablet"] }], url: "https://example.com/r/device" },
  { name: "os", conditions: [{ type: "os", in: ["iOS", "Android"] }], url: "https://example.com/r/os" },
  { name: "browser", conditions: [{ type: "browser", in: ["Firefox"] }], url: "https://example.com/r/browser" },
  { name: "language", conditions: [{ type: "language", in: ["pt-BR", "EN"] }], url: "https://example.com/r/language" },
  { name: "query", conditions: [{ type: "query", param: "ref", equals: "newsletter" }, { type: "query", param: "beta" }], url: "https://example.com/r/query" },
  { name: "ip", conditions: [{ type: "ip", in: ["10.0.0.0/8", "192.168.1.1", "2001:db8::/32", "::1", "::ffff:1.2.3.4"] }], url: "https://example.com/r/ip" },
  { name: "before", conditions: [{ type: "before", at: "2031-01-01T00:00:00Z" }], url: "https://example.com/r/before" },
  { name: "after", conditions: [{ type: "after", at: "2030-06-01T00:00:00+02:00" }], url: "https://example.com/r/after" },
];

/** The same rules as the API stores and returns them. */
const RULES_STORED = RULES_SENT.map((rule) => ({ ...rule, conditions: rule.conditions.map((c) => ({ ...c })) }));
RULES_STORED[0]!.conditions[0] = { type: "country", in: ["US", "DE"] };
RULES_STORED[1]!.conditions[0] = { type: "region", in: ["US-CA", "CA"] };
RULES_STORED[6]!.conditions[0] = { type: "language", in: ["pt-br", "en"] };

const VARIANTS = [
  { url: "https://example.com/a", weight: 50 },
  { url: "https://example.com/b", weight: 30 },
  { url: "https://example.com/c", weight: 20 },
];

/** Every key anywhere in a JSON value. */
function allKeys(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) allKeys(item, out);
  else if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      out.push(key);
      allKeys(child, out);
    }
  }
  return out;
}

describe.each(backends())("link model on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: { workspaceId: string; key: string };

  beforeAll(async () => {
    ({ testDb, owner } = await openWithOwner(backend));
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  const db = () => testDb.database.db;
  const create = (body: unknown) => POST(apiRequest("/api/v1/links", { key: owner.key, body }));
  const read = (id: string) => getLinkRoute(apiRequest(`/api/v1/links/${id}`, { key: owner.key }), routeParams({ id }));
  const linkCount = async () => (await db().select({ n: count() }).from(link))[0]!.n;
  const tagCount = async () => (await db().select({ n: count() }).from(tag))[0]!.n;
  const rowOf = async (id: string) => (await db().select().from(link).where(eq(link.id, id)))[0]!;

  /** Sends `body`, expects 422 on `field`, and proves that no link (and no tag) was written. */
  async function expectRefused(body: unknown, field: string) {
    const [links, tags] = [await linkCount(), await tagCount()];
    const error = await expectApiError(await create(body), 422, "validation_failed", field);
    // Schema errors list every issue in `details`; the service's own checks (loops) name one field.
    if (error.details) expect(error.details.map((d) => d.field)).toContain(field);
    expect(await linkCount()).toBe(links);
    expect(await tagCount()).toBe(tags);
    return error;
  }

  describe("every field", () => {
    const body = {
      url: "  https://example.com/full?x=1&y=%20  ",
      key: "full-model",
      title: "  Full model  ",
      description: "Every field the API accepts",
      image: "https://cdn.example.com/og.png",
      tags: ["launch", "q3", "launch"],
      comments: "internal note: do not share",
      archived: true,
      disabled: true,
      expiresAt: "2030-01-01T12:00:00+02:00",
      expiredUrl: "https://example.com/expired",
      maxClicks: 1000,
      password: "open sesame",
      forwardQuery: true,
      utm: { source: "newsletter", medium: "email", campaign: "launch", term: "links", content: "hero" },
      cloaked: true,
      redirectStatus: 308,
      botBehavior: "block",
      rules: RULES_SENT,
      variants: VARIANTS,
      variantsEndAt: "2030-02-01T00:00:00Z",
    };
    let created: LinkView;
    let createdText: string;

    beforeAll(async () => {
      const response = await create(body);
      createdText = await response.clone().text();
      created = await expectJson<LinkView>(response, 201);
    });

    test("the rules cover all 11 condition kinds", () => {
      expect(CONDITION_TYPES).toHaveLength(11);
      expect(new Set(RULES_SENT.flatMap((rule) => rule.conditions.map((c) => c.type)))).toEqual(new Set(CONDITION_TYPES));
    });

    test("the response carries every field, normalised (trimmed, UTC dates, upper-case countries)", () => {
      expect(created).toEqual({
        id: expect.stringMatching(/^lnk_[0-9a-f]{32}$/),
        workspaceId: owner.workspaceId,
        domain: "localhost:3000",
        key: "full-model",
        shortLink: "http://localhost:3000/full-model",
        url: "https://example.com/full?x=1&y=%20",
        title: "Full model",
        description: "Every field the API accepts",
        image: "https://cdn.example.com/og.png",
        tags: [
          { id: expect.stringMatching(/^tag_/), name: "launch", color: "gray" },
          { id: expect.stringMatching(/^tag_/), name: "q3", color: "gray" },
        ],
        comments: "internal note: do not share",
        archived: true,
        disabled: true,
        expiresAt: "2030-01-01T10:00:00.000Z",
        expiredUrl: "https://example.com/expired",
        maxClicks: 1000,
        hasPassword: true,
        forwardQuery: true,
        utm: { source: "newsletter", medium: "email", campaign: "launch", term: "links", content: "hero" },
        cloaked: true,
        redirectStatus: 308,
        botBehavior: "block",
        rules: RULES_STORED,
        variants: VARIANTS,
        variantsEndAt: "2030-02-01T00:00:00.000Z",
        version: 1,
        clicks: 0,
        lastClickedAt: null,
        createdAt: expect.any(String),
        updatedAt: created.createdAt,
      });
    });

    test("GET and the list (archived=all) return exactly what POST returned", async () => {
      expect(await expectJson(await read(created.id), 200)).toEqual(created);
      const list = await expectJson<{ data: LinkView[] }>(await listRoute(apiRequest("/api/v1/links?archived=all&q=full-model", { key: owner.key })), 200);
      expect(list.data).toEqual([created]);
    });

    test("the database row holds the same values", async () => {
      const row = await rowOf(created.id);
      expect(row).toMatchObject({
        workspaceId: owner.workspaceId,
        domain: "localhost:3000",
        key: "full-model",
        url: "https://example.com/full?x=1&y=%20",
        title: "Full model",
        image: "https://cdn.example.com/og.png",
        archived: true,
        disabled: true,
        expiresAt: new Date("2030-01-01T10:00:00Z"),
        expiredUrl: "https://example.com/expired",
        maxClicks: 1000,
        forwardQuery: true,
        cloaked: true,
        redirectStatus: 308,
        botBehavior: "block",
        rules: RULES_STORED,
        variants: VARIANTS,
        variantsEndAt: new Date("2030-02-01T00:00:00Z"),
        version: 1,
      });
    });

    test("tags are created on the fly in the link's workspace, once per name, and linked", async () => {
      const rows = await db().select().from(tag).where(eq(tag.workspaceId, owner.workspaceId));
      expect(rows.map((r) => r.name).sort()).toEqual(["launch", "q3"]);
      expect(rows.every((r) => r.color === "gray")).toBe(true);
      const links = await db().select().from(linkTag).where(eq(linkTag.linkId, created.id));
      expect(links.map((r) => r.tagId).sort()).toEqual(rows.map((r) => r.id).sort());
    });

    test("the password is never returned: no password field, no hash, no plaintext; hasPassword is true", async () => {
      const keys = allKeys(JSON.parse(createdText));
      expect(keys.filter((key) => /password/i.test(key))).toEqual(["hasPassword"]);
      for (const text of [createdText, await (await read(created.id)).text()]) {
        expect(text).not.toContain("open sesame");
        expect(text).not.toContain("pbkdf2");
        expect(text).not.toMatch(/"password(Hash)?"/);
      }
    });

    test("the database keeps a salted PBKDF2 hash that verifies the password (and nothing else)", async () => {
      const { passwordHash } = await rowOf(created.id);
      expect(passwordHash).toMatch(/^pbkdf2-sha256\$\d+\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
      expect(passwordHash!.split("$")[1]).toBe(String(LINK_PASSWORD_ITERATIONS));
      expect(passwordHash).not.toContain("open sesame");
      expect(await verifyLinkPassword("open sesame", passwordHash!)).toBe(true);
      expect(await verifyLinkPassword("open sesame ", passwordHash!)).toBe(false);
      expect(await verifyLinkPassword("Open sesame", passwordHash!)).toBe(false);
    });

    test("the same password on two links gives two different hashes (salted)", async () => {
      const second = await expectJson<LinkView>(await create({ url: "https://example.com/second", password: "open sesame" }), 201);
      const [a, b] = [(await rowOf(created.id)).passwordHash!, (await rowOf(second.id)).passwordHash!];
      expect(a).not.toBe(b);
      expect(await verifyLinkPassword("open sesame", b)).toBe(true);
    });
  });

  describe("defaults", () => {
    test("a link with only a url gets the documented defaults", async () => {
      const created = await expectJson<LinkView>(await create({ url: "https://example.com/defaults" }), 201);
      expect(created).toMatchObject({
        title: null,
        description: null,
        image: null,
        tags: [],
        comments: null,
        archived: false,
        disabled: false,
        expiresAt: null,
        expiredUrl: null,
        maxClicks: null,
        hasPassword: false,
        forwardQuery: false,
        utm: null,
        cloaked: false,
        redirectStatus: 302,
        botBehavior: "preview",
        rules: [],
        variants: [],
        variantsEndAt: null,
        version: 1,
        clicks: 0,
      });
      expect(await rowOf(created.id)).toMatchObject({ passwordHash: null, redirectStatus: 302, botBehavior: "preview", rules: [], variants: [], utm: null });
    });

    test("explicit nulls are accepted for the nullable fields and read back as null", async () => {
      const created = await expectJson<LinkView>(
        await create({
          url: "https://example.com/nulls",
          title: null,
          description: null,
          image: null,
          comments: null,
          expiresAt: null,
          expiredUrl: null,
          maxClicks: null,
          password: null,
          utm: null,
          variantsEndAt: null,
        }),
        201,
      );
      expect(created).toMatchObject({ title: null, image: null, maxClicks: null, hasPassword: false, utm: null, expiresAt: null, variantsEndAt: null });
    });

    test.each([301, 302, 307, 308])("redirectStatus %i is accepted and stored", async (redirectStatus) => {
      const created = await expectJson<LinkView>(await create({ url: "https://example.com/status", redirectStatus }), 201);
      expect(created.redirectStatus).toBe(redirectStatus);
      expect((await rowOf(created.id)).redirectStatus).toBe(redirectStatus);
    });

    test.each(["preview", "redirect", "block"])("botBehavior %s is accepted and stored", async (botBehavior) => {
      const created = await expectJson<LinkView>(await create({ url: "https://example.com/bots", botBehavior }), 201);
      expect(created.botBehavior).toBe(botBehavior);
      expect((await rowOf(created.id)).botBehavior).toBe(botBehavior);
    });

    test("boundaries that are allowed: 10 variants summing to 100, a 0% variant, 190-character key, 32,000-character url, maxClicks 1", async () => {
      const ten = Array.from({ length: 10 }, (_, i) => ({ url: `https://example.com/v${i}`, weight: 10 }));
      expect((await expectJson<LinkView>(await create({ url: "https://example.com/ten", variants: ten }), 201)).variants).toEqual(ten);

      const zero = [
        { url: "https://example.com/all", weight: 100 },
        { url: "https://example.com/none", weight: 0 },
      ];
      expect((await expectJson<LinkView>(await create({ url: "https://example.com/zero", variants: zero }), 201)).variants).toEqual(zero);

      const longKey = `k${"x".repeat(188)}9`;
      expect(longKey).toHaveLength(190);
      expect((await expectJson<LinkView>(await create({ url: "https://example.com/long-key", key: longKey }), 201)).key).toBe(longKey);

      const prefix = "https://example.com/?q=";
      const longUrl = prefix + "a".repeat(32_000 - prefix.length);
      expect(longUrl).toHaveLength(32_000);
      const created = await expectJson<LinkView>(await create({ url: longUrl }), 201);
      expect((await rowOf(created.id)).url).toBe(longUrl);

      expect((await expectJson<LinkView>(await create({ url: "https://example.com/once", maxClicks: 1 }), 201)).maxClicks).toBe(1);
    });
  });

  describe("refusals name the offending field and write nothing", () => {
    const url = "https://example.com/";
    const rule = (conditions: unknown[], ruleUrl = "https://example.com/rule") => ({ rules: [{ conditions, url: ruleUrl }] });

    test.each([
      // Variants
      { label: "variants summing to 90", body: { url, variants: [{ url: "https://a.example/", weight: 60 }, { url: "https://b.example/", weight: 30 }] }, field: "variants" },
      { label: "variants summing to 110", body: { url, variants: [{ url: "https://a.example/", weight: 60 }, { url: "https://b.example/", weight: 50 }] }, field: "variants" },
      { label: "a non-integer weight", body: { url, variants: [{ url: "https://a.example/", weight: 50.5 }, { url: "https://b.example/", weight: 49.5 }] }, field: "variants.0.weight" },
      { label: "weights of 110 and -10", body: { url, variants: [{ url: "https://a.example/", weight: 110 }, { url: "https://b.example/", weight: -10 }] }, field: "variants.0.weight" },
      {
        label: "11 variants (even summing to 100)",
        body: { url, variants: Array.from({ length: 11 }, (_, i) => ({ url: `https://example.com/v${i}`, weight: i === 0 ? 10 : 9 })) },
        field: "variants",
      },
      { label: "a variant without a url", body: { url, variants: [{ weight: 100 }] }, field: "variants.0.url" },
      // Enums
      { label: "redirectStatus 303", body: { url, redirectStatus: 303 }, field: "redirectStatus" },
      { label: "redirectStatus '301' (a string)", body: { url, redirectStatus: "301" }, field: "redirectStatus" },
      { label: "botBehavior 'x'", body: { url, botBehavior: "x" }, field: "botBehavior" },
      // Rules
      { label: "a rule with no conditions", body: { url, ...rule([]) }, field: "rules.0.conditions" },
      { label: "a rule without a url", body: { url, rules: [{ conditions: [{ type: "device", in: ["mobile"] }] }] }, field: "rules.0.url" },
      { label: "an unknown condition type", body: { url, ...rule([{ type: "weather", in: ["rain"] }]) }, field: "rules.0.conditions.0.type" },
      { label: "country 'USA'", body: { url, ...rule([{ type: "country", in: ["USA"] }]) }, field: "rules.0.conditions.0.in.0" },
      { label: "an empty country list", body: { url, ...rule([{ type: "country", in: [] }]) }, field: "rules.0.conditions.0.in" },
      { label: "region 'California'", body: { url, ...rule([{ type: "region", in: ["California"] }]) }, field: "rules.0.conditions.0.in.0" },
      { label: "device 'phone'", body: { url, ...rule([{ type: "device", in: ["phone"] }]) }, field: "rules.0.conditions.0.in.0" },
      { label: "language 'english'", body: { url, ...rule([{ type: "language", in: ["english"] }]) }, field: "rules.0.conditions.0.in.0" },
      { label: "CIDR 10.0.0.0/33", body: { url, ...rule([{ type: "ip", in: ["10.0.0.0/33"] }]) }, field: "rules.0.conditions.0.in.0" },
      { label: "IPv4 with an octet of 256", body: { url, ...rule([{ type: "ip", in: ["10.0.0.256"] }]) }, field: "rules.0.conditions.0.in.0" },
      { label: "IPv4 with a leading zero", body: { url, ...rule([{ type: "ip", in: ["10.0.0.010"] }]) }, field: "rules.0.conditions.0.in.0" },
      { label: "IPv6 with a non-hex digit", body: { url, ...rule([{ type: "ip", in: ["2001:db8::g"] }]) }, field: "rules.0.conditions.0.in.0" },
      { label: "IPv6 with nine groups", body: { url, ...rule([{ type: "ip", in: ["1:2:3:4:5:6:7:8:9"] }]) }, field: "rules.0.conditions.0.in.0" },
      { label: "IPv6 with two '::'", body: { url, ...rule([{ type: "ip", in: ["2001::db8::1"] }]) }, field: "rules.0.conditions.0.in.0" },
      { label: "IPv6 CIDR /129", body: { url, ...rule([{ type: "ip", in: ["2001:db8::/129"] }]) }, field: "rules.0.conditions.0.in.0" },
      { label: "IPv6 with a zone id", body: { url, ...rule([{ type: "ip", in: ["fe80::1%eth0"] }]) }, field: "rules.0.conditions.0.in.0" },
      { label: "a second bad ip in the list", body: { url, ...rule([{ type: "ip", in: ["10.0.0.1", "1.2.3.4/8/9"] }]) }, field: "rules.0.conditions.0.in.1" },
      { label: "a query condition without param", body: { url, ...rule([{ type: "query", equals: "x" }]) }, field: "rules.0.conditions.0.param" },
      { label: "a query condition with an empty param", body: { url, ...rule([{ type: "query", param: "" }]) }, field: "rules.0.conditions.0.param" },
      { label: "'before' with a date only", body: { url, ...rule([{ type: "before", at: "2030-01-01" }]) }, field: "rules.0.conditions.0.at" },
      { label: "an unknown field in a condition", body: { url, ...rule([{ type: "device", in: ["mobile"], not: true }]) }, field: "rules.0.conditions.0.not" },
      { label: "an unknown field in a rule", body: { url, rules: [{ conditions: [{ type: "device", in: ["mobile"] }], url: "https://example.com/r", priority: 1 }] }, field: "rules.0.priority" },
      { label: "a bad destination in the second rule", body: { url, rules: [{ conditions: [{ type: "os", in: ["iOS"] }], url: "https://example.com/ok" }, { conditions: [{ type: "os", in: ["iOS"] }], url: "ftp://example.com/" }] }, field: "rules.1.url" },
      // Destinations
      { label: "credentials in the url (user:password@)", body: { url: "https://u:p@x.com/" }, field: "url" },
      { label: "a user name in the url (user@)", body: { url: "https://u@x.com/" }, field: "url" },
      { label: "a javascript: url", body: { url: "javascript:alert(document.cookie)" }, field: "url" },
      { label: "a JavaScript: url in mixed case with leading spaces", body: { url: "  JavaScript:alert(1)" }, field: "url" },
      { label: "a data: url", body: { url: "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==" }, field: "url" },
      { label: "a file: url", body: { url: "file:///etc/passwd" }, field: "url" },
      { label: "a relative url", body: { url: "/relative/path" }, field: "url" },
      { label: "a javascript: image", body: { url, image: "javascript:alert(1)" }, field: "image" },
      { label: "a data: expiredUrl", body: { url, expiredUrl: "data:text/plain,hi" }, field: "expiredUrl" },
      { label: "a url of 32,001 characters", body: { url: `https://example.com/?q=${"a".repeat(32_001 - "https://example.com/?q=".length)}` }, field: "url" },
      // Loops back to our own short host (localhost:3000 in tests)
      { label: "a url on the short host (loop)", body: { url: "http://localhost:3000/x" }, field: "url" },
      { label: "a url on the short host in upper case over https (loop)", body: { url: "HTTPS://LOCALHOST:3000/x?y=1" }, field: "url" },
      { label: "a rule url on the short host (loop)", body: { url, ...rule([{ type: "device", in: ["mobile"] }], "http://localhost:3000/other") }, field: "rules.0.url" },
      {
        label: "the second variant on the short host (loop)",
        body: { url, variants: [{ url: "https://example.com/a", weight: 50 }, { url: "http://localhost:3000/b", weight: 50 }] },
        field: "variants.1.url",
      },
      { label: "an expiredUrl on the short host (loop)", body: { url, expiredUrl: "http://localhost:3000/" }, field: "expiredUrl" },
      // Wrong types and ranges
      { label: "url: 5", body: { url: 5 }, field: "url" },
      { label: "url: null", body: { url: null }, field: "url" },
      { label: "tags: 'a'", body: { url, tags: "a" }, field: "tags" },
      { label: "tags: [1]", body: { url, tags: [1] }, field: "tags.0" },
      { label: "an empty tag name", body: { url, tags: ["ok", "  "] }, field: "tags.1" },
      { label: "a 51-character tag name", body: { url, tags: ["t".repeat(51)] }, field: "tags.0" },
      { label: "21 tags", body: { url, tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, field: "tags" },
      { label: "maxClicks: '10'", body: { url, maxClicks: "10" }, field: "maxClicks" },
      { label: "maxClicks: 0", body: { url, maxClicks: 0 }, field: "maxClicks" },
      { label: "maxClicks: 1.5", body: { url, maxClicks: 1.5 }, field: "maxClicks" },
      { label: "archived: 'true'", body: { url, archived: "true" }, field: "archived" },
      { label: "expiresAt without an offset", body: { url, expiresAt: "2030-01-01T00:00:00" }, field: "expiresAt" },
      { label: "expiresAt as a number", body: { url, expiresAt: 1893456000000 }, field: "expiresAt" },
      { label: "variantsEndAt as a date only", body: { url, variantsEndAt: "2030-01-01" }, field: "variantsEndAt" },
      { label: "a 3-character password", body: { url, password: "abc" }, field: "password" },
      { label: "a 129-character password", body: { url, password: "p".repeat(129) }, field: "password" },
      { label: "an empty utm source", body: { url, utm: { source: "" } }, field: "utm.source" },
      { label: "a title of 301 characters", body: { url, title: "t".repeat(301) }, field: "title" },
      { label: "a body that is an array", body: [{ url }], field: "(body)" },
      // Extra fields
      { label: "an unknown top-level field", body: { url, clicks: 1_000_000 }, field: "clicks" },
      { label: "passwordHash as a field", body: { url, passwordHash: "pbkdf2-sha256$1000$AAAA$BBBB" }, field: "passwordHash" },
      { label: "workspaceId as a field", body: { url, workspaceId: "someone-else" }, field: "workspaceId" },
      { label: "an unknown utm field", body: { url, utm: { source: "x", id: "y" } }, field: "utm.id" },
      { label: "an unknown variant field", body: { url, variants: [{ url: "https://a.example/", weight: 100, label: "A" }] }, field: "variants.0.label" },
    ])("$label → 422 on '$field'", async ({ body, field }) => {
      await expectRefused(body, field);
    });

    test("several bad fields: 'field' is the first, 'details' lists every one", async () => {
      const error = await expectRefused({ url: "javascript:x", redirectStatus: 303, maxClicks: 0, bogus: 1 }, "url");
      expect(error.details!.map((d) => d.field).sort()).toEqual(["bogus", "maxClicks", "redirectStatus", "url"]);
      for (const detail of error.details!) expect(detail.message.length).toBeGreaterThan(0);
    });

    test("the loop message explains the problem", async () => {
      const error = await expectRefused({ url: "http://localhost:3000/x" }, "url");
      expect(error.message).toMatch(/loop/);
    });
  });

  describe("keys", () => {
    test.each([
      { label: "an emoji", key: "launch🚀" },
      { label: "only an emoji", key: "🚀" },
      { label: "an RTL override", key: "abc\u202Edef" },
      { label: "an Arabic word", key: "رابط" },
      { label: "a zero-width space inside", key: "ab\u200Bcd" },
      { label: "a zero-width joiner inside", key: "ab\u200Dcd" },
      { label: "a word joiner at the end", key: "abcd\u2060" },
      { label: "NFC é (U+00E9)", key: "caf\u00E9" },
      { label: "NFD é (e + U+0301)", key: "cafe\u0301" },
      { label: "a Cyrillic look-alike 'а'", key: "p\u0430ypal" },
      { label: "full-width letters", key: "ａｂｃ" },
      { label: "a NUL character", key: "ab\u0000cd" },
      { label: "a dot", key: "a.b" },
      { label: "a percent-encoded slash", key: "a%2Fb" },
      { label: "an empty string", key: "" },
      { label: "191 characters", key: `k${"x".repeat(189)}9` },
    ])("a key with $label: 422 on 'key'", async ({ key }) => {
      await expectRefused({ url: "https://example.com/", key }, "key");
    });

    test("a key of 191 characters says how long a key may be", async () => {
      const error = await expectRefused({ url: "https://example.com/", key: "y".repeat(191) }, "key");
      expect(error.message).toContain("190");
    });

    test.each(["API", "Login", "LOGIN", "lOgOuT", "Docs", "Reset-Password", "ReadyZ", "SETUP"])("the reserved key %s (any case): 422 'reserved'", async (key) => {
      const error = await expectRefused({ url: "https://example.com/", key }, "key");
      expect(error.message).toContain("reserved");
    });

    test("ASCII whitespace around a key is trimmed", async () => {
      const created = await expectJson<LinkView>(await create({ url: "https://example.com/", key: "  spaced-key\t" }), 201);
      expect(created.key).toBe("spaced-key");
    });

    // Doubtful but consistent with String.prototype.trim(): U+FEFF (BOM / zero-width no-break
    // space) counts as whitespace and is trimmed silently, while U+200B inside is refused.
    test("a leading U+FEFF is trimmed like whitespace (String.prototype.trim semantics)", async () => {
      const created = await expectJson<LinkView>(await create({ url: "https://example.com/", key: "\uFEFFbom-key" }), 201);
      expect(created.key).toBe("bom-key");
    });

    test("keys are case-sensitive: 'Promo' and 'promo' are two links", async () => {
      const lower = await expectJson<LinkView>(await create({ url: "https://example.com/lower", key: "promo" }), 201);
      const upper = await expectJson<LinkView>(await create({ url: "https://example.com/upper", key: "Promo" }), 201);
      expect(lower.id).not.toBe(upper.id);
    });
  });

  describe("values the database cannot store", () => {
    // FIXED (was a known bug): a U+0000 (NUL) character passes every zod schema (core/link.ts, core/rules.ts,
    // core/destination.ts — `new URL()` even accepts it in a path), but Postgres text and jsonb
    // cannot hold it ("invalid byte sequence for encoding UTF8: 0x00" / "unsupported Unicode escape
    // sequence"), so the INSERT in src/server/links/service.ts insertOne fails and the client gets
    // 500 internal_error instead of 422 validation_failed on the field. Same on PGlite and Postgres.
    test.each([
      { label: "title", body: { url: "https://example.com/", title: "a\u0000b" }, field: "title" },
      { label: "url path", body: { url: "https://example.com/a\u0000b" }, field: "url" },
      { label: "rule city (jsonb)", body: { url: "https://example.com/", rules: [{ conditions: [{ type: "city", in: ["a\u0000"] }], url: "https://example.com/r" }] }, field: "rules.0.conditions.0.in.0" },
      { label: "tag name", body: { url: "https://example.com/", tags: ["t\u0000"] }, field: "tags.0" },
    ])("a NUL character in the $label → 422, not 500", async ({ body, field }) => {
      await expectRefused(body, field);
    });

    // FIXED (was a known bug): z.iso.datetime() accepts year 0000 (and JS Dates can hold it), but Postgres
    // timestamptz has no year 0 ("date/time field value out of range"), so service.ts columnsOf's
    // `new Date(input.expiresAt)` reaches the INSERT and the client gets 500 instead of 422.
    test.each([
      { field: "expiresAt", body: { url: "https://example.com/", expiresAt: "0000-01-01T00:00:00Z" } },
      { field: "variantsEndAt", body: { url: "https://example.com/", variantsEndAt: "0000-06-01T00:00:00Z" } },
    ])("$field in year 0000 → 422, not 500", async ({ body, field }) => {
      await expectRefused(body, field);
    });

    test("the far future round-trips (year 9999); dates before 1970 are refused", async () => {
      const created = await expectJson<LinkView>(
        await create({ url: "https://example.com/dates", expiresAt: "9999-12-31T23:59:59.999Z", variantsEndAt: "1970-01-01T00:00:00Z" }),
        201,
      );
      expect(created.expiresAt).toBe("9999-12-31T23:59:59.999Z");
      expect(created.variantsEndAt).toBe("1970-01-01T00:00:00.000Z");
      expect(await expectJson(await read(created.id), 200)).toEqual(created);
      await expectApiError(await create({ url: "https://example.com/dates", variantsEndAt: "0100-01-01T00:00:00Z" }), 422, "validation_failed", "variantsEndAt");
    });

    // FIXED (was a known bug): a date in years 0001-0099 is stored correctly (Postgres holds 0001-01-01) but read
    // back 2,000 or 1,900 years later: drizzle's timestamp column parses Postgres' text output
    // "0001-01-01 00:00:00+00" with `new Date(...)`, whose legacy (non-ISO) parser maps years 0-49
    // to 2000-2049 and 50-99 to 1950-1999. So POST {"expiresAt":"0001-01-01T00:00:00Z"} answers
    // 201 with "expiresAt":"2001-01-01T00:00:00.000Z", and "0049-…" becomes 2049, i.e. a link meant to
    // be long expired is treated as live (lookupLinkForEdge compares the parsed Date). The schemas
    // in src/core/link.ts (expiresAt, variantsEndAt) accept any year; bounding them (e.g. 1970-9999)
    // would avoid both this and the year-0000 500 above.
    test.each(["0001-01-01T00:00:00.000Z", "0049-06-01T00:00:00.000Z", "0099-12-31T00:00:00.000Z"])(
      "expiresAt %s is either refused or read back unchanged",
      async (expiresAt) => {
        const response = await create({ url: "https://example.com/ancient", expiresAt });
        if (response.status === 422) return;
        const created = await expectJson<LinkView>(response, 201);
        expect(created.expiresAt).toBe(expiresAt);
      },
    );

    test("non-ASCII text (accents, CJK, emoji, RTL) round-trips unchanged in text and jsonb", async () => {
      const title = "Café ☕ 東京 🚀 مرحبا";
      const created = await expectJson<LinkView>(
        await create({ url: "https://example.com/ünïcode?q=東京", title, rules: [{ name: "名前", conditions: [{ type: "city", in: ["München"] }], url: "https://example.com/de" }] }),
        201,
      );
      expect(created.title).toBe(title);
      expect(created.url).toBe("https://example.com/ünïcode?q=東京");
      expect(created.rules[0]).toEqual({ name: "名前", conditions: [{ type: "city", in: ["München"] }], url: "https://example.com/de" });
      expect(await expectJson(await read(created.id), 200)).toEqual(created);
    });
  });
});
