/**
 * The link editor's logic without React, on real databases: the form model (values ↔ API input,
 * A/B weights, ordering, the final-URL preview) and the save path the server action runs — the
 * API's schema, then the links service with the member's own rights. Errors come back keyed by
 * field path (nested ones included), a refused save writes nothing, and viewers are refused.
 */
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { finalLocation } from "@/core/decide";
import { ROLE_SCOPES, type Role } from "@/core/scopes";
import type { Principal } from "@/server/auth/principal";
import { link } from "@/server/db/schema";
import { createLink, getLink } from "@/server/links/service";
import {
  addVariant,
  emptyForm,
  errorAt,
  evenWeights,
  formFromLink,
  move,
  newCondition,
  newRule,
  parseForCreate,
  parseForUpdate,
  previewDestination,
  remainingWeight,
  splitEvenly,
  toLinkInput,
  type LinkFormValues,
} from "@/app/(dashboard)/app/links/_editor/form-model";
import { countryOptions, languageOptions, resolveOption } from "@/app/(dashboard)/app/links/_editor/locales";
import { archiveLink, keyAvailability, removeLink, saveLink } from "@/app/(dashboard)/app/links/_editor/save";
import { backends, type TestDatabase } from "../support/databases";
import { openWithOwner, type Owner } from "../support/integration-helpers";

const DOMAIN = "localhost:3000";

function principal(owner: Owner, role: Role): Principal {
  return { kind: "session", workspaceId: owner.workspaceId, userId: owner.userId, role, scopes: new Set(ROLE_SCOPES[role]), apiKeyId: null };
}

/** A form with a German rule and a 50/50 A/B test, as a marketer would fill it in. */
function campaignForm(key: string): LinkFormValues {
  const values = emptyForm(DOMAIN);
  values.url = "https://example.com/shoes";
  values.key = key;
  values.tags = ["spring", "shoes"];
  values.utm = { source: "newsletter", medium: "email", campaign: "spring sale", term: "", content: "" };
  const rule = newRule();
  rule.name = "Germany";
  rule.url = "https://example.de/schuhe";
  rule.conditions = [{ ...newCondition("country"), values: ["DE", "AT"] }, { ...newCondition("language"), values: ["de"] }];
  const query = { ...newCondition("query"), param: "ref", matchValue: true, equals: "tw" };
  const after = { ...newCondition("after"), at: "2026-01-01T00:00:00.000Z" };
  const rule2 = { ...newRule(), url: "https://example.com/tw", conditions: [query, after, { ...newCondition("device"), values: ["mobile", "tablet"] }] };
  values.rules = [rule, rule2];
  values.variants = splitEvenly(addVariant(addVariant([], "https://example.com/a"), "https://example.com/b"));
  values.title = "Spring shoes";
  values.redirectStatus = 307;
  values.botBehavior = "redirect";
  return values;
}

describe("the editor's form model", () => {
  test("values become the API's input, which the API's own schema accepts", () => {
    const parsed = parseForCreate(campaignForm("spring"));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.input).toMatchObject({
      url: "https://example.com/shoes",
      key: "spring",
      domain: DOMAIN,
      utm: { source: "newsletter", medium: "email", campaign: "spring sale" },
      rules: [
        { name: "Germany", url: "https://example.de/schuhe", conditions: [{ type: "country", in: ["DE", "AT"] }, { type: "language", in: ["de"] }] },
        { url: "https://example.com/tw", conditions: [{ type: "query", param: "ref", equals: "tw" }, { type: "after", at: "2026-01-01T00:00:00.000Z" }, { type: "device", in: ["mobile", "tablet"] }] },
      ],
      variants: [
        { url: "https://example.com/a", weight: 50 },
        { url: "https://example.com/b", weight: 50 },
      ],
      redirectStatus: 307,
      botBehavior: "redirect",
      title: "Spring shoes",
      description: null,
      expiresAt: null,
      maxClicks: null,
    });
    // Empty UTM fields are left out (the schema refuses empty strings), the unnamed rule has no name.
    expect(parsed.input.utm).not.toHaveProperty("term");
    expect(parsed.input.rules![1]).not.toHaveProperty("name");
    // No password unless one is being set.
    expect(parsed.input).not.toHaveProperty("password");
  });

  test("a query condition without a value only requires the parameter", () => {
    const values = emptyForm(DOMAIN);
    values.url = "https://example.com/";
    values.rules = [{ ...newRule(), url: "https://example.com/q", conditions: [{ ...newCondition("query"), param: "ref", equals: "ignored" }] }];
    const parsed = parseForCreate(values);
    expect(parsed.ok && parsed.input.rules![0]!.conditions[0]).toEqual({ type: "query", param: "ref" });
  });

  test("password: kept by default, set with a value, removed with null", () => {
    const values = { ...emptyForm(DOMAIN), url: "https://example.com/" };
    expect(toLinkInput(values)).not.toHaveProperty("password");
    expect(toLinkInput({ ...values, passwordMode: "set", password: "open sesame" }).password).toBe("open sesame");
    expect(toLinkInput({ ...values, passwordMode: "remove" }).password).toBeNull();
    const short = parseForUpdate({ ...values, passwordMode: "set", password: "abc" });
    expect(short.ok).toBe(false);
    if (!short.ok) expect(short.fields.password).toBe("Must be at least 4 characters");
  });

  test("errors are keyed by field path, nested ones shown at their list", () => {
    const values = campaignForm("bad key!");
    values.url = "ftp://example.com";
    values.rules[0]!.conditions[0]!.values = ["DE", "Germany"];
    values.variants[1]!.weight = "40";
    values.maxClicks = "0";
    const parsed = parseForCreate(values);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.fields.url).toBe("Must be an absolute http(s) URL");
    expect(parsed.fields.key).toMatch(/^May contain letters/);
    expect(parsed.fields["rules.0.conditions.0.in.1"]).toMatch(/ISO 3166-1 alpha-2/);
    expect(errorAt(parsed.fields, "rules.0.conditions.0.in")).toMatch(/ISO 3166-1 alpha-2/);
    expect(errorAt(parsed.fields, "rules.1")).toBeUndefined();
    expect(parsed.fields.variants).toBe("Weights must sum to 100");
    expect(parsed.fields.maxClicks).toBeDefined();
  });

  test("weights: what is left to assign, even splits that sum to 100, a new variant takes the rest", () => {
    for (let n = 1; n <= 10; n++) {
      const weights = evenWeights(n);
      expect(weights).toHaveLength(n);
      expect(weights.reduce((a, b) => a + b, 0)).toBe(100);
      expect(Math.max(...weights) - Math.min(...weights)).toBeLessThanOrEqual(1);
    }
    expect(evenWeights(3)).toEqual([34, 33, 33]);
    const one = addVariant([], "https://example.com/a");
    expect(one.map((v) => v.weight)).toEqual(["100"]);
    const two = addVariant([{ ...one[0]!, weight: "70" }]);
    expect(two.map((v) => v.weight)).toEqual(["70", "30"]);
    // A complete set stays as it is; the newcomer starts at 0 and the form shows nothing is left.
    const three = addVariant(two);
    expect(three.map((v) => v.weight)).toEqual(["70", "30", "0"]);
    expect(remainingWeight(three)).toBe(0);
    expect(remainingWeight([{ weight: "60" }, { weight: "60" }])).toBe(-20);
    expect(remainingWeight([{ weight: "" }, { weight: "abc" }, { weight: "25" }])).toBe(75);
    expect(splitEvenly(three).map((v) => v.weight)).toEqual(["34", "33", "33"]);
  });

  test("moving rules up and down, a no-op at either end", () => {
    expect(move(["a", "b", "c"], 2, -1)).toEqual(["a", "c", "b"]);
    expect(move(["a", "b", "c"], 0, 1)).toEqual(["b", "a", "c"]);
    expect(move(["a", "b", "c"], 0, -1)).toEqual(["a", "b", "c"]);
    expect(move(["a", "b", "c"], 2, 1)).toEqual(["a", "b", "c"]);
  });

  test("the final-URL preview is the edge's own finalLocation", () => {
    const utm = { source: "news letter", medium: "", campaign: "", term: "", content: "x&y" };
    const preview = previewDestination("https://example.com/p?utm_source=old&keep=1", utm);
    expect(preview).toBe(finalLocation("https://example.com/p?utm_source=old&keep=1", { utm: { source: "news letter", content: "x&y" }, forwardQuery: false }, new URLSearchParams()));
    expect(preview).toBe("https://example.com/p?utm_source=news+letter&keep=1&utm_content=x%26y");
    expect(previewDestination("not a url", utm)).toBeNull();
  });

  test("pickers resolve names and codes, and keep anything else for the schema to judge", () => {
    const countries = countryOptions();
    expect(countries).toHaveLength(249);
    expect(resolveOption(countries, "germany")).toBe("DE");
    expect(resolveOption(countries, "de")).toBe("DE");
    expect(resolveOption(countries, "Atlantis")).toBe("Atlantis");
    expect(resolveOption(languageOptions(), "German")).toBe("de");
    expect(resolveOption(languageOptions(), "pt-br")).toBe("pt-br");
  });
});

describe.each(backends())("saving from the editor on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: Owner;
  let member: Principal;
  let viewer: Principal;
  const linkCount = async () => (await testDb.database.db.select({ n: count() }).from(link))[0]!.n;

  beforeAll(async () => {
    ({ testDb, owner } = await openWithOwner(backend));
    member = principal(owner, "member");
    viewer = principal(owner, "viewer");
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  test("create, then reopen: the saved link gives back the same form", async () => {
    const result = await saveLink(member, null, campaignForm("spring"));
    expect(result.status).toBe("saved");
    if (result.status !== "saved") return;
    expect(result.link).toMatchObject({ key: "spring", domain: DOMAIN, redirectStatus: 307, variants: [{ weight: 50 }, { weight: 50 }] });
    expect(result.link.tags.map((t) => t.name).sort()).toEqual(["shoes", "spring"]);
    const reopened = formFromLink(await getLink(member, result.link.id));
    const strip = (v: LinkFormValues) => JSON.parse(JSON.stringify(v, (k, value) => (k === "uid" ? undefined : value)));
    expect(strip({ ...reopened, tags: [...reopened.tags].sort() })).toEqual(strip({ ...campaignForm("spring"), tags: ["shoes", "spring"] }));
    // Saving the reopened form unchanged is accepted and changes nothing but the version.
    const again = await saveLink(member, result.link.id, reopened);
    expect(again.status).toBe("saved");
    if (again.status === "saved") expect(again.link.version).toBe(result.link.version + 1);
  });

  test("the password is write-only: set, kept, removed", async () => {
    const values = { ...emptyForm(DOMAIN), url: "https://example.com/secret", key: "secret", passwordMode: "set" as const, password: "open sesame" };
    const created = await saveLink(member, null, values);
    expect(created.status === "saved" && created.link.hasPassword).toBe(true);
    if (created.status !== "saved") return;
    const form = formFromLink(created.link);
    expect(form).toMatchObject({ hasPassword: true, passwordMode: "keep", password: "" });
    const kept = await saveLink(member, created.link.id, { ...form, title: "Still secret" });
    expect(kept.status === "saved" && kept.link.hasPassword).toBe(true);
    const removed = await saveLink(member, created.link.id, { ...form, passwordMode: "remove" });
    expect(removed.status === "saved" && removed.link.hasPassword).toBe(false);
  });

  test("an invalid form is refused with field paths and writes nothing", async () => {
    const before = await linkCount();
    const values = campaignForm("never-saved");
    values.rules[0]!.conditions[0]!.values = ["DE", "XX1"];
    const result = await saveLink(member, null, values);
    expect(result).toMatchObject({ status: "error", message: "Please fix the highlighted fields." });
    if (result.status === "error") expect(result.fields["rules.0.conditions.0.in.1"]).toMatch(/country code/);
    expect(await linkCount()).toBe(before);
  });

  test("the service's own refusals land on their field, nested paths included, and nothing is half-saved", async () => {
    const before = await linkCount();
    // A rule pointing back at a short host of this instance would loop: the service names the rule's URL.
    const looping = campaignForm("loop");
    looping.rules[1]!.url = `http://${DOMAIN}/spring`;
    const loop = await saveLink(member, null, looping);
    expect(loop.status).toBe("error");
    if (loop.status === "error") expect(Object.keys(loop.fields)).toEqual(["rules.1.url"]);
    // A taken key: the tags of the refused link are not created either.
    const taken = await saveLink(member, null, { ...campaignForm("spring"), tags: ["brand-new-tag"] });
    expect(taken.status).toBe("error");
    if (taken.status === "error") expect(taken.fields.key).toMatch(/already in use/);
    expect(await linkCount()).toBe(before);
    const other = await createLink(member, { url: "https://example.com/other", key: "other" });
    const rename = await saveLink(member, other.id, { ...formFromLink(other), key: "spring", title: "renamed" });
    expect(rename.status === "error" && rename.fields.key).toMatch(/already in use/);
    expect((await getLink(member, other.id)).title).toBeNull();
  });

  test("values that are not the editor's shape are refused before anything reads them", async () => {
    const before = await linkCount();
    const malformed = [{}, { ...campaignForm("odd"), utm: null }, { ...campaignForm("odd"), rules: [{ conditions: "DE" }] }, { ...campaignForm("odd"), redirectStatus: 303 }];
    for (const values of malformed) {
      const result = await saveLink(member, null, values as unknown as LinkFormValues);
      expect(result).toMatchObject({ status: "error", fields: {} });
    }
    expect(await linkCount()).toBe(before);
  });

  test("a workspace domain that is not its own is refused on the domain field", async () => {
    const result = await saveLink(member, null, { ...emptyForm("elsewhere.example"), url: "https://example.com/" });
    expect(result.status === "error" && result.fields.domain).toMatch(/not one of this workspace's domains/);
  });

  test("key availability: free, taken, reserved, invalid", async () => {
    expect(await keyAvailability(member, "fresh-key", "")).toMatchObject({ available: true, reason: null, domain: DOMAIN });
    expect(await keyAvailability(member, "spring", DOMAIN)).toMatchObject({ available: false, reason: "taken" });
    expect(await keyAvailability(member, "api", DOMAIN)).toMatchObject({ available: false, reason: "reserved" });
    expect(await keyAvailability(member, "no spaces", DOMAIN)).toMatchObject({ available: false, reason: "invalid" });
    expect(await keyAvailability(viewer, "fresh-key", "")).toMatchObject({ available: true });
  });

  test("viewers are refused on the server: no create, no update, no archive, no delete", async () => {
    const before = await linkCount();
    const created = await saveLink(viewer, null, campaignForm("viewer-made"));
    expect(created.status).toBe("error");
    if (created.status === "error") {
      expect(created.message).toContain("Your role (viewer) does not allow 'links:write'");
      expect(created.message).toContain("Viewers can open links but not change them");
    }
    expect(await linkCount()).toBe(before);
    const target = await createLink(member, { url: "https://example.com/keep", key: "keep-me" });
    const updated = await saveLink(viewer, target.id, { ...formFromLink(target), url: "https://evil.example/" });
    expect(updated.status).toBe("error");
    expect((await archiveLink(viewer, target.id, true)).status).toBe("error");
    expect((await removeLink(viewer, target.id)).status).toBe("error");
    const after = await getLink(member, target.id);
    expect(after).toMatchObject({ url: "https://example.com/keep", archived: false, version: target.version });
  });

  test("archive, restore and delete from the edit page", async () => {
    const target = await createLink(member, { url: "https://example.com/bye", key: "bye" });
    const archived = await archiveLink(member, target.id, true);
    expect(archived.status === "saved" && archived.link.archived).toBe(true);
    const restored = await archiveLink(member, target.id, false);
    expect(restored.status === "saved" && restored.link.archived).toBe(false);
    expect(await removeLink(member, target.id)).toEqual({ status: "deleted" });
    expect(await testDb.database.db.select().from(link).where(eq(link.id, target.id))).toEqual([]);
    const missing = await removeLink(member, target.id);
    expect(missing.status).toBe("error");
  });
});
