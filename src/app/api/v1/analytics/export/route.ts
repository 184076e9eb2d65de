import { exportQuerySchema } from "@/core/analytics";
import { parseQuery } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { analyticsContext } from "@/server/analytics/context";
import { exportClicks } from "@/server/analytics/export";

/** Raw clicks as a CSV download, streamed page by page (see exportClicks). */
export const GET = withPrincipal("analytics:read", async (request, { principal }) => {
  const { stream, filename } = await exportClicks(await analyticsContext(principal), parseQuery(request, exportQuerySchema));
  return new Response(stream, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
    },
  });
});
