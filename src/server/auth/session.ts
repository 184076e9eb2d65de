import "server-only";
import { and, asc, eq } from "drizzle-orm";
import { isRole, type Role } from "@/core/scopes";
import { getDb } from "@/server/db/client";
import { member, organization } from "@/server/db/schema";
import { getAuth } from "./auth";
import { can, type Action } from "./permissions";

export interface Membership {
  id: string;
  name: string;
  slug: string;
  role: Role;
}

/** A signed-in user as Node sees them after checking the database. */
export interface CurrentSession {
  user: { id: string; name: string; email: string; emailVerified: boolean };
  session: { id: string; expiresAt: Date; activeWorkspaceId: string | null };
  /** The active workspace and the user's role in it; null when they belong to none. */
  workspace: Membership | null;
  /** Every workspace the user belongs to, oldest membership first. */
  workspaces: Membership[];
}

/** Why a request was refused: no valid session, or a session whose role does not allow it. */
export class AuthError extends Error {
  constructor(
    readonly reason: "unauthenticated" | "no_workspace" | "forbidden",
    message: string,
  ) {
    super(message);
    this.name = "AuthError";
  }
}

/**
 * The request's session, validated against the database every time (never from the cookie cache
 * alone: a revoked session is refused at once), with the user's workspaces and current role read
 * fresh too. Null when there is no valid session.
 */
export async function currentSession(headers: Headers): Promise<CurrentSession | null> {
  const auth = await getAuth();
  const found = await auth.api.getSession({ headers, query: { disableCookieCache: true, disableRefresh: true } });
  if (!found) return null;
  const db = await getDb();
  const rows = await db
    .select({ id: organization.id, name: organization.name, slug: organization.slug, role: member.role })
    .from(member)
    .innerJoin(organization, eq(organization.id, member.organizationId))
    .where(eq(member.userId, found.user.id))
    .orderBy(asc(member.createdAt));
  const workspaces = rows.filter((row): row is Membership => isRole(row.role));
  const active = found.session.activeOrganizationId ?? null;
  return {
    user: { id: found.user.id, name: found.user.name, email: found.user.email, emailVerified: found.user.emailVerified },
    session: { id: found.session.id, expiresAt: new Date(found.session.expiresAt), activeWorkspaceId: active },
    workspace: workspaces.find((w) => w.id === active) ?? null,
    workspaces,
  };
}

/** The session, or AuthError("unauthenticated"). */
export async function requireSession(headers: Headers): Promise<CurrentSession> {
  const session = await currentSession(headers);
  if (!session) throw new AuthError("unauthenticated", "Please sign in.");
  return session;
}

/**
 * The session and its active workspace, provided the member's role allows `action`; the one check
 * every dashboard read and write goes through.
 */
export async function requireAction(headers: Headers, action: Action): Promise<CurrentSession & { workspace: Membership }> {
  const session = await requireSession(headers);
  if (!session.workspace) throw new AuthError("no_workspace", "Choose a workspace first.");
  if (!can(session.workspace.role, action)) {
    throw new AuthError("forbidden", `Your role in this workspace (${session.workspace.role}) does not allow this.`);
  }
  return session as CurrentSession & { workspace: Membership };
}

/** The role of `userId` in `workspaceId`, read from the database; null when not a member. */
export async function roleIn(userId: string, workspaceId: string): Promise<Role | null> {
  const db = await getDb();
  const [row] = await db
    .select({ role: member.role })
    .from(member)
    .where(and(eq(member.userId, userId), eq(member.organizationId, workspaceId)))
    .limit(1);
  return row && isRole(row.role) ? row.role : null;
}
