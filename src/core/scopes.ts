/** API scopes. A key carries a subset; a session's scopes come from the member's role. */
export const SCOPES = [
  "links:read",
  "links:write",
  "tags:read",
  "tags:write",
  "analytics:read",
  "domains:read",
  "domains:write",
  "workspace:read",
  "workspace:write",
  "webhooks:read",
  "webhooks:write",
] as const;

export type Scope = (typeof SCOPES)[number];

export const ROLES = ["owner", "admin", "member", "viewer"] as const;
export type Role = (typeof ROLES)[number];

const READ_SCOPES = SCOPES.filter((s) => s.endsWith(":read"));

/** What each workspace role may do. Viewers read everything and change nothing. */
export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  owner: SCOPES,
  admin: SCOPES,
  member: [...READ_SCOPES, "links:write", "tags:write"],
  viewer: READ_SCOPES,
};

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** `["links:read","links:write"]` -> `{ links: ["read","write"] }` (Better Auth's permission shape). */
export function scopesToPermissions(scopes: readonly Scope[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const scope of scopes) {
    const [resource, action] = scope.split(":") as [string, string];
    (out[resource] ??= []).push(action);
  }
  return out;
}

/** Inverse of scopesToPermissions; unknown entries are dropped, never widened. */
export function permissionsToScopes(permissions: Record<string, string[]> | null | undefined): Scope[] {
  if (!permissions) return [];
  return Object.entries(permissions)
    .flatMap(([resource, actions]) => actions.map((action) => `${resource}:${action}`))
    .filter(isScope);
}
