import "server-only";
import { and, eq } from "drizzle-orm";
import { isRole, permissionsToScopes, ROLE_SCOPES, type Role, type Scope } from "@/core/scopes";
import { ApiError } from "@/server/api/errors";
import { getDb } from "@/server/db/client";
import { member } from "@/server/db/schema";
import { getAuth } from "./auth";

/** Who is asking. Every Node request resolves to exactly one, once. */
export interface Principal {
  kind: "apiKey" | "session";
  workspaceId: string;
  /** The user behind a session; null for workspace API keys. */
  userId: string | null;
  /** The member's role for sessions; null for API keys, which carry scopes only. */
  role: Role | null;
  scopes: ReadonlySet<Scope>;
  /** The API key's id, for audit fields. */
  apiKeyId: string | null;
}

function bearerToken(request: Request): string | null {
  const header = request.headers.get("authorization");
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new ApiError("unauthorized", "Authorization header must be 'Bearer <api key>'");
  return match[1]!;
}

async function fromApiKey(key: string): Promise<Principal> {
  const auth = await getAuth();
  const result = await auth.api.verifyApiKey({ body: { key } });
  if (!result.valid || !result.key) throw new ApiError("unauthorized", "The API key is invalid, expired or revoked");
  return {
    kind: "apiKey",
    workspaceId: result.key.referenceId,
    userId: null,
    role: null,
    scopes: new Set(permissionsToScopes(result.key.permissions as Record<string, string[]> | null)),
    apiKeyId: result.key.id,
  };
}

async function fromSession(request: Request): Promise<Principal | null> {
  const auth = await getAuth();
  // Always against the database: the signed cookie cache would keep a revoked session alive.
  const session = await auth.api.getSession({ headers: request.headers, query: { disableCookieCache: true } });
  if (!session) return null;
  const workspaceId = session.session.activeOrganizationId;
  if (!workspaceId) throw new ApiError("forbidden", "Choose a workspace first");
  const db = await getDb();
  const [row] = await db
    .select({ role: member.role })
    .from(member)
    .where(and(eq(member.userId, session.user.id), eq(member.organizationId, workspaceId)))
    .limit(1);
  if (!row || !isRole(row.role)) throw new ApiError("forbidden", "You are not a member of this workspace");
  return memberPrincipal(session.user.id, workspaceId, row.role);
}

/** A signed-in member of `workspaceId` with `role`: exactly that role's scopes. */
export function memberPrincipal(userId: string, workspaceId: string, role: Role): Principal {
  return { kind: "session", workspaceId, userId, role, scopes: new Set(ROLE_SCOPES[role]), apiKeyId: null };
}

/** Resolves the request's principal: a bearer API key first, else a session cookie. */
export async function resolvePrincipal(request: Request): Promise<Principal> {
  const key = bearerToken(request);
  if (key) return fromApiKey(key);
  const principal = await fromSession(request);
  if (!principal) throw new ApiError("unauthorized", "Send an API key as 'Authorization: Bearer <key>' or sign in");
  return principal;
}

/** The one authorization check: throws unless the principal holds `scope`. */
export function authorize(principal: Principal, scope: Scope): void {
  if (!principal.scopes.has(scope)) {
    throw new ApiError(
      "insufficient_scope",
      principal.kind === "apiKey"
        ? `This API key lacks the '${scope}' scope`
        : `Your role (${principal.role}) does not allow '${scope}'`,
    );
  }
}
