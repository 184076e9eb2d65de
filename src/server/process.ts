import "server-only";
import { ConfigError, serverConfig } from "@/config/env";
import { getDatabase } from "@/server/db/client";
import { DataDirInUseError } from "@/server/db/lock";
import { logger } from "@/server/observability/logger";
import { recordClicks } from "@/server/clicks/ingest";
import { clickStreamKeys, startClickConsumer, type ClickConsumer } from "@/server/clicks/stream";
import { startBackgroundJobs } from "@/server/jobs/runner";
import { observabilityRedis } from "@/server/observability/redis";
import { startStatusSampler } from "@/server/observability/status";

/**
 * Start-up of a Next server process (called from instrumentation.ts): config, database +
 * migrations, then background jobs. Any failure here ends the process with a clear message rather
 * than serving requests that would all fail.
 */
export async function startServerProcess(): Promise<void> {
  try {
    const config = serverConfig();
    const database = await getDatabase();
    const jobs = await startBackgroundJobs(database, {
      clickRetentionDays: config.clickRetentionDays,
      linkMetadata: config.linkMetadata ? { policy: { allow: config.outboundAllowlist } } : undefined,
      webhooks: { policy: { allow: config.outboundAllowlist } },
    });
    // With Redis, clicks arrive on a stream; the app consumes it too unless CLICK_CONSUMERS=0
    // (then only `npm run worker` does). With embedded PGlite nothing else can.
    const consumers: ClickConsumer[] = [];
    if (config.redisUrl) {
      for (let i = 0; i < config.clickConsumers; i++) {
        consumers.push(
          await startClickConsumer({
            redisUrl: config.redisUrl,
            keys: clickStreamKeys(config.redisKeyPrefix),
            store: (clicks) => recordClicks(clicks, database.db),
            claimIdleMs: config.clickClaimIdleSeconds * 1000,
            clicksPerRound: config.clickRoundClicks,
          }),
        );
      }
    }
    // The status page's history of this process's metrics (unref'd timer; see status.ts).
    startStatusSampler({ database: getDatabase, redis: observabilityRedis(), keys: clickStreamKeys(config.redisKeyPrefix) });
    const stop = () => {
      Promise.all(consumers.map((c) => c.stop()))
        .then(() => jobs.stop())
        .finally(() => database.close().finally(() => process.exit(0)));
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    logger().info(
      {
        database: database.mode === "embedded" ? `embedded PGlite in ${config.dataDir}` : "postgres (DATABASE_URL)",
        appUrl: config.appUrl,
        clickStream: config.redisUrl ? { consumers: consumers.length } : "off (clicks committed in the database)",
        shortDomains: config.shortDomains,
      },
      "signpost ready",
    );
  } catch (error) {
    if (error instanceof ConfigError || error instanceof DataDirInUseError) {
      console.error(`\n${error.message}\n`);
    } else {
      console.error("Signpost could not start:", error);
    }
    process.exit(1);
  }
}
