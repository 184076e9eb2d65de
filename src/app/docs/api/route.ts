import { serverConfig } from "@/config/env";
import { handle } from "@/server/api/handler";
import { referenceAssetVersion } from "@/server/openapi/reference-assets";
import { renderReferencePage } from "@/server/openapi/reference-page";

// A route rather than a page: a complete HTML document of its own (no app layout or global CSS
// around Swagger UI) that carries a strict Content-Security-Policy.
export const dynamic = "force-dynamic";

/** The interactive API reference, rendered from /api/v1/openapi.json with our own assets only. */
export const GET = handle(async () => {
  const page = renderReferencePage({ assetVersion: await referenceAssetVersion(), apiOrigin: serverConfig().appUrl });
  return new Response(page.html, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": page.contentSecurityPolicy,
      "x-content-type-options": "nosniff",
      "cache-control": "no-cache",
    },
  });
});
