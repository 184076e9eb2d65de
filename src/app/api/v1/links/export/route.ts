import { exportLinksQuerySchema } from "@/core/imports";
import { parseQuery } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { exportLinks } from "@/server/exports/links";

/** The workspace's links as a CSV or JSON download, streamed page by page (see exportLinks). */
export const GET = withPrincipal("links:read", async (request, { principal }) => {
  const { stream, filename, contentType } = await exportLinks(principal, parseQuery(request, exportLinksQuerySchema));
  return new Response(stream, {
    headers: { "content-type": contentType, "content-disposition": `attachment; filename="${filename}"`, "cache-control": "no-store" },
  });
});
