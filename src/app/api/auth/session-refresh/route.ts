import { DEFAULT_AFTER_LOGIN, loginPath, safeNextPath } from "@/edge/session-gate";
import { refreshSession } from "@/server/auth/refresh";

export const dynamic = "force-dynamic";

/**
 * Where the edge gate sends a page load whose signed session snapshot has lapsed: the session is
 * checked against the database, the snapshot re-issued, and the visitor sent on to `next` (a
 * same-site path only). A revoked or expired session is sent to sign in, its cookies cleared.
 */
export async function GET(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const next = safeNextPath(url.searchParams.get("next")) ?? DEFAULT_AFTER_LOGIN;
  const { valid, cookies } = await refreshSession(request.headers);
  const headers = new Headers({ "cache-control": "private, no-store", location: valid ? next : loginPath(next) });
  for (const cookie of cookies) headers.append("set-cookie", cookie);
  return new Response(null, { status: 303, headers });
}
