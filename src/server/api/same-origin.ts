import "server-only";
import { ApiError } from "./errors";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cross-site request forgery guard for writes made with a session cookie (API keys are not sent by
 * browsers on their own, so they need none). A browser marks every request with `Sec-Fetch-Site`
 * and sends `Origin` on every cross-origin or non-GET request; a page on another site can make the
 * browser send our cookie (SameSite=Lax still allows a top-level POST form in some browsers, and a
 * sibling subdomain is "same-site"), but it cannot forge these headers. So a cookie-authenticated
 * write is refused when the browser says it came from elsewhere. A request with neither header
 * comes from something that is not a browser (a script holding the cookie itself), which no other
 * site can steer, and passes.
 */
export function assertSameOriginWrite(request: Request, appUrl: string): void {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return;
  const fetchSite = request.headers.get("sec-fetch-site");
  if (fetchSite && fetchSite !== "same-origin" && fetchSite !== "none") throw crossSite(`Sec-Fetch-Site: ${fetchSite}`);
  const origin = request.headers.get("origin");
  if (origin === null) return;
  if (!trustedOrigins(request, appUrl).has(origin.toLowerCase())) throw crossSite(`Origin: ${origin}`);
}

/** The app's configured origin, and the origin the request was addressed to (same-origin by definition). */
function trustedOrigins(request: Request, appUrl: string): Set<string> {
  const origins = new Set([new URL(appUrl).origin.toLowerCase()]);
  const host = request.headers.get("host");
  if (host) {
    const protocol = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() || new URL(request.url).protocol.replace(":", "");
    origins.add(`${protocol}://${host}`.toLowerCase());
  }
  return origins;
}

function crossSite(seen: string): ApiError {
  return new ApiError(
    "forbidden",
    `Cross-site request refused (${seen}): writes signed in with a session cookie must come from this app's own pages; scripts should use an API key`,
    "origin",
  );
}
