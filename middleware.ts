import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { edgeConfig } from "@/config/env";
import { edgeAppFromConfig } from "@/edge/edge-app-from-config";
import { servedByEdge } from "@/edge/route-request";

/**
 * Edge runtime. Dispatches by host and path: short links go to the edge app (src/edge), all else
 * passes through to Next untouched. See docs/decisions/0003-edge-redirect-in-middleware.md.
 */
export async function middleware(request: NextRequest, event: NextFetchEvent) {
  const config = edgeConfig();
  const host = request.headers.get("host") ?? request.nextUrl.host;
  if (!servedByEdge(host, request.nextUrl.pathname, config)) return NextResponse.next();
  return edgeAppFromConfig().fetch(request, {}, { waitUntil: (p) => event.waitUntil(p), passThroughOnException: () => {}, props: {} });
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
