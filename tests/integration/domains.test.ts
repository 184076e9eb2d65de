/**
 * Custom domains through the API on real databases, verified against a local DNS server on
 * 127.0.0.1 (DNS_SERVERS): host validation, uniqueness across workspaces, roles, verification
 * both ways, the periodic re-check, delete rules, and links on verified vs pending domains.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { GET as lookupRoute } from "@/app/api/internal/v1/links/lookup/route";
import { DELETE as deleteRoute, GET as getRoute } from "@/app/api/v1/domains/[id]/route";
import { POST as verifyRoute } from "@/app/api/v1/domains/[id]/verify/route";
import { GET as listRoute, POST as addRoute } from "@/app/api/v1/domains/route";
import { GET as tlsAskRoute } from "@/app/api/v1/domains/tls-ask/route";
import { GET as getLinkRoute } from "@/app/api/v1/links/[id]/route";
import { POST as createLinkRoute } from "@/app/api/v1/links/route";
import type { DomainView } from "@/core/domains";
import type { LinkView } from "@/core/link";
import { memberPrincipal } from "@/server/auth/principal";
import { domain } from "@/server/db/schema";
import { addDomain, recheckDomains } from "@/server/domains/service";
import { editorOptions } from "@/app/(dashboard)/app/links/_editor/save";
import { workspaceDomains } from "@/server/links/dashboard";
import { backends, type TestDatabase } from "../support/databases";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { apiRequest, createKey, createWorkspaceWithKey, expectApiError, expectJson, openWithOwner, routeParams, signedRequest, type ExtraWorkspace, type Owner } from "../support/integration-helpers";

let dns: TestDnsServer;
beforeAll(async () => {
  dns = await startDnsServer();
  vi.stubEnv("DNS_SERVERS", dns.address);
  vi.stubEnv("SHORT_DOMAINS", "localhost:3000,sgn.test");
  vi.stubEnv("ORIGIN_URL", "http://origin.signpost.test");
  vi.stubEnv("DOMAIN_TARGET", "edge.signpost.test");
});
afterAll(async () => {
  await dns?.stop();
  vi.unstubAllEnvs();
});

describe.each(backends())("custom domains on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: Owner;
  let other: ExtraWorkspace;

  beforeAll(async () => {
    ({ testDb, owner } = await openWithOwner(backend));
    // Each backend starts from an empty zone (the hosts repeat).
    dns.records.clear();
    dns.records.set("edge.signpost.test", { A: ["203.0.113.7"], AAAA: ["2001:db8::7"] });
    other = await createWorkspaceWithKey("Globex", ["domains:read", "domains:write", "links:read", "links:write"]);
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  const add = (host: unknown, key = owner.key) => addRoute(apiRequest("/api/v1/domains", { key, body: { host } }));
  const verify = (id: string, key = owner.key) => verifyRoute(apiRequest(`/api/v1/domains/${id}/verify`, { key, method: "POST" }), routeParams({ id }));
  const remove = (id: string, query = "", key = owner.key) => deleteRoute(apiRequest(`/api/v1/domains/${id}${query}`, { key, method: "DELETE" }), routeParams({ id }));
  const createLink = (body: Record<string, unknown>, key = owner.key) => createLinkRoute(apiRequest("/api/v1/links", { key, body }));
  const publishTxt = (view: DomainView) => dns.records.set(view.verification.name, { TXT: [[view.verification.value]] });

  async function verifiedDomain(host: string, key = owner.key): Promise<DomainView> {
    const added = await expectJson<DomainView>(await add(host, key), 201);
    publishTxt(added);
    const verified = await expectJson<DomainView>(await verify(added.id, key), 200);
    expect(verified.status).toBe("verified");
    return verified;
  }

  test("adding a domain answers it pending, with the TXT record to create", async () => {
    const added = await expectJson<DomainView>(await add("  Go.Acme.Test. "), 201);
    expect(added).toMatchObject({ host: "go.acme.test", status: "pending", verifiedAt: null, checkedAt: null, checkError: null });
    expect(added.id).toMatch(/^dom_/);
    expect(added.verification.type).toBe("TXT");
    expect(added.verification.name).toBe("_signpost-challenge.go.acme.test");
    expect(added.verification.value).toMatch(/^[0-9a-f]{32}$/);
    expect(added.target).toEqual({ type: "CNAME", value: "edge.signpost.test" });

    const list = await expectJson<{ data: DomainView[] }>(await listRoute(apiRequest("/api/v1/domains", { key: owner.key })), 200);
    expect(list.data.map((d) => d.host)).toContain("go.acme.test");
    const got = await expectJson<DomainView>(await getRoute(apiRequest(`/api/v1/domains/${added.id}`, { key: owner.key }), routeParams({ id: added.id })), 200);
    expect(got).toEqual(added);
  });

  test("an internationalised name is stored in punycode", async () => {
    const added = await expectJson<DomainView>(await add("Bücher.Example"), 201);
    expect(added.host).toBe("xn--bcher-kva.example");
  });

  test.each([
    ["https://go.example.com", /without http/],
    ["go.example.com/path", /without a path/],
    ["go.example.com:8443", /port/],
    ["user@go.example.com", /without user/],
    ["203.0.113.9", /not an IP address/],
    ["[2001:db8::1]", /not an IP address/],
    ["localhost", /not a valid domain name/],
    ["-bad.example.com", /not a valid domain name/],
    ["", /is required/],
    ["sgn.test", /SHORT_DOMAINS/],
    ["origin.signpost.test", /own app host/],
  ])("refuses %j with a 422 on host", async (host, message) => {
    const error = await expectApiError(await add(host), 422, "validation_failed", "host");
    expect(error.message).toMatch(message);
  });

  test("a non-string host and unknown fields are refused by the schema", async () => {
    await expectApiError(await add(42), 422, "validation_failed", "host");
    await expectApiError(await addRoute(apiRequest("/api/v1/domains", { key: owner.key, body: { host: "a.example.com", verified: true } })), 422, "validation_failed", "verified");
  });

  test("the same host twice in one workspace is a 409 conflict", async () => {
    await expectJson(await add("twice.acme.test"), 201);
    await expectApiError(await add("TWICE.acme.test"), 409, "conflict", "host");
  });

  test("verification fails without the TXT record, with a wrong value, and on a DNS failure; then succeeds", async () => {
    const added = await expectJson<DomainView>(await add("links.acme.test"), 201);

    const missing = await expectJson<DomainView>(await verify(added.id), 200);
    expect(missing.status).toBe("pending");
    expect(missing.checkError).toMatch(/No TXT record found at _signpost-challenge\.links\.acme\.test/);
    expect(missing.checkedAt).not.toBeNull();

    dns.records.set(added.verification.name, { TXT: [["not-the-token"]] });
    const wrong = await expectJson<DomainView>(await verify(added.id), 200);
    expect(wrong.status).toBe("pending");
    expect(wrong.checkError).toMatch(/does not hold this domain's token/);

    dns.failing.add(added.verification.name);
    const failed = await expectJson<DomainView>(await verify(added.id), 200);
    expect(failed.status).toBe("pending");
    expect(failed.checkError).toMatch(/DNS lookup .* failed/);
    dns.failing.delete(added.verification.name);

    // Several TXT records at the name, ours split in two chunks the way long values are.
    const token = added.verification.value;
    dns.records.set(added.verification.name, { TXT: [["v=spf1 -all"], [token.slice(0, 10), token.slice(10)]] });
    dns.records.set("links.acme.test", { CNAME: "edge.signpost.test" });
    const ok = await expectJson<DomainView>(await verify(added.id), 200);
    expect(ok).toMatchObject({ status: "verified", checkError: null, pointsHere: true });
    expect(ok.verifiedAt).not.toBeNull();
    expect(dns.queries).toContain("TXT _signpost-challenge.links.acme.test");
  });

  test("pointsHere compares A/AAAA records with the target's addresses", async () => {
    const right = await expectJson<DomainView>(await add("a-records.acme.test"), 201);
    publishTxt(right);
    dns.records.set("a-records.acme.test", { A: ["203.0.113.7"], AAAA: ["2001:db8::7"] });
    expect((await expectJson<DomainView>(await verify(right.id), 200)).pointsHere).toBe(true);

    const elsewhere = await expectJson<DomainView>(await add("elsewhere.acme.test"), 201);
    publishTxt(elsewhere);
    dns.records.set("elsewhere.acme.test", { A: ["198.51.100.1"] });
    const view = await expectJson<DomainView>(await verify(elsewhere.id), 200);
    expect(view).toMatchObject({ status: "verified", pointsHere: false });
  });

  test("a host pending elsewhere can be added; once verified elsewhere it is taken (409 domain_taken)", async () => {
    const mine = await expectJson<DomainView>(await add("contested.acme.test"), 201);
    const theirs = await expectJson<DomainView>(await add("contested.acme.test", other.apiKey), 201);
    expect(theirs.verification.value).not.toBe(mine.verification.value);

    // Only their token is published: they prove control, we cannot.
    publishTxt(theirs);
    expect((await expectJson<DomainView>(await verify(theirs.id, other.apiKey), 200)).status).toBe("verified");
    const ours = await expectJson<DomainView>(await verify(mine.id), 200);
    expect(ours.status).toBe("pending");

    // Even with our record in place too, the host stays theirs.
    dns.records.set(mine.verification.name, { TXT: [[theirs.verification.value], [mine.verification.value]] });
    await expectApiError(await verify(mine.id), 409, "domain_taken", "host");
    await expectApiError(await add("contested.acme.test", (await createKey(owner.workspaceId, owner.userId, ["domains:write"])).key), 409, "conflict", "host");
    const third = await createWorkspaceWithKey("Initech", ["domains:write"]);
    await expectApiError(await add("contested.acme.test", third.apiKey), 409, "domain_taken", "host");
  });

  test("another workspace cannot read, verify or delete our domain", async () => {
    const mine = await expectJson<DomainView>(await add("private.acme.test"), 201);
    await expectApiError(await getRoute(apiRequest(`/api/v1/domains/${mine.id}`, { key: other.apiKey }), routeParams({ id: mine.id })), 404, "not_found");
    await expectApiError(await verify(mine.id, other.apiKey), 404, "not_found");
    await expectApiError(await remove(mine.id, "", other.apiKey), 404, "not_found");
    const list = await expectJson<{ data: DomainView[] }>(await listRoute(apiRequest("/api/v1/domains", { key: other.apiKey })), 200);
    expect(list.data.map((d) => d.host)).not.toContain("private.acme.test");
  });

  test("scopes and roles: read-only keys, members and viewers cannot write", async () => {
    const readOnly = await createKey(owner.workspaceId, owner.userId, ["domains:read"]);
    await expectApiError(await add("readonly.acme.test", readOnly.key), 403, "insufficient_scope");
    const linksOnly = await createKey(owner.workspaceId, owner.userId, ["links:read"]);
    await expectApiError(await listRoute(apiRequest("/api/v1/domains", { key: linksOnly.key })), 403, "insufficient_scope");
    for (const role of ["member", "viewer"] as const) {
      await expect(addDomain(memberPrincipal(owner.userId, owner.workspaceId, role), { host: `${role}.acme.test` })).rejects.toMatchObject({ code: "insufficient_scope", status: 403 });
    }
    const admin = await addDomain(memberPrincipal(owner.userId, owner.workspaceId, "admin"), { host: "admin.acme.test" });
    expect(admin.status).toBe("pending");
  });

  test("links: refused on a pending domain (422 on domain), created and served on a verified one", async () => {
    const pending = await expectJson<DomainView>(await add("pending-links.acme.test"), 201);
    const refused = await expectApiError(await createLink({ url: "https://example.com/a", domain: pending.host, key: "promo" }), 422, "validation_failed", "domain");
    expect(refused.message).toMatch(/not verified/);
    expect(await workspaceDomains(memberPrincipal(owner.userId, owner.workspaceId, "owner"))).not.toContain(pending.host);

    const verified = await verifiedDomain("served.acme.test");
    const created = await expectJson<LinkView>(await createLink({ url: "https://example.com/served", domain: verified.host, key: "promo" }), 201);
    expect(created.domain).toBe("served.acme.test");
    expect(created.shortLink).toMatch(/^https?:\/\/served\.acme\.test\/promo$/);
    // The links list's domain filter and the editor's domain menu offer verified domains only.
    const ownerPrincipal = memberPrincipal(owner.userId, owner.workspaceId, "owner");
    expect(await workspaceDomains(ownerPrincipal)).toContain("served.acme.test");
    const { domains } = await editorOptions(ownerPrincipal);
    expect(domains[0]).toBe("localhost:3000");
    expect(domains).toContain("served.acme.test");
    expect(domains).not.toContain(pending.host);

    // The edge's lookup by host + key (the only thing serving needs) finds it; unknown hosts are not found.
    const found = await expectJson<{ link: { id: string; url: string } }>(await lookupRoute(await signedRequest("GET", "/api/internal/v1/links/lookup?domain=served.acme.test&key=promo")), 200);
    expect(found.link).toMatchObject({ id: created.id, url: "https://example.com/served" });
    await expectApiError(await lookupRoute(await signedRequest("GET", "/api/internal/v1/links/lookup?domain=nobody.example.test&key=promo")), 404, "not_found");

    // Another workspace cannot put links on our verified domain.
    await expectApiError(await createLink({ url: "https://example.com/x", domain: verified.host, key: "theirs" }, other.apiKey), 422, "validation_failed", "domain");
  });

  test("delete: 409 while links use the domain; ?force=true deletes them with it; a domain without links just goes", async () => {
    const verified = await verifiedDomain("doomed.acme.test");
    const a = await expectJson<LinkView>(await createLink({ url: "https://example.com/1", domain: verified.host, key: "one" }), 201);
    await expectJson<LinkView>(await createLink({ url: "https://example.com/2", domain: verified.host, key: "two", archived: true }), 201);

    const refused = await expectApiError(await remove(verified.id), 409, "conflict");
    expect(refused.message).toMatch(/2 links still use doomed\.acme\.test/);
    await expectApiError(await remove(verified.id, "?force=yes"), 422, "validation_failed", "force");
    const readOnly = await createKey(owner.workspaceId, owner.userId, ["domains:write"]);
    await expectApiError(await remove(verified.id, "?force=true", readOnly.key), 403, "insufficient_scope");

    expect(await expectJson(await remove(verified.id, "?force=true"), 200)).toEqual({ deletedLinks: 2 });
    await expectApiError(await getLinkRoute(apiRequest(`/api/v1/links/${a.id}`, { key: owner.key }), routeParams({ id: a.id })), 404, "not_found");
    await expectApiError(await getRoute(apiRequest(`/api/v1/domains/${verified.id}`, { key: owner.key }), routeParams({ id: verified.id })), 404, "not_found");

    const empty = await expectJson<DomainView>(await add("empty.acme.test"), 201);
    expect(await expectJson(await remove(empty.id), 200)).toEqual({ deletedLinks: 0 });
    await expectApiError(await remove(empty.id), 404, "not_found");
  });

  test("tls-ask (no authentication): 200 for short domains and verified custom domains, 404 for pending and unknown ones", async () => {
    const ask = (domain?: string) => tlsAskRoute(apiRequest(`/api/v1/domains/tls-ask${domain === undefined ? "" : `?domain=${encodeURIComponent(domain)}`}`));
    const verified = await verifiedDomain("tls.acme.test");
    const pending = await expectJson<DomainView>(await add("tls-pending.acme.test"), 201);
    expect(await expectJson(await ask(verified.host), 200)).toEqual({ domain: "tls.acme.test", served: true });
    expect(await expectJson(await ask("TLS.Acme.Test"), 200)).toEqual({ domain: "TLS.Acme.Test", served: true });
    expect(await expectJson(await ask("sgn.test"), 200)).toEqual({ domain: "sgn.test", served: true });
    await expectApiError(await ask(pending.host), 404, "not_found", "domain");
    await expectApiError(await ask("unknown.example.test"), 404, "not_found", "domain");
    await expectApiError(await ask("203.0.113.1"), 404, "not_found", "domain");
    await expectApiError(await ask(), 422, "validation_failed", "domain");
  });

  test("the periodic re-check verifies a pending domain once its record appears", async () => {
    const added = await expectJson<DomainView>(await add("later.acme.test"), 201);
    const before = await recheckDomains(testDb.database.db);
    expect(before.checked).toBeGreaterThan(0);
    const [still] = await testDb.database.db.select().from(domain).where(eq(domain.id, added.id));
    expect(still!.verifiedAt).toBeNull();
    expect(still!.checkError).toMatch(/No TXT record/);

    publishTxt(added);
    const after = await recheckDomains(testDb.database.db);
    expect(after.verified).toBeGreaterThanOrEqual(1);
    const [row] = await testDb.database.db.select().from(domain).where(eq(domain.id, added.id));
    expect(row!.verifiedAt).not.toBeNull();
    expect(row!.checkError).toBeNull();
  });
});
