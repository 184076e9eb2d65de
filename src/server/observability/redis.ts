import "server-only";
import type { Redis } from "ioredis";
import { serverConfig } from "@/config/env";
import { openRedis } from "@/server/clicks/stream";

const GLOBAL_KEY = Symbol.for("signpost.observabilityRedis");
type Holder = { [GLOBAL_KEY]?: Redis | null };

/** One Redis connection per process for probes and metrics (null without REDIS_URL). */
export function observabilityRedis(): Redis | null {
  const holder = globalThis as Holder;
  if (holder[GLOBAL_KEY] === undefined) {
    const url = serverConfig().redisUrl;
    const client = url ? openRedis(url, "signpost-observability") : null;
    client?.on("error", () => {}); // a down Redis shows in /readyz, not as log noise
    holder[GLOBAL_KEY] = client;
  }
  return holder[GLOBAL_KEY];
}
