/**
 * Each workspace role against each action, through the same Node checks the pages use and the API:
 * viewers read but never write, members write links but do not manage members or keys, admins
 * manage members below owner, and only owners make owners or delete a workspace. Better Auth's own
 * endpoints, called over HTTP to skip our services, refuse the same things.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { POST as authPost } from "@/app/api/auth/[...all]/route";
import { GET as listLinksRoute, POST as createLinkRoute } from "@/app/api/v1/links/route";
import type { Role } from "@/core/scopes";
import {
  AccountError,
  changeRole,
  createApiKey,
  deleteWorkspace,
  inviteMember,
  listMembers,
  removeMember,
  signIn,
  signUp,
} from "@/server/auth/accounts";
import { getAuth } from "@/server/auth/auth";
import { can, ACTIONS } from "@/server/auth/permissions";
import { requireAction } from "@/server/auth/session";
import { backends, type TestDatabase } from "../support/databases";
import { BASE_URL, openWithOwner, PASSWORD, type Owner } from "../support/integration-helpers";
import { CookieJar } from "./auth-helpers";

const ROLES: Role[] = ["owner", "admin", "member", "viewer"];

async function refused(attempt: Promise<unknown>): Promise<AccountError> {
  const error = await attempt.then(
    () => expect.unreachable("should have been refused"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AccountError);
  return error as AccountError;
}

describe.each(backends())("roles and actions on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: Owner;
  const jars = {} as Record<Role, CookieJar>;
  const memberIds = {} as Record<Role, string>;

  /** A new account added to the owner's workspace with `role`, signed in. */
  async function join(label: string, role: Role): Promise<{ jar: CookieJar; memberId: string }> {
    const email = `${label}@example.com`;
    const signedUp = await signUp({ name: label, email, password: PASSWORD }, new CookieJar().headers());
    const auth = await getAuth();
    const added = await auth.api.addMember({ body: { userId: signedUp.userId, organizationId: owner.workspaceId, role } });
    const jar = new CookieJar().store((await signIn({ email, password: PASSWORD, remember: true }, new CookieJar().headers())).cookies);
    return { jar, memberId: added!.id };
  }

  beforeAll(async () => {
    const opened = await openWithOwner(backend);
    testDb = opened.testDb;
    owner = opened.owner;
    jars.owner = new CookieJar().store((await signIn({ email: "ada@example.com", password: PASSWORD, remember: true }, new CookieJar().headers())).cookies);
    for (const role of ["admin", "member", "viewer"] as const) {
      const joined = await join(role, role);
      jars[role] = joined.jar;
      memberIds[role] = joined.memberId;
    }
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  test("every session lands in the workspace with its role", async () => {
    for (const role of ROLES) {
      const session = await requireAction(jars[role].headers(), "workspace:read");
      expect(session.workspace).toMatchObject({ id: owner.workspaceId, role });
    }
  });

  test("the permission table: viewer reads only, member writes links, admin manages, owner alone deletes", () => {
    expect(ROLES.filter((r) => can(r, "workspace:read"))).toEqual(ROLES);
    expect(ROLES.filter((r) => can(r, "links:write"))).toEqual(["owner", "admin", "member"]);
    expect(ROLES.filter((r) => can(r, "members:manage"))).toEqual(["owner", "admin"]);
    expect(ROLES.filter((r) => can(r, "apiKeys:manage"))).toEqual(["owner", "admin"]);
    expect(ROLES.filter((r) => can(r, "owners:manage"))).toEqual(["owner"]);
    expect(ROLES.filter((r) => can(r, "workspace:delete"))).toEqual(["owner"]);
    expect(Object.keys(ACTIONS).sort()).toEqual(["apiKeys:manage", "links:write", "members:manage", "owners:manage", "status:read", "workspace:delete", "workspace:read", "workspace:update"]);
  });

  test.each(ROLES)("%s: reads links through the API with a session", async (role) => {
    const response = await listLinksRoute(new Request(`${BASE_URL}/api/v1/links`, { headers: { cookie: jars[role].header() } }));
    expect(response.status).toBe(200);
  });

  test.each(ROLES)("%s: writes links through the API unless a viewer", async (role) => {
    const response = await createLinkRoute(
      new Request(`${BASE_URL}/api/v1/links`, {
        method: "POST",
        headers: { cookie: jars[role].header(), "content-type": "application/json" },
        body: JSON.stringify({ url: `https://example.com/${role}` }),
      }),
    );
    const body = (await response.json()) as { error?: { code: string } };
    if (role === "viewer") {
      expect(response.status).toBe(403);
      expect(body.error?.code).toBe("insufficient_scope");
    } else {
      expect(response.status).toBe(201);
    }
  });

  test.each(ROLES)("%s: sees the member list", async (role) => {
    const { members } = await listMembers(jars[role].headers());
    expect(members.map((m) => m.role).sort()).toEqual([...ROLES].sort());
  });

  test.each(ROLES)("%s: invites only as owner or admin", async (role) => {
    const attempt = inviteMember(jars[role].headers(), `invitee-of-${role}@example.com`, "member");
    if (role === "owner" || role === "admin") expect((await attempt).url).toMatch(/\/invite\//);
    else expect((await refused(attempt)).code).toBe("forbidden");
  });

  test("only an owner invites someone as owner", async () => {
    expect((await refused(inviteMember(jars.admin.headers(), "would-be-owner@example.com", "owner"))).code).toBe("forbidden");
    await inviteMember(jars.owner.headers(), "would-be-owner@example.com", "owner");
  });

  test.each(ROLES)("%s: creates API keys only as owner or admin", async (role) => {
    const attempt = createApiKey(jars[role].headers(), { name: `${role} key`, scopes: ["links:read"], expiresInDays: null });
    if (role === "owner" || role === "admin") expect((await attempt).key).toMatch(/^sp_/);
    else expect((await refused(attempt)).code).toBe("forbidden");
  });

  test("members and viewers cannot change roles or remove anyone", async () => {
    for (const role of ["member", "viewer"] as const) {
      const target = role === "member" ? memberIds.viewer : memberIds.member;
      expect((await refused(changeRole(jars[role].headers(), target, "admin"))).code).toBe("forbidden");
      expect((await refused(removeMember(jars[role].headers(), target))).code).toBe("forbidden");
    }
  });

  test("members cannot manage members through Better Auth's HTTP endpoints either", async () => {
    // Better Auth answers these refusals with 401 or 403 and a "not allowed" code.
    const REFUSED = { status: expect.toBeOneOf([401, 403]), body: expect.stringMatching(/"code":"YOU_ARE_NOT_ALLOWED_TO_[A-Z_]+"/) };
    const call = async (role: Role, path: string, body: unknown) => {
      const response = await authPost(
        new Request(`${BASE_URL}/api/auth${path}`, {
          method: "POST",
          headers: { cookie: jars[role].header(), origin: BASE_URL, "content-type": "application/json", "x-forwarded-for": "198.51.100.9" },
          body: JSON.stringify(body),
        }),
      );
      const text = await response.text();
      return { status: response.status, body: text.slice(0, 300) };
    };
    expect(await call("member", "/organization/update-member-role", { memberId: memberIds.viewer, role: "admin", organizationId: owner.workspaceId })).toEqual(REFUSED);
    expect(await call("viewer", "/organization/remove-member", { memberIdOrEmail: memberIds.member, organizationId: owner.workspaceId })).toEqual(REFUSED);
    expect(await call("member", "/organization/invite-member", { email: "sneaky@example.com", role: "admin", organizationId: owner.workspaceId })).toEqual(REFUSED);
    expect(await call("admin", "/organization/delete", { organizationId: owner.workspaceId })).toEqual(REFUSED);
    expect(await call("admin", "/organization/update-member-role", { memberId: memberIds.member, role: "owner", organizationId: owner.workspaceId })).toEqual(REFUSED);
  });

  test("an admin manages members below owner, never an owner", async () => {
    const { members } = await listMembers(jars.owner.headers());
    const ownerMember = members.find((m) => m.role === "owner")!;
    expect((await refused(changeRole(jars.admin.headers(), memberIds.member, "owner"))).code).toBe("forbidden");
    expect((await refused(changeRole(jars.admin.headers(), ownerMember.id, "viewer"))).code).toBe("forbidden");
    expect((await refused(removeMember(jars.admin.headers(), ownerMember.id))).code).toBe("forbidden");

    await changeRole(jars.admin.headers(), memberIds.member, "viewer");
    expect((await requireAction(jars.member.headers(), "workspace:read")).workspace.role).toBe("viewer");
    await changeRole(jars.admin.headers(), memberIds.member, "member");
  });

  test("the last owner cannot be demoted", async () => {
    const { members } = await listMembers(jars.owner.headers());
    const ownerMember = members.find((m) => m.role === "owner")!;
    await refused(changeRole(jars.owner.headers(), ownerMember.id, "admin"));
    expect((await requireAction(jars.owner.headers(), "workspace:delete")).workspace.role).toBe("owner");
  });

  test("only an owner deletes the workspace; a removed member loses access at once", async () => {
    for (const role of ["admin", "member", "viewer"] as const) {
      expect((await refused(deleteWorkspace(jars[role].headers(), "Acme"))).code).toBe("forbidden");
    }
    // Removal (by an admin) takes effect on the removed member's very next request.
    await removeMember(jars.admin.headers(), memberIds.viewer);
    expect((await refused(listMembers(jars.viewer.headers()))).code).toBe("no_workspace");
    const response = await listLinksRoute(new Request(`${BASE_URL}/api/v1/links`, { headers: { cookie: jars.viewer.header() } }));
    expect(response.status).toBe(403);

    expect((await refused(deleteWorkspace(jars.owner.headers(), "Not the name"))).field).toBe("confirm");
    await deleteWorkspace(jars.owner.headers(), "Acme");
    expect((await refused(listMembers(jars.admin.headers()))).code).toBe("no_workspace");
  });
});
