/**
 * The links dashboard's logic (src/server/links/dashboard.ts), which its server actions call, on
 * real databases: principals of signed-in members, viewers refused on every write with nothing
 * changed, bulk archive / unarchive / delete all-or-nothing, and the list's URL state.
 */
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Role } from "@/core/scopes";
import { signIn, signUp } from "@/server/auth/accounts";
import { getAuth } from "@/server/auth/auth";
import type { Principal } from "@/server/auth/principal";
import { currentSession } from "@/server/auth/session";
import { link } from "@/server/db/schema";
import {
  DEFAULT_STATE,
  isFiltered,
  listHref,
  listQuery,
  parseListState,
  runBulk,
  safeListReturn,
  sessionPrincipal,
} from "@/server/links/dashboard";
import { listLinks } from "@/server/links/list";
import { createLink, updateLink } from "@/server/links/service";
import { backends, type TestDatabase } from "../support/databases";
import { createWorkspaceWithKey, openWithOwner, PASSWORD, type Owner } from "../support/integration-helpers";
import { CookieJar } from "./auth-helpers";

describe("the list's URL state", () => {
  test("defaults, each param checked on its own, and back to the same URL", () => {
    expect(parseListState({})).toEqual(DEFAULT_STATE);
    const state = parseListState({ q: "  spring  ", tag: "promo", archived: "all", sort: "clicks", order: "asc", extra: "ignored" });
    expect(state).toMatchObject({ q: "spring", tag: "promo", archived: "all", sort: "clicks", order: "asc", cursor: "" });
    expect(listHref(state)).toBe("/app?q=spring&tag=promo&archived=all&sort=clicks&order=asc");
    expect(parseListState(Object.fromEntries(new URL(listHref(state), "http://x").searchParams))).toEqual(state);
    // Values the API would refuse fall back to their defaults instead of failing the page.
    expect(parseListState({ sort: "constructor", archived: "toString" })).toEqual(DEFAULT_STATE);
    expect(parseListState({ sort: "price", order: "sideways", archived: "yes", q: "x".repeat(300), domain: "not a host!" })).toEqual(DEFAULT_STATE);
    expect(parseListState({ q: ["first", "second"] }).q).toBe("first");
    expect(listHref(DEFAULT_STATE)).toBe("/app");
    expect(listHref(state, { cursor: "abc", order: "desc" })).toBe("/app?q=spring&tag=promo&archived=all&sort=clicks&cursor=abc");
    // The previous page travels as `before`; naming one page cursor drops the other.
    const back = parseListState({ before: "xyz", sort: "clicks" });
    expect(back).toMatchObject({ before: "xyz", cursor: "" });
    expect(listQuery(back)).toMatchObject({ before: "xyz" });
    expect(listQuery(back)).not.toHaveProperty("cursor");
    expect(listHref(back)).toBe("/app?sort=clicks&before=xyz");
    expect(listHref(back, { cursor: "abc" })).toBe("/app?sort=clicks&cursor=abc");
    expect(listHref({ ...back, cursor: "abc", before: "" }, { before: "xyz" })).toBe("/app?sort=clicks&before=xyz");
    expect(listHref(back, { cursor: "" })).toBe("/app?sort=clicks");
    expect(parseListState({ cursor: "abc", before: "xyz" })).toMatchObject({ cursor: "abc", before: "" });
    expect(listQuery(state)).toEqual({ limit: 25, archived: "all", sort: "clicks", order: "asc", q: "spring", tag: "promo" });
    expect(isFiltered(DEFAULT_STATE)).toBe(false);
    expect(isFiltered({ ...DEFAULT_STATE, sort: "clicks", cursor: "x" })).toBe(false);
    expect(isFiltered({ ...DEFAULT_STATE, archived: "archived" })).toBe(true);
  });

  test("bulk actions only ever return to the list", () => {
    expect(safeListReturn("/app?q=a&archived=all")).toBe("/app?q=a&archived=all");
    for (const evil of ["https://evil.com/app", "//evil.com/app", "/apple", "/app/../settings", "/settings/account", "/app/links/x"]) {
      expect(safeListReturn(evil), evil).toBe("/app");
    }
  });
});

describe.each(backends())("bulk link operations on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: Owner;
  const principals = {} as Record<Role, Principal>;
  let serial = 0;

  /** A signed-in session's principal, as the dashboard's pages and actions build it. */
  async function principalOf(jar: CookieJar): Promise<Principal> {
    const session = await currentSession(jar.headers());
    if (!session?.workspace) throw new Error("no session or workspace");
    return sessionPrincipal({ ...session, workspace: session.workspace });
  }

  async function join(label: string, role: Role): Promise<Principal> {
    const email = `${label}@example.com`;
    const signedUp = await signUp({ name: label, email, password: PASSWORD }, new CookieJar().headers());
    await (await getAuth()).api.addMember({ body: { userId: signedUp.userId, organizationId: owner.workspaceId, role } });
    return principalOf(new CookieJar().store((await signIn({ email, password: PASSWORD, remember: true }, new CookieJar().headers())).cookies));
  }

  beforeAll(async () => {
    ({ testDb, owner } = await openWithOwner(backend));
    principals.owner = await principalOf(new CookieJar().store((await signIn({ email: "ada@example.com", password: PASSWORD, remember: true }, new CookieJar().headers())).cookies));
    principals.member = await join("mo", "member");
    principals.viewer = await join("vi", "viewer");
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  const rows = async (ids: string[]) => {
    const found = await testDb.database.db.select({ id: link.id, archived: link.archived }).from(link).where(inArray(link.id, ids));
    return Object.fromEntries(found.map((r) => [r.id, r.archived]));
  };
  const newLinks = async (n: number, by: Principal = principals.owner) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await createLink(by, { url: `https://example.com/dash/${++serial}` })).id);
    return ids;
  };

  test("a session's principal carries its workspace, user and role's scopes", () => {
    expect(principals.owner).toMatchObject({ kind: "session", workspaceId: owner.workspaceId, userId: owner.userId, role: "owner", apiKeyId: null });
    expect(principals.viewer.role).toBe("viewer");
    expect(principals.viewer.scopes.has("links:read")).toBe(true);
    expect(principals.viewer.scopes.has("links:write")).toBe(false);
    expect(principals.member.scopes.has("links:write")).toBe(true);
  });

  test("a viewer is refused archive, unarchive and delete, and nothing changes", async () => {
    const ids = await newLinks(2);
    await updateLink(principals.owner, ids[1]!, { archived: true });
    for (const op of ["archive", "unarchive", "delete"] as const) {
      const result = await runBulk(principals.viewer, op, ids);
      expect(result).toMatchObject({ ok: false, reason: "forbidden" });
      if (!result.ok) expect(result.message).toContain("(viewer)");
    }
    expect(await rows(ids)).toEqual({ [ids[0]!]: false, [ids[1]!]: true });
    // The viewer still reads them all.
    const listed = await listLinks(principals.viewer, listQuery({ ...DEFAULT_STATE, archived: "all" }, 100));
    expect(listed.data.map((l) => l.id)).toEqual(expect.arrayContaining(ids));
  });

  test("archive and unarchive many at once; a member may too", async () => {
    const ids = await newLinks(3);
    const archived = await runBulk(principals.owner, "archive", ids);
    expect(archived).toEqual({ ok: true, count: 3, message: "Archived 3 links." });
    expect(await rows(ids)).toEqual(Object.fromEntries(ids.map((id) => [id, true])));
    const unarchived = await runBulk(principals.member, "unarchive", [ids[0]!, ids[0]!]);
    expect(unarchived).toEqual({ ok: true, count: 1, message: "Unarchived 1 link." });
    expect(await rows(ids)).toEqual({ [ids[0]!]: false, [ids[1]!]: true, [ids[2]!]: true });
  });

  test("one unknown id or another workspace's link: nothing archived or deleted", async () => {
    const ids = await newLinks(3);
    const other = await createWorkspaceWithKey("Elsewhere", ["links:read", "links:write"]);
    const theirs = await createLink({ ...principals.owner, workspaceId: other.workspaceId, userId: other.userId }, { url: "https://example.com/theirs" });
    for (const stranger of ["lnk_doesnotexist", theirs.id]) {
      for (const op of ["archive", "delete"] as const) {
        const result = await runBulk(principals.owner, op, [...ids, stranger]);
        expect(result, `${op} with ${stranger}`).toMatchObject({ ok: false, reason: "not_found" });
      }
    }
    expect(await rows([...ids, theirs.id])).toEqual({ ...Object.fromEntries(ids.map((id) => [id, false])), [theirs.id]: false });
  });

  test("delete many at once; nothing selected is a refusal", async () => {
    const ids = await newLinks(2);
    expect(await runBulk(principals.owner, "delete", [])).toMatchObject({ ok: false, reason: "empty" });
    expect(await runBulk(principals.member, "delete", ids)).toEqual({ ok: true, count: 2, message: "Deleted 2 links." });
    expect(await rows(ids)).toEqual({});
  });
});
