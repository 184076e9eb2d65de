import { clickBatchSchema } from "@/core/link";
import { parseJsonText } from "@/server/api/errors";
import { handle } from "@/server/api/handler";
import { enrichClick, geoDatabase } from "@/server/clicks/enrich";
import { recordClicks } from "@/server/clicks/ingest";
import { verifyInternalRequest } from "@/server/internal/verify";

/** Edge -> origin: a batch of clicks, committed before the answer (signed; idempotent by id). */
export const POST = handle(async (request) => {
  const batch = parseJsonText(await verifyInternalRequest(request), clickBatchSchema);
  const geo = geoDatabase();
  return Response.json(await recordClicks(batch.clicks.map((c) => enrichClick(c, geo))), { status: 202 });
});
