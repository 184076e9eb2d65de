import { clickBatchSchema } from "@/core/link";
import { parseJsonText } from "@/server/api/errors";
import { handle } from "@/server/api/handler";
import { ingestClicks } from "@/server/clicks/pipeline";
import { verifyInternalRequest } from "@/server/internal/verify";

/**
 * Edge -> origin: a batch of clicks (signed; idempotent by click id). 202 once the batch is durable:
 * on the click stream (REDIS_URL) or committed in Postgres. 503 `unavailable` when neither can take
 * it: the edge keeps the batch and retries.
 */
export const POST = handle(async (request) => {
  const batch = parseJsonText(await verifyInternalRequest(request), clickBatchSchema);
  return Response.json(await ingestClicks(batch.clicks), { status: 202 });
});
