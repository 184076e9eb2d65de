import "server-only";
import { Redis } from "ioredis";
import { serverConfig } from "@/config/env";
import { logger } from "@/server/observability/logger";

/**
 * Link-change events for edge caches that can listen (the standalone Node redirector). After a
 * link change commits, the origin publishes `{"domain","key"}` (JSON) on this channel for every
 * short link whose answer may have changed; subscribers evict it at once instead of waiting for
 * their cache TTL. Only when REDIS_URL is set; an unreachable Redis never fails the API request
 * (edge caches then fall back to their TTL).
 *
 * The change's own transaction also wrote it to the link-change feed (`recordLinkChanges` in
 * link-feed.ts), which the edge hosts that cannot subscribe poll: Next's middleware, Workers, a
 * redirector without Redis. So a lost event (Redis down, the origin stopping right after the
 * commit) delays only the subscribers, to their TTL; polling edges still get the change.
 */
export const LINK_CHANGED_CHANNEL = "signpost:link-changed";

export interface LinkRef {
  domain: string;
  key: string;
}

/** How long an API request waits for Redis to take the events before answering anyway. */
const PUBLISH_WAIT_MS = 250;

let client: Redis | null | undefined;
let warned = false;

function warnOnce(error: unknown): void {
  if (warned) return;
  warned = true;
  logger().warn({ error: String(error) }, "link-change events not published (Redis unavailable); edge caches fall back to their TTL");
}

function redis(): Redis | null {
  if (client !== undefined) return client;
  const url = serverConfig().redisUrl;
  if (!url) return (client = null);
  client = new Redis(url, {
    // Fail fast instead of queueing for long while Redis is down; reconnect in the background.
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 200, 5_000),
  });
  client.on("error", warnOnce);
  client.on("ready", () => (warned = false));
  return client;
}

/**
 * Publishes one event per distinct link. Call after the change committed (its transaction recorded
 * the same refs in the feed). Waits briefly for Redis (so the next redirect already sees the
 * change); never throws.
 */
export async function publishLinkChanges(refs: readonly LinkRef[]): Promise<void> {
  if (refs.length === 0) return;
  let redisClient: Redis | null;
  try {
    redisClient = redis();
  } catch (error) {
    warnOnce(error);
    return;
  }
  if (!redisClient) return;
  const messages = [...new Set(refs.map((ref) => JSON.stringify({ domain: ref.domain, key: ref.key })))];
  const publishing = Promise.all(messages.map((message) => redisClient.publish(LINK_CHANGED_CHANNEL, message))).catch(warnOnce);
  // Known to be down: do not make the request wait for it.
  if (redisClient.status === "reconnecting" || redisClient.status === "end") return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([publishing, new Promise<void>((resolve) => (timer = setTimeout(resolve, PUBLISH_WAIT_MS)))]);
  clearTimeout(timer);
}
