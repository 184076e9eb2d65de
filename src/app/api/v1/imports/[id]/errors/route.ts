import { withPrincipal } from "@/server/api/handler";
import { importErrorReport } from "@/server/imports/service";

/** The import's error report as a CSV download (streamed). */
export const GET = withPrincipal("links:read", async (_request, { principal, params }) => {
  const { stream, filename } = await importErrorReport(principal, params.id!);
  return new Response(stream, {
    headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${filename}"`, "cache-control": "no-store" },
  });
});
