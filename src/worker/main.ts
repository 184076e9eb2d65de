/**
 * `npm run worker`: stores clicks from the Redis click stream into Postgres and runs the scheduled
 * jobs (retention, auth purge). Run as many as you like: stream consumers share one consumer group,
 * and pg-boss hands each job to one of them. Needs DATABASE_URL (the embedded database belongs to
 * the app process, which consumes the stream itself); without REDIS_URL it only runs jobs.
 *
 * SIGTERM / SIGINT: the batch in hand is stored and acknowledged, then the process exits 0.
 * `kill -9` mid-batch loses nothing: the batch's transaction never committed and its entries stay
 * pending until another consumer claims them (src/server/clicks/stream.ts).
 */
import { ConfigError, serverConfig } from "@/config/env";
import type { ClickConsumer } from "@/server/clicks/stream";
// pino only: it loads neither pg nor ioredis, so tracing can still hook them below.
import { logger } from "@/server/observability/logger";
import { startNodeTracing } from "@/tracing/node";

function log(level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown> = {}): void {
  logger()[level]({ component: "worker", ...fields }, msg);
}

async function main(): Promise<void> {
  let config;
  try {
    config = serverConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  if (!config.databaseUrl) {
    console.error("The worker needs DATABASE_URL (Postgres). With the embedded database, the app process (`npm start`) stores clicks and runs jobs itself.");
    process.exit(1);
  }

  // Tracing first (when configured): the pg and ioredis hooks must be in place before the server code loads them.
  const tracing = await startNodeTracing("signpost-worker");
  const [{ recordClicks }, { clickStreamKeys, startClickConsumer }, { getDatabase }, { startBackgroundJobs }] = await Promise.all([
    import("@/server/clicks/ingest"),
    import("@/server/clicks/stream"),
    import("@/server/db/client"),
    import("@/server/jobs/runner"),
  ]);
  const database = await getDatabase();
  const jobs = await startBackgroundJobs(database, {
    clickRetentionDays: config.clickRetentionDays,
    linkMetadata: config.linkMetadata ? { policy: { allow: config.outboundAllowlist } } : undefined,
    webhooks: { policy: { allow: config.outboundAllowlist } },
  });
  const consumers: ClickConsumer[] = [];
  if (config.redisUrl) {
    for (let i = 0; i < Math.max(1, config.clickConsumers); i++) {
      consumers.push(
        await startClickConsumer({
          redisUrl: config.redisUrl,
          keys: clickStreamKeys(config.redisKeyPrefix),
          store: (clicks) => recordClicks(clicks, database.db),
          claimIdleMs: config.clickClaimIdleSeconds * 1000,
          clicksPerRound: config.clickRoundClicks,
          log,
        }),
      );
    }
  }
  log("info", "worker ready", { consumers: consumers.map((c) => c.name), retentionDays: config.clickRetentionDays });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log("info", "worker stopping: finishing the batch in hand", { signal });
    void (async () => {
      await Promise.all(consumers.map((c) => c.stop()));
      await jobs.stop();
      await database.close();
      const totals = consumers.map((c) => c.stats());
      log("info", "worker stopped", { batches: totals.reduce((n, s) => n + s.batches, 0), clicks: totals.reduce((n, s) => n + s.clicks, 0) });
      await tracing?.shutdown().catch((error) => log("warn", "trace export at shutdown failed", { error: String(error) }));
      process.exit(0);
    })().catch((error) => {
      log("error", "worker shutdown failed", { error: String(error) });
      process.exit(1);
    });
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error) => {
  log("error", "worker failed to start", { error: String(error), stack: (error as Error)?.stack });
  process.exit(1);
});
