import { serverConfig } from "@/config/env";
import { handle } from "@/server/api/handler";
import { buildOpenApiDocument } from "@/server/openapi/document";

// APP_URL is read at run time, never baked in at build time.
export const dynamic = "force-dynamic";

/** The API's OpenAPI 3.1 document (public: it describes the API, it holds no data). */
export const GET = handle(async () =>
  Response.json(buildOpenApiDocument(serverConfig().appUrl), {
    headers: { "cache-control": "public, max-age=300" },
  }),
);
