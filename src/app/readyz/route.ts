import { getDatabase } from "@/server/db/client";
import { readiness } from "@/server/observability/health";
import { observabilityRedis } from "@/server/observability/redis";

/**
 * Readiness: 200 when the database answers, its schema is this build's, and Redis (when configured)
 * answers; 503 with the failing checks otherwise. For load balancers and orchestrators.
 */
export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const result = await readiness(getDatabase(), observabilityRedis());
  return Response.json({ status: result.ready ? "ready" : "not_ready", checks: result.checks }, { status: result.ready ? 200 : 503, headers: { "cache-control": "no-store" } });
}
