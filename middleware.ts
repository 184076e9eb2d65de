import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { edgeConfig } from "@/config/env";
import type { EdgeRequest } from "@/edge/app";
import { edgeAppFromConfig } from "@/edge/edge-app-from-config";
import { canonicalHost, servedByEdge } from "@/edge/route-request";
import { isGatedPath, sessionGate } from "@/edge/session-gate";

/**
 * Edge runtime. Dispatches by host and path: short links go to the edge app (src/edge); dashboard
 * paths (/app, /settings) pass the session gate (src/edge/session-gate.ts); all else passes through
 * to Next untouched. See docs/decisions/0003-edge-redirect-in-middleware.md and 0014.
 */
export async function middleware(request: NextRequest, event: NextFetchEvent) {
  const config = edgeConfig();
  const visited = request.headers.get("host") ?? request.nextUrl.host;
  // On a loopback app host, 127.0.0.1 / [::1] on its port are the same host (route-request.ts).
  const host = canonicalHost(visited, config);
  if (!servedByEdge(host, request.nextUrl.pathname, config)) {
    // Dashboard paths: sessions checked as far as the edge can without a database
    // (docs/decisions/0014-edge-session-gate.md). Node checks the session and role again.
    if (isGatedPath(request.nextUrl.pathname)) {
      const gated = await sessionGate(request, { secret: config.secret, secure: config.appUrl.startsWith("https://"), baseUrl: `${request.nextUrl.protocol}//${visited}` });
      if (gated) return gated;
    }
    return NextResponse.next();
  }
  // The edge app reads the host from the URL; Next may build that URL from its own listen address
  // (`next start` behind a proxy), so carry the Host header the decision was routed by. A view of
  // the request with that URL, not a copy: the app reads only the method, URL, headers and (for a
  // password form) the body, and a new Request per redirect was a visible share of the middleware.
  const url = new URL(request.url);
  // (Not `url.host = host`: a host without a port keeps the old port.)
  const edgeRequest: EdgeRequest =
    url.host.toLowerCase() === host.toLowerCase()
      ? request
      : { method: request.method, url: `${url.protocol}//${host}${url.pathname}${url.search}`, headers: request.headers, get body() { return request.body; } };
  return edgeAppFromConfig().fetch(edgeRequest, {}, { waitUntil: (p) => event.waitUntil(p) });
}

export const config = {
  // Not the edge → origin protocol (/api/internal/): those requests are for the route handlers,
  // which verify their signatures, and entering the middleware cost about half of what each one
  // cost the origin (docs/decisions/0026-origin-protocol-skips-middleware.md).
  matcher: ["/((?!_next/static|_next/image|favicon.ico|api/internal/).*)"],
};
