import "server-only";
import type { Role } from "@/core/scopes";

/**
 * What a workspace role may do in the dashboard. The API's scopes (src/core/scopes.ts) cover
 * reading and writing links, tags and analytics; these add the workspace's own management, where
 * roles differ in ways scopes do not express (only an owner deletes a workspace or makes owners).
 */
export const ACTIONS = {
  /** See the workspace: links, tags, analytics, members. */
  "workspace:read": ["owner", "admin", "member", "viewer"],
  /** Create, edit and delete links and tags. */
  "links:write": ["owner", "admin", "member"],
  /** Invite people, cancel invitations, change roles below owner, remove non-owners. */
  "members:manage": ["owner", "admin"],
  /** Create and revoke the workspace's API keys. */
  "apiKeys:manage": ["owner", "admin"],
  /** Rename the workspace. */
  "workspace:update": ["owner", "admin"],
  /** Make someone an owner, change or remove an owner. */
  "owners:manage": ["owner"],
  /** See the instance's status page (also limited to the instance's own workspace, see status-page.ts). */
  "status:read": ["owner"],
  /** Delete the workspace and everything in it. */
  "workspace:delete": ["owner"],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof ACTIONS;

export function can(role: Role, action: Action): boolean {
  return (ACTIONS[action] as readonly Role[]).includes(role);
}
