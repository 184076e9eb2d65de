import "server-only";
import type { Redis } from "ioredis";
import { serverConfig } from "@/config/env";
import { ApiError } from "@/server/api/errors";
import { isDatabaseUnavailable } from "@/server/db/errors";
import type { Db } from "@/server/db/client";
import { logger } from "@/server/observability/logger";
import { timeStage } from "@/server/observability/request-timing";
import { enrichClick, geoDatabase, type GeoLookup, type IncomingClick, type StoredClick } from "./enrich";
import { recordClicks } from "./ingest";
import { clickStreamKeys, enqueueClicks, openRedis, type ClickStreamKeys } from "./stream";

/** What the ingest endpoint answers. `queued`: on the stream; `stored`: committed in Postgres. */
export type IngestOutcome =
  | { mode: "queued"; clicks: number }
  | { mode: "stored"; accepted: number; duplicates: number; unknownLinks: number; fallback: boolean };

type IngestCounters = { queuedBatches: number; queuedClicks: number; storedBatches: number; storedClicks: number; redisFallbacks: number; unavailable: number };
const COUNTERS_KEY = Symbol.for("signpost.ingestCounters");

/**
 * Process-wide ingest counters (exposed by /metrics). On globalThis: Next may evaluate this module
 * once per route bundle, and the metrics route must see the ingest route's counts.
 */
export const ingestCounters: IngestCounters = ((globalThis as { [COUNTERS_KEY]?: IngestCounters })[COUNTERS_KEY] ??= {
  queuedBatches: 0,
  queuedClicks: 0,
  storedBatches: 0,
  storedClicks: 0,
  redisFallbacks: 0,
  unavailable: 0,
});

const READY_WAIT_MS = 1_000;

export interface ClickIngestDeps {
  /** The click stream's Redis, or null to commit every batch in the database. */
  redis: Redis | null;
  keys: ClickStreamKeys;
  geo: GeoLookup;
  /** Where batches are committed (the process's database by default). */
  db?: Db;
}

async function whenReady(redisClient: Redis): Promise<void> {
  if (redisClient.status === "ready") return;
  // Only a first connection is waited for; while Redis is down ("reconnecting") fail over at once.
  if (redisClient.status !== "connecting" && redisClient.status !== "connect" && redisClient.status !== "wait") {
    throw new Error(`Redis connection is ${redisClient.status}`);
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("Redis not ready")), READY_WAIT_MS);
    redisClient.once("ready", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * The ingest endpoint's work, after validation: enrich on Node, then
 * - with Redis: append the batch to the click stream and answer (a consumer stores it); if Redis
 *   fails, commit it in Postgres instead (logged and counted) — a click is never lost because the
 *   queue is down;
 * - without Redis: commit it in Postgres before answering.
 * If the database is needed and unavailable, the answer is 503 `unavailable`: the edge keeps the
 * batch and retries (clicks carry their ids, so a retry never double-counts).
 */
export function createClickIngest(deps: ClickIngestDeps): (events: readonly IncomingClick[]) => Promise<IngestOutcome> {
  let lastFallbackLog = 0;
  return async (events) => {
    const clicks: StoredClick[] = events.map((event) => enrichClick(event, deps.geo));
    let fallback = false;
    const redis = deps.redis;
    if (redis) {
      try {
        await whenReady(redis);
        await timeStage("queue", () => enqueueClicks(redis, deps.keys, clicks));
        ingestCounters.queuedBatches += 1;
        ingestCounters.queuedClicks += clicks.length;
        return { mode: "queued", clicks: clicks.length };
      } catch (error) {
        fallback = true;
        ingestCounters.redisFallbacks += 1;
        if (Date.now() - lastFallbackLog > 10_000) {
          lastFallbackLog = Date.now();
          logger().warn({ error: String(error), fallbacks: ingestCounters.redisFallbacks }, "click stream unavailable; committing clicks in Postgres instead");
        }
      }
    }
    try {
      const result = await recordClicks(clicks, deps.db);
      ingestCounters.storedBatches += 1;
      ingestCounters.storedClicks += result.accepted;
      return { mode: "stored", ...result, fallback };
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      ingestCounters.unavailable += 1;
      throw new ApiError("unavailable", "Clicks cannot be stored right now; retry the batch");
    }
  };
}

let processIngest: ((events: readonly IncomingClick[]) => Promise<IngestOutcome>) | undefined;

/** The process's ingest, wired from the config (REDIS_URL, REDIS_KEY_PREFIX, GEOIP_DATABASE). */
export function ingestClicks(events: readonly IncomingClick[]): Promise<IngestOutcome> {
  if (!processIngest) {
    const config = serverConfig();
    const redis = config.redisUrl ? openRedis(config.redisUrl, "signpost-ingest") : null;
    redis?.on("error", () => {}); // reported by the failing XADD, at most every 10 s
    processIngest = createClickIngest({ redis, keys: clickStreamKeys(config.redisKeyPrefix), geo: geoDatabase(config.geoipDatabase) });
  }
  return processIngest(events);
}
