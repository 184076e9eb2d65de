import { Redis } from "ioredis";

/** Same channel and message as src/server/events/link-changes.ts (the origin publishes there). */
export const LINK_CHANGED_CHANNEL = "signpost:link-changed";

export interface LinkEventSubscription {
  close(): Promise<void>;
}

/**
 * Subscribes to the origin's link-change events and calls `onChange` for each valid one. Redis
 * being down only delays evictions (the cache TTL still applies); it reconnects by itself.
 * `onLive(true)` follows every confirmed (re)subscription, `onLive(false)` every lost connection:
 * between the two, no change can be missed (the cache may keep links longer; see link-cache.ts).
 */
export function subscribeLinkChanges(
  redisUrl: string,
  onChange: (domain: string, key: string) => void,
  log: (level: "info" | "warn", msg: string, extra?: Record<string, unknown>) => void,
  onLive: (live: boolean) => void = () => {},
): LinkEventSubscription {
  // Named, so CLIENT LIST shows whose subscription a connection is (and tests can cut this one).
  const redis = new Redis(redisUrl, { retryStrategy: (times) => Math.min(times * 200, 5_000), connectTimeout: 2_000, connectionName: `signpost-link-events-${process.pid}` });
  let warned = false;
  let live = false;
  redis.on("error", (error) => {
    if (!warned) log("warn", "redis unavailable; link changes reach the cache only through its TTL until it is back", { error: String(error) });
    warned = true;
  });
  redis.on("close", () => {
    if (live) onLive((live = false));
  });
  // On every connection, the first included: ioredis re-subscribes by itself after a reconnect,
  // but only the answer to a SUBSCRIBE says the channel is being heard again. A second one for the
  // same channel changes nothing on the server.
  redis.on("ready", () => {
    if (warned) log("info", "redis reconnected; link-change evictions resumed");
    warned = false;
    redis.subscribe(LINK_CHANGED_CHANNEL).then(
      () => {
        log("info", "subscribed to link changes", { channel: LINK_CHANGED_CHANNEL });
        if (redis.status === "ready") onLive((live = true));
      },
      () => {
        // Reported through "error"; the next "ready" subscribes again.
      },
    );
  });
  redis.on("message", (channel: string, message: string) => {
    if (channel !== LINK_CHANGED_CHANNEL) return;
    try {
      const event = JSON.parse(message) as { domain?: unknown; key?: unknown };
      if (typeof event.domain === "string" && typeof event.key === "string") onChange(event.domain.toLowerCase(), event.key);
    } catch {
      // Not ours or malformed: ignore.
    }
  });
  return {
    async close() {
      // QUIT waits in the offline queue while Redis is down (it would never settle): only a
      // connected client says goodbye; any other is just disconnected, which stops reconnecting.
      if (redis.status === "ready") {
        try {
          await redis.quit();
          return;
        } catch {
          // fall through
        }
      }
      redis.disconnect();
    },
  };
}
