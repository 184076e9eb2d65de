import "server-only";
import { redirect } from "next/navigation";
import { loginPath } from "@/edge/session-gate";
import { requestHeaders } from "@/server/auth/next";
import { currentSession, type CurrentSession } from "@/server/auth/session";

/**
 * The signed-in user for a settings page, checked against the database on every render; anyone
 * else goes to sign in and comes back to `path`. (The edge gate already turned away visitors
 * without a validly signed cookie; this is the check that counts.)
 */
export async function pageSession(path: string): Promise<{ session: CurrentSession; headers: Headers }> {
  const headers = await requestHeaders();
  const session = await currentSession(headers);
  if (!session) redirect(loginPath(path));
  return { session, headers };
}
