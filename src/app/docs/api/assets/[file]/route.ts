import { ApiError } from "@/server/api/errors";
import { handle } from "@/server/api/handler";
import { isReferenceAsset, readReferenceAsset } from "@/server/openapi/reference-assets";

// The files come from node_modules (swagger-ui-dist); see src/server/openapi/reference-assets.ts.
export const dynamic = "force-dynamic";

/** Swagger UI's script and stylesheet for /docs/api; any other name is a 404. */
export const GET = handle(async (request, { params }) => {
  const name = params.file ?? "";
  if (!isReferenceAsset(name)) throw new ApiError("not_found", `No asset named '${name}'`);
  const asset = await readReferenceAsset(name);
  const headers = {
    "content-type": asset.contentType,
    etag: asset.etag,
    // The page links each file with ?v=<swagger-ui-dist version>, so a cached copy never goes stale.
    "cache-control": "public, max-age=31536000, immutable",
    "x-content-type-options": "nosniff",
  };
  if (request.headers.get("if-none-match") === asset.etag) return new Response(null, { status: 304, headers });
  return new Response(asset.body, { headers });
});
