import { clickIngestBodySchema } from "@/core/edge-stats";
import { parseJsonText } from "@/server/api/errors";
import { internalRoute } from "@/server/internal/route";
import { ingestClicks } from "@/server/clicks/pipeline";
import { verifyInternalRequest } from "@/server/internal/verify";
import { recordEdgeStats } from "@/server/observability/metrics";

/**
 * Edge -> origin: a batch of clicks (signed; idempotent by click id). 202 once the batch is durable:
 * on the click stream (REDIS_URL) or committed in Postgres. 503 `unavailable` when neither can take
 * it: the edge keeps the batch and retries. The host's `stats`, when present, are added to the edge
 * metrics once the batch is accepted (a retried batch carries them again, so not before).
 */
export const POST = internalRoute(async (request) => {
  const batch = parseJsonText(await verifyInternalRequest(request), clickIngestBodySchema);
  const outcome = batch.clicks.length > 0 ? await ingestClicks(batch.clicks) : { mode: "stats" as const, clicks: 0 };
  if (batch.stats) recordEdgeStats(batch.stats);
  return Response.json(outcome, { status: 202 });
});
