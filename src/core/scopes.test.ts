import { describe, expect, test } from "vitest";
import { isRole, isScope, permissionsToScopes, ROLE_SCOPES, ROLES, SCOPES, scopesToPermissions, type Scope } from "./scopes";

const sorted = (scopes: readonly string[]) => [...scopes].sort();

describe("scopesToPermissions / permissionsToScopes", () => {
  test("groups scopes by resource in Better Auth's permission shape", () => {
    expect(scopesToPermissions(["links:read", "links:write", "tags:read"])).toEqual({ links: ["read", "write"], tags: ["read"] });
  });

  test("no scopes give no permissions", () => {
    expect(scopesToPermissions([])).toEqual({});
  });

  test.each(ROLES)("round-trips the %s role's scopes", (role) => {
    expect(sorted(permissionsToScopes(scopesToPermissions(ROLE_SCOPES[role])))).toEqual(sorted(ROLE_SCOPES[role]));
  });

  test("round-trips a hand-picked subset", () => {
    const scopes: Scope[] = ["analytics:read", "domains:write", "workspace:read"];
    expect(sorted(permissionsToScopes(scopesToPermissions(scopes)))).toEqual(sorted(scopes));
  });

  test("drops unknown resources and actions instead of widening", () => {
    expect(permissionsToScopes({ links: ["read", "delete", "*"], billing: ["read"], tags: [] })).toEqual(["links:read"]);
  });

  test.each([null, undefined, {}])("%j gives no scopes", (permissions) => {
    expect(permissionsToScopes(permissions)).toEqual([]);
  });
});

describe("ROLE_SCOPES", () => {
  test("owner and admin hold every scope", () => {
    expect(sorted(ROLE_SCOPES.owner)).toEqual(sorted(SCOPES));
    expect(sorted(ROLE_SCOPES.admin)).toEqual(sorted(SCOPES));
  });

  test("viewer holds every :read scope and nothing else", () => {
    expect(ROLE_SCOPES.viewer.every((s) => s.endsWith(":read"))).toBe(true);
    expect(sorted(ROLE_SCOPES.viewer)).toEqual(sorted(SCOPES.filter((s) => s.endsWith(":read"))));
    expect(ROLE_SCOPES.viewer).toHaveLength(6);
    expect(ROLE_SCOPES.viewer).toContain("webhooks:read");
  });

  test("member reads everything and writes links and tags only", () => {
    expect(ROLE_SCOPES.member).not.toContain("workspace:write");
    expect(ROLE_SCOPES.member).not.toContain("domains:write");
    expect(sorted(ROLE_SCOPES.member.filter((s) => s.endsWith(":write")))).toEqual(["links:write", "tags:write"]);
    for (const read of SCOPES.filter((s) => s.endsWith(":read"))) expect(ROLE_SCOPES.member).toContain(read);
  });
});

describe("isScope / isRole", () => {
  test("recognise only the listed values, case-sensitively", () => {
    expect(isScope("links:read")).toBe(true);
    expect(isScope("links:READ")).toBe(false);
    expect(isScope("links")).toBe(false);
    expect(isRole("viewer")).toBe(true);
    expect(isRole("superuser")).toBe(false);
    expect(isRole("Owner")).toBe(false);
  });
});
