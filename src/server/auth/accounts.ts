import "server-only";
import { and, asc, desc, eq, gt } from "drizzle-orm";
import { APIError } from "better-auth/api";
import { isRole, SCOPES, scopesToPermissions, permissionsToScopes, type Role, type Scope } from "@/core/scopes";
import { serverConfig } from "@/config/env";
import { ApiError } from "@/server/api/errors";
import { hasLiveSubscription } from "@/server/billing/overview";
import { withSeatAvailable } from "@/server/billing/seats";
import { getDb } from "@/server/db/client";
import { apikey, invitation, member, organization, session as sessionTable, user } from "@/server/db/schema";
import { emailDelivery, EMAIL_NOT_CONFIGURED_MESSAGE } from "@/server/email/mailer";
import { emailLinks, getAuth } from "./auth";
import { passwordProblem } from "./password-policy";
import { AuthError, requireAction, requireSession, type CurrentSession } from "./session";

/**
 * The account, workspace, member, invitation and API-key operations behind the pages. Each takes
 * the visitor's request headers (their session cookie), checks the session against the database
 * and the member's role (src/server/auth/session.ts), then goes through Better Auth's API, which
 * checks again with its own access control. Operations that sign someone in or out return the
 * Set-Cookie headers to pass on.
 */

/** A refusal a form can show: a message, and the field it is about when there is one. */
export class AccountError extends Error {
  constructor(
    message: string,
    readonly field?: string,
    readonly code = "invalid",
  ) {
    super(message);
    this.name = "AccountError";
  }
}

/** Better Auth's error, or ours, as an AccountError; anything else is rethrown. */
function translate(error: unknown, field?: string, rename: Record<string, string> = {}): never {
  if (error instanceof AccountError) throw error;
  if (error instanceof AuthError) throw new AccountError(error.message, undefined, error.reason);
  if (error instanceof APIError) {
    const body = (error.body ?? {}) as { message?: string; code?: string };
    const code = body.code ?? error.status.toString();
    const message = FRIENDLY[code] ?? body.message ?? "That did not work. Please try again.";
    const target = FIELD_OF[code] ?? field;
    throw new AccountError(message, target ? (rename[target] ?? target) : undefined, code);
  }
  throw error;
}

const FRIENDLY: Record<string, string> = {
  INVALID_EMAIL_OR_PASSWORD: "The email or password is not right.",
  USER_ALREADY_EXISTS: "An account with this email already exists. Sign in, or reset your password.",
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: "An account with this email already exists. Sign in, or reset your password.",
  INVALID_TOKEN: "This link is invalid or has expired. Ask for a new one.",
  INVALID_PASSWORD: "The current password is not right.",
  PASSWORD_TOO_SHORT: "Use at least 10 characters.",
  PASSWORD_TOO_LONG: "Use at most 128 characters.",
  INVITATION_NOT_FOUND: "This invitation is no longer valid: it was cancelled, already used or has expired.",
  YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION: "This invitation was sent to a different email address. Sign in with that address to accept it.",
  EMAIL_VERIFICATION_REQUIRED_BEFORE_ACCEPTING_OR_REJECTING_INVITATION: "Confirm your email address first: we sent you a link when you signed up.",
  USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION: "This person is already a member of the workspace.",
  USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION: "This person already has a pending invitation.",
  YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER: "A workspace needs at least one owner.",
  YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER: "A workspace needs at least one owner.",
  SESSION_REVOKED: "Your session has ended. Please sign in again.",
};

const FIELD_OF: Record<string, string> = {
  INVALID_EMAIL_OR_PASSWORD: "password",
  USER_ALREADY_EXISTS: "email",
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: "email",
  INVALID_PASSWORD: "currentPassword",
  WEAK_PASSWORD: "password",
  PASSWORD_TOO_SHORT: "password",
  PASSWORD_TOO_LONG: "password",
};

function setCookies(headers: Headers | null | undefined): string[] {
  return headers?.getSetCookie() ?? [];
}

function requireEmail(): void {
  if (emailDelivery() === "unconfigured") throw new AccountError(EMAIL_NOT_CONFIGURED_MESSAGE, undefined, "email_not_configured");
}

function slugify(name: string): string {
  const base = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40) || "workspace";
  return `${base}-${crypto.randomUUID().slice(0, 6)}`;
}

// ---- Sign-up, sign-in, sign-out ----------------------------------------------------------------

export interface SignUpInput {
  name: string;
  email: string;
  password: string;
  /** A first workspace to create; omitted when joining through an invitation. */
  workspace?: string;
}

/** Creates the account (and its first workspace), signs it in, sends the verification email. */
export async function signUp(input: SignUpInput, headers: Headers): Promise<{ userId: string; cookies: string[] }> {
  const problem = passwordProblem(input.password);
  if (problem) throw new AccountError(problem, "password", "WEAK_PASSWORD");
  const auth = await getAuth();
  try {
    const { headers: out, response } = await auth.api.signUpEmail({
      body: { name: input.name, email: input.email, password: input.password },
      headers,
      returnHeaders: true,
    });
    if (input.workspace) {
      const workspace = await auth.api.createOrganization({ body: { name: input.workspace, slug: slugify(input.workspace), userId: response.user.id } });
      if (workspace && response.token) {
        const db = await getDb();
        await db.update(sessionTable).set({ activeOrganizationId: workspace.id }).where(eq(sessionTable.token, response.token));
      }
    }
    return { userId: response.user.id, cookies: setCookies(out) };
  } catch (error) {
    translate(error, "email");
  }
}

export async function signIn(input: { email: string; password: string; remember: boolean }, headers: Headers): Promise<{ cookies: string[] }> {
  const auth = await getAuth();
  try {
    const { headers: out } = await auth.api.signInEmail({
      body: { email: input.email, password: input.password, rememberMe: input.remember },
      headers,
      returnHeaders: true,
    });
    return { cookies: setCookies(out) };
  } catch (error) {
    translate(error, "password");
  }
}

/** Ends this session (its cookies are cleared). */
export async function signOut(headers: Headers): Promise<{ cookies: string[] }> {
  const auth = await getAuth();
  const { headers: out } = await auth.api.signOut({ headers, returnHeaders: true });
  return { cookies: setCookies(out) };
}

// ---- Password reset and email verification -----------------------------------------------------

/**
 * Sends a reset link when the address has an account; says nothing either way (no account
 * enumeration). Refuses up front when this instance cannot send email.
 */
export async function requestPasswordReset(email: string, headers: Headers): Promise<void> {
  requireEmail();
  const auth = await getAuth();
  try {
    await auth.api.requestPasswordReset({ body: { email, redirectTo: `${serverConfig().appUrl}/reset-password` }, headers });
  } catch (error) {
    translate(error, "email");
  }
}

/** Sets a new password from a reset link; the link works once, and every session is signed out. */
export async function resetPassword(token: string, newPassword: string, headers: Headers): Promise<void> {
  const problem = passwordProblem(newPassword);
  if (problem) throw new AccountError(problem, "password", "WEAK_PASSWORD");
  const auth = await getAuth();
  try {
    await auth.api.resetPassword({ body: { token, newPassword }, headers });
  } catch (error) {
    translate(error, "password");
  }
}

export async function verifyEmail(token: string): Promise<void> {
  const auth = await getAuth();
  try {
    await auth.api.verifyEmail({ query: { token } });
  } catch (error) {
    translate(error);
  }
}

/** Sends the signed-in user a new verification link. */
export async function resendVerification(headers: Headers): Promise<void> {
  requireEmail();
  const current = await requireSession(headers).catch(translate);
  if (current.user.emailVerified) return;
  const auth = await getAuth();
  try {
    await auth.api.sendVerificationEmail({ body: { email: current.user.email }, headers });
  } catch (error) {
    translate(error);
  }
}

// ---- Account settings ---------------------------------------------------------------------------

/** Changes the password and signs out every other session; returns the new cookies for this one. */
export async function changePassword(headers: Headers, currentPassword: string, newPassword: string): Promise<{ cookies: string[] }> {
  await requireSession(headers).catch(translate);
  const problem = passwordProblem(newPassword);
  if (problem) throw new AccountError(problem, "newPassword", "WEAK_PASSWORD");
  const auth = await getAuth();
  try {
    const { headers: out } = await auth.api.changePassword({ body: { currentPassword, newPassword, revokeOtherSessions: true }, headers, returnHeaders: true });
    return { cookies: setCookies(out) };
  } catch (error) {
    translate(error, "newPassword", { password: "newPassword" });
  }
}

export interface SessionRow {
  id: string;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  ipAddress: string | null;
  userAgent: string | null;
  current: boolean;
}

/** The user's live sessions, newest first, the current one marked. */
export async function listSessions(headers: Headers): Promise<SessionRow[]> {
  const current = await requireSession(headers).catch(translate);
  const db = await getDb();
  const rows = await db
    .select()
    .from(sessionTable)
    .where(and(eq(sessionTable.userId, current.user.id), gt(sessionTable.expiresAt, new Date())))
    .orderBy(desc(sessionTable.updatedAt));
  return rows.map((row) => ({
    id: row.id,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    expiresAt: row.expiresAt,
    ipAddress: row.ipAddress,
    userAgent: row.userAgent,
    current: row.id === current.session.id,
  }));
}

/** Signs out one of the user's own sessions (by id; another user's id is not found). */
export async function revokeSession(headers: Headers, sessionId: string): Promise<{ cookies: string[] }> {
  const current = await requireSession(headers).catch(translate);
  if (sessionId === current.session.id) return signOut(headers);
  const db = await getDb();
  const [row] = await db
    .select({ token: sessionTable.token })
    .from(sessionTable)
    .where(and(eq(sessionTable.id, sessionId), eq(sessionTable.userId, current.user.id)))
    .limit(1);
  if (!row) throw new AccountError("That session no longer exists.", undefined, "not_found");
  const auth = await getAuth();
  await auth.api.revokeSession({ body: { token: row.token }, headers });
  return { cookies: [] };
}

/** Signs the user out on every device, this one included. */
export async function signOutEverywhere(headers: Headers): Promise<{ cookies: string[] }> {
  await requireSession(headers).catch(translate);
  const auth = await getAuth();
  await auth.api.revokeSessions({ headers });
  return signOut(headers);
}

// ---- Workspaces ---------------------------------------------------------------------------------

export async function switchWorkspace(headers: Headers, workspaceId: string): Promise<{ cookies: string[] }> {
  const current = await requireSession(headers).catch(translate);
  if (!current.workspaces.some((w) => w.id === workspaceId)) throw new AccountError("You are not a member of that workspace.", "workspace", "forbidden");
  const auth = await getAuth();
  try {
    const { headers: out } = await auth.api.setActiveOrganization({ body: { organizationId: workspaceId }, headers, returnHeaders: true });
    return { cookies: setCookies(out) };
  } catch (error) {
    translate(error);
  }
}

export async function createWorkspace(headers: Headers, name: string): Promise<{ workspaceId: string; cookies: string[] }> {
  const current = await requireSession(headers).catch(translate);
  const auth = await getAuth();
  try {
    const workspace = await auth.api.createOrganization({ body: { name, slug: slugify(name), userId: current.user.id } });
    if (!workspace) throw new AccountError("The workspace could not be created.");
    const switched = await switchWorkspace(headers, workspace.id);
    return { workspaceId: workspace.id, cookies: switched.cookies };
  } catch (error) {
    translate(error, "name");
  }
}

/** Deletes the active workspace with everything in it. Owners only. */
export async function deleteWorkspace(headers: Headers, confirmName: string): Promise<void> {
  const current = await requireAction(headers, "workspace:delete").catch(translate);
  if (confirmName.trim() !== current.workspace.name) throw new AccountError("Type the workspace's name exactly to confirm.", "confirm");
  // Deleting the workspace would leave Stripe charging for it: the subscription goes first.
  if (await hasLiveSubscription(current.workspace.id)) {
    throw new AccountError("This workspace has a paid subscription. Cancel it under Settings → Billing → Manage billing first, then delete the workspace.", undefined, "subscription_active");
  }
  const auth = await getAuth();
  try {
    await auth.api.deleteOrganization({ body: { organizationId: current.workspace.id }, headers });
  } catch (error) {
    translate(error);
  }
}

// ---- Members and invitations ---------------------------------------------------------------------

export interface MemberRow {
  id: string;
  userId: string;
  name: string;
  email: string;
  role: Role;
  joinedAt: Date;
}

export interface InvitationRow {
  id: string;
  email: string;
  role: Role;
  expiresAt: Date;
  url: string;
}

/** Members and pending invitations of the active workspace; any member may look. */
export async function listMembers(headers: Headers): Promise<{ current: CurrentSession & { workspace: NonNullable<CurrentSession["workspace"]> }; members: MemberRow[]; invitations: InvitationRow[] }> {
  const current = await requireAction(headers, "workspace:read").catch(translate);
  const db = await getDb();
  const rows = await db
    .select({ id: member.id, userId: member.userId, name: user.name, email: user.email, role: member.role, joinedAt: member.createdAt })
    .from(member)
    .innerJoin(user, eq(user.id, member.userId))
    .where(eq(member.organizationId, current.workspace.id))
    .orderBy(asc(member.createdAt));
  const pending = await db
    .select()
    .from(invitation)
    .where(and(eq(invitation.organizationId, current.workspace.id), eq(invitation.status, "pending"), gt(invitation.expiresAt, new Date())))
    .orderBy(asc(invitation.createdAt));
  const appUrl = serverConfig().appUrl;
  return {
    current,
    members: rows.filter((row): row is MemberRow => isRole(row.role)),
    invitations: pending
      .filter((row) => row.role !== null && isRole(row.role))
      .map((row) => ({ id: row.id, email: row.email, role: row.role as Role, expiresAt: row.expiresAt, url: emailLinks.invitation(appUrl, row.id) })),
  };
}

/** Invites `email` to the active workspace with `role`; the invitation email carries the link. */
export async function inviteMember(headers: Headers, email: string, role: Role): Promise<{ invitationId: string; url: string }> {
  const current = await requireAction(headers, role === "owner" ? "owners:manage" : "members:manage").catch(translate);
  requireEmail();
  const auth = await getAuth();
  try {
    // A pending invitation holds a seat: the plan's member limit counts members and invitations.
    const created = await withSeatAvailable(current.workspace.id, () =>
      auth.api.createInvitation({ body: { email, role, organizationId: current.workspace.id, resend: true }, headers }),
    );
    if (!created) throw new AccountError("The invitation could not be created.");
    return { invitationId: created.id, url: emailLinks.invitation(serverConfig().appUrl, created.id) };
  } catch (error) {
    if (error instanceof ApiError) throw new AccountError(error.message, error.field, error.code);
    translate(error, "email");
  }
}

export async function cancelInvitation(headers: Headers, invitationId: string): Promise<void> {
  await requireAction(headers, "members:manage").catch(translate);
  const auth = await getAuth();
  try {
    await auth.api.cancelInvitation({ body: { invitationId }, headers });
  } catch (error) {
    translate(error);
  }
}

async function targetMember(workspaceId: string, memberId: string) {
  const db = await getDb();
  const [row] = await db
    .select({ id: member.id, role: member.role, userId: member.userId })
    .from(member)
    .where(and(eq(member.id, memberId), eq(member.organizationId, workspaceId)))
    .limit(1);
  if (!row) throw new AccountError("That member is not in this workspace.", undefined, "not_found");
  return row;
}

/** Changes a member's role. Admins manage members below owner; owners also make or change owners. */
export async function changeRole(headers: Headers, memberId: string, role: Role): Promise<void> {
  const current = await requireAction(headers, "members:manage").catch(translate);
  const target = await targetMember(current.workspace.id, memberId);
  if ((role === "owner" || target.role === "owner") && current.workspace.role !== "owner") {
    throw new AccountError("Only an owner can make someone an owner or change an owner's role.", "role", "forbidden");
  }
  const auth = await getAuth();
  try {
    await auth.api.updateMemberRole({ body: { memberId, role, organizationId: current.workspace.id }, headers });
  } catch (error) {
    translate(error, "role");
  }
}

/** Removes a member. Admins remove non-owners; only owners remove owners (never the last one). */
export async function removeMember(headers: Headers, memberId: string): Promise<void> {
  const current = await requireAction(headers, "members:manage").catch(translate);
  const target = await targetMember(current.workspace.id, memberId);
  if (target.role === "owner" && current.workspace.role !== "owner") throw new AccountError("Only an owner can remove an owner.", undefined, "forbidden");
  const auth = await getAuth();
  try {
    await auth.api.removeMember({ body: { memberIdOrEmail: memberId, organizationId: current.workspace.id }, headers });
  } catch (error) {
    translate(error);
  }
}

export interface InvitationView {
  id: string;
  email: string;
  role: Role;
  workspace: string;
  inviter: string;
  expiresAt: Date;
  state: "pending" | "expired" | "accepted" | "rejected" | "canceled";
}

/** What the invitation page shows to anyone holding the link (the id is unguessable). */
export async function viewInvitation(invitationId: string): Promise<InvitationView | null> {
  const db = await getDb();
  const [row] = await db
    .select({
      id: invitation.id,
      email: invitation.email,
      role: invitation.role,
      status: invitation.status,
      expiresAt: invitation.expiresAt,
      workspace: organization.name,
      inviterName: user.name,
      inviterEmail: user.email,
    })
    .from(invitation)
    .innerJoin(organization, eq(organization.id, invitation.organizationId))
    .innerJoin(user, eq(user.id, invitation.inviterId))
    .where(eq(invitation.id, invitationId))
    .limit(1);
  if (!row || !row.role || !isRole(row.role)) return null;
  const state =
    row.status === "pending" ? (row.expiresAt <= new Date() ? "expired" : "pending") : (row.status as InvitationView["state"]);
  return { id: row.id, email: row.email, role: row.role, workspace: row.workspace, inviter: row.inviterName || row.inviterEmail, expiresAt: row.expiresAt, state };
}

/** Accepts an invitation for the signed-in user and makes that workspace the active one. */
export async function acceptInvitation(headers: Headers, invitationId: string): Promise<{ workspaceId: string; cookies: string[] }> {
  await requireSession(headers).catch(translate);
  const auth = await getAuth();
  try {
    const { headers: out, response } = await auth.api.acceptInvitation({ body: { invitationId }, headers, returnHeaders: true });
    if (!response) throw new AccountError("This invitation is no longer valid.");
    const workspaceId = response.member.organizationId;
    const switched = await auth.api.setActiveOrganization({ body: { organizationId: workspaceId }, headers, returnHeaders: true });
    return { workspaceId, cookies: [...setCookies(out), ...setCookies(switched.headers)] };
  } catch (error) {
    translate(error);
  }
}

// ---- API keys -------------------------------------------------------------------------------------

export interface ApiKeyRow {
  id: string;
  name: string | null;
  start: string | null;
  scopes: Scope[];
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

/** The active workspace's keys (only their first characters; the key itself is never stored). */
export async function listApiKeys(headers: Headers): Promise<ApiKeyRow[]> {
  const current = await requireAction(headers, "workspace:read").catch(translate);
  const db = await getDb();
  const rows = await db.select().from(apikey).where(eq(apikey.referenceId, current.workspace.id)).orderBy(desc(apikey.createdAt));
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    start: row.start,
    scopes: permissionsToScopes(row.permissions ? (JSON.parse(row.permissions) as Record<string, string[]>) : null),
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastRequest,
  }));
}

/** Creates a key for the active workspace with `scopes`; the returned key is shown once. */
export async function createApiKey(headers: Headers, input: { name: string; scopes: Scope[]; expiresInDays: number | null }): Promise<{ id: string; key: string }> {
  const current = await requireAction(headers, "apiKeys:manage").catch(translate);
  if (input.scopes.length === 0) throw new AccountError("Choose at least one scope.", "scopes");
  const unknown = input.scopes.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0) throw new AccountError(`Unknown scope: ${unknown.join(", ")}`, "scopes");
  const auth = await getAuth();
  try {
    const created = await auth.api.createApiKey({
      body: {
        name: input.name,
        organizationId: current.workspace.id,
        userId: current.user.id,
        permissions: scopesToPermissions(input.scopes),
        ...(input.expiresInDays ? { expiresIn: input.expiresInDays * 86_400 } : {}),
      },
    });
    return { id: created.id, key: created.key };
  } catch (error) {
    translate(error, "name");
  }
}

/** Revokes (deletes) one of the active workspace's keys; it stops working at once. */
export async function revokeApiKey(headers: Headers, keyId: string): Promise<void> {
  const current = await requireAction(headers, "apiKeys:manage").catch(translate);
  const db = await getDb();
  const deleted = await db
    .delete(apikey)
    .where(and(eq(apikey.id, keyId), eq(apikey.referenceId, current.workspace.id)))
    .returning({ id: apikey.id });
  if (deleted.length === 0) throw new AccountError("That key does not exist in this workspace.", undefined, "not_found");
}
