import "server-only";
import { getAuth } from "./auth";

/**
 * Checks the request's session against the database and returns the cookies that go with the
 * answer: a re-issued signed snapshot (and extended session) when it is valid, cleared cookies
 * when it was revoked or has expired.
 *
 * Better Auth re-issues no snapshot for a session signed in with `rememberMe: false` (its
 * `dont_remember` cookie), which would send such a visitor round the edge gate's refresh forever;
 * that cookie is left out of the check, so every valid session gets its snapshot.
 */
export async function refreshSession(headers: Headers): Promise<{ valid: boolean; cookies: string[] }> {
  const auth = await getAuth();
  const forwarded = new Headers(headers);
  const cookie = headers.get("cookie");
  if (cookie) {
    const kept = cookie
      .split(";")
      .filter((pair) => !/^(__Secure-)?better-auth\.dont_remember$/.test(pair.split("=", 1)[0]!.trim()))
      .join(";");
    forwarded.set("cookie", kept);
  }
  const { headers: out, response } = await auth.api.getSession({ headers: forwarded, query: { disableCookieCache: true }, returnHeaders: true });
  return { valid: response !== null, cookies: out.getSetCookie() };
}
