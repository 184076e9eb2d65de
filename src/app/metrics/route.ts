import { serverConfig } from "@/config/env";
import { ApiError } from "@/server/api/errors";
import { handle } from "@/server/api/handler";
import { clickStreamKeys } from "@/server/clicks/stream";
import { getDatabase } from "@/server/db/client";
import { metricsRegistry } from "@/server/observability/metrics";
import { metricsAuthorized } from "@/hosts/node/metrics-token";
import { observabilityRedis } from "@/server/observability/redis";

/** Prometheus metrics of this process. With METRICS_TOKEN set, only for `Authorization: Bearer <token>`. */
export const dynamic = "force-dynamic";

export const GET = handle(async (request) => {
  const config = serverConfig();
  if (!metricsAuthorized(request.headers.get("authorization"), config.metricsToken)) throw new ApiError("unauthorized", "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>");
  const registry = metricsRegistry({ database: getDatabase, redis: observabilityRedis(), keys: clickStreamKeys(config.redisKeyPrefix) });
  return new Response(await registry.metrics(), { headers: { "content-type": registry.contentType, "cache-control": "no-store" } });
});
