import "server-only";
import type { PGlite } from "@electric-sql/pglite";
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import PgBoss from "pg-boss";
import type { Database, RawQuery } from "@/server/db/client";
import { logger } from "@/server/observability/logger";
import type { OutboundPolicy } from "@/server/net/outbound";
import { attemptDelivery, dueDeliveries, type DeliveryOptions } from "@/server/webhooks/deliver";
import { setDeliveryWaker } from "@/server/webhooks/service";
import { fillLinkMetadata, LINK_METADATA_QUEUE, LINK_METADATA_SWEEP_CRON, setMetadataQueue, sweepPendingMetadata, type MetadataJob } from "./link-metadata";
import { runImport } from "@/server/imports/run";
import { IMPORT_QUEUE, IMPORT_SWEEP_CRON, setImportQueue, sweepImports, type ImportJob } from "./run-import";
import { COMPACT_DAILY_ROLLUPS_CRON, COMPACT_DAILY_ROLLUPS_QUEUE, compactDailyRollups } from "@/server/clicks/daily-rollups";
import { PRUNE_CLICKS_CRON, PRUNE_CLICKS_QUEUE, pruneClicks } from "./prune-clicks";
import { RECHECK_DOMAINS_CRON, RECHECK_DOMAINS_QUEUE, runDomainRecheck } from "./recheck-domains";
import { PURGE_EXPIRED_AUTH_CRON, PURGE_EXPIRED_AUTH_QUEUE, purgeExpiredAuth } from "./purge-expired-auth";

/**
 * In-process background jobs on a Postgres-backed queue (pg-boss), on whichever database the
 * process opened: embedded PGlite or Postgres. pg-boss never opens connections of its own; every
 * statement goes through the process's database (see `createExecutor`).
 */

export interface BackgroundJobsOptions {
  /** Schema that holds pg-boss's tables; created (and migrated) on start. Default "pgboss". */
  schema?: string;
  /** Cron (UTC) of the expired-auth purge. Default hourly, on the hour. */
  purgeExpiredAuthCron?: string;
  /** How often the purge worker looks for work. Default 60 s; the job only arrives hourly. */
  purgePollingIntervalSeconds?: number;
  /** Raw clicks older than this many days are pruned daily (0 = keep forever). Default 0. */
  clickRetentionDays?: number;
  /** Cron (UTC) of the click pruning. Default daily at 03:17. */
  pruneClicksCron?: string;
  /** Cron (UTC) of the custom-domain DNS re-check. Default every ten minutes. */
  recheckDomainsCron?: string;
  /**
   * Fill new links' empty title / description / image from their destination pages, under this
   * outbound (SSRF) policy. Absent: this process does not work the metadata queue.
   */
  linkMetadata?: { policy: OutboundPolicy; pollingIntervalSeconds?: number };
  /** Deliver outbound webhooks (src/server/webhooks). Absent: this process does not work the delivery queue. */
  webhooks?: DeliveryOptions & { pollingIntervalSeconds?: number; sweepCron?: string };
  /** Work the bulk-import queue (src/server/imports). Default on; false: this process leaves imports to others. */
  imports?: false | { pollingIntervalSeconds?: number };
  /** pg-boss timing knobs, for tuning and for tests that cannot wait for the defaults. */
  timing?: Pick<
    PgBoss.ConstructorOptions,
    | "pollingIntervalSeconds"
    | "cronMonitorIntervalSeconds"
    | "cronWorkerIntervalSeconds"
    | "maintenanceIntervalSeconds"
    | "clockMonitorIntervalSeconds"
  >;
  /** How long `stop()` lets running jobs finish before failing them. Default 30 s. */
  stopTimeoutMs?: number;
  /** Errors pg-boss reports from the background (maintenance, cron, workers). Default: a JSON line on stderr. */
  onError?: (error: unknown) => void;
}

export interface BackgroundJobs {
  boss: PgBoss;
  /**
   * `boss.work`, with the handler's runs counted so that `stop()` waits for them too. Register
   * workers through this, not `boss.work`: see `stop()`.
   */
  work<T>(name: string, options: PgBoss.WorkOptions, handler: PgBoss.WorkHandler<T>): Promise<string>;
  /** Stops workers, cron and maintenance, letting running jobs finish. Safe to call more than once. */
  stop(): Promise<void>;
}

/** Postgres errors of two processes installing pg-boss's schema or queues at the same moment. */
const INSTALL_RACE_CODES = new Set(["23505", "42P06", "42P07", "42710", "40P01", "40001"]);

export async function startBackgroundJobs(database: Database, options: BackgroundJobsOptions = {}): Promise<BackgroundJobs> {
  // Instances starting together on a fresh Postgres (an app and its workers) race to install
  // pg-boss's schema; the loser sees "already exists" and simply starts again on the installed one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(database, options);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= 5 || typeof code !== "string" || !INSTALL_RACE_CODES.has(code)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 400));
    }
  }
}

async function startOnce(database: Database, options: BackgroundJobsOptions): Promise<BackgroundJobs> {
  const onError = options.onError ?? logError;
  const executor = createExecutor(database);
  const boss = new PgBoss({ ...options.timing, db: executor, schema: options.schema ?? "pgboss" });
  // An EventEmitter without an "error" listener throws, which would take the process down.
  boss.on("error", onError);

  const handlers = createInFlightCounter();
  const work: BackgroundJobs["work"] = <T>(name: string, workOptions: PgBoss.WorkOptions, handler: PgBoss.WorkHandler<T>) =>
    boss.work<T>(name, workOptions, (jobs) => handlers.run(() => handler(jobs)));
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const deadline = Date.now() + stopTimeoutMs;
      try {
        if (options.linkMetadata) setMetadataQueue(null);
        if (options.webhooks) setDeliveryWaker(null);
        if (options.imports !== false) setImportQueue(null);
        await boss.stop({ graceful: true, wait: true, timeout: stopTimeoutMs });
      } catch (error) {
        onError(error);
      }
      // pg-boss's stop() waits only for jobs its workers already hold. A fetch still in flight
      // then hands its jobs to their handler afterwards, and the completion pg-boss sends for them
      // is not awaited by anyone: wait for both, within the same timeout, or the job would be left
      // active until it expires. Each turn lets a fetch that just answered reach its handler.
      while (Date.now() < deadline) {
        await Promise.race([Promise.all([executor.drain(), handlers.idle()]), sleep(deadline - Date.now(), undefined, { ref: false })]);
        await nextTurn();
        if (!executor.busy() && handlers.count() === 0) break;
      }
      if (handlers.count() > 0) {
        onError(new Error(`background jobs stopped with ${handlers.count()} job(s) still running; they are retried once they expire`));
      }
      // Turn later statements into no-ops, so none reaches a database the caller is about to close.
      executor.close();
      await executor.drain();
    })();
    return stopping;
  };

  const jobs: BackgroundJobs = { boss, work, stop };
  try {
    await boss.start();
    await registerPurgeExpiredAuth(jobs, database, options);
    await registerPruneClicks(jobs, database, options);
    await registerDomainRecheck(jobs, database, options);
    await registerCompactDailyRollups(jobs, database, options);
    await registerLinkMetadata(jobs, database, options);
    await registerWebhooks(jobs, database, options);
    await registerImports(jobs, database, options);
  } catch (error) {
    await stop();
    throw error;
  }
  return jobs;
}

async function registerPurgeExpiredAuth({ boss, work }: BackgroundJobs, database: Database, options: BackgroundJobsOptions): Promise<void> {
  // pg-boss 10 needs the queue before jobs or a schedule can name it. "singleton": at most one
  // purge active at a time, even with several instances on one Postgres.
  await boss.createQueue(PURGE_EXPIRED_AUTH_QUEUE, {
    name: PURGE_EXPIRED_AUTH_QUEUE,
    policy: "singleton",
    retryLimit: 2,
    retryDelay: 60,
    expireInSeconds: 15 * 60,
  });
  await work(
    PURGE_EXPIRED_AUTH_QUEUE,
    { pollingIntervalSeconds: options.purgePollingIntervalSeconds ?? 60 },
    async () => {
      const deleted = await purgeExpiredAuth(database.db);
      if (deleted.sessions > 0 || deleted.verifications > 0) {
        logger().info({ component: "jobs", ...deleted }, "purged expired auth rows");
      }
      return deleted;
    },
  );
  await boss.schedule(PURGE_EXPIRED_AUTH_QUEUE, options.purgeExpiredAuthCron ?? PURGE_EXPIRED_AUTH_CRON, {}, { tz: "UTC" });
}

export const WEBHOOK_DELIVERY_QUEUE = "webhooks.deliver";
/** Every minute: deliveries whose retry is due, or whose worker died holding them. */
const WEBHOOK_SWEEP_CRON = "* * * * *";

async function registerWebhooks({ boss, work }: BackgroundJobs, database: Database, options: BackgroundJobsOptions): Promise<void> {
  await boss.createQueue(WEBHOOK_DELIVERY_QUEUE, { name: WEBHOOK_DELIVERY_QUEUE, policy: "short", retryLimit: 0, expireInSeconds: 120 });
  if (!options.webhooks) return;
  const delivery = options.webhooks;
  const queue = (ids: readonly string[], startAfter?: Date) =>
    Promise.all(ids.map((deliveryId) => boss.send(WEBHOOK_DELIVERY_QUEUE, { deliveryId }, { singletonKey: deliveryId, ...(startAfter ? { startAfter } : {}) }))).then(() => undefined);
  await work<{ deliveryId?: string; sweep?: true }>(
    WEBHOOK_DELIVERY_QUEUE,
    { batchSize: 8, pollingIntervalSeconds: delivery.pollingIntervalSeconds ?? 2 },
    async (jobs) =>
      Promise.all(
        jobs.map(async (job) => {
          if (job.data.sweep) return queue(await dueDeliveries(database.db));
          const result = await attemptDelivery(database.db, job.data.deliveryId!, delivery);
          // The retry waits in the queue until it is due (the sweep would find it too).
          if (result.outcome === "retrying") await queue([job.data.deliveryId!], result.nextAttemptAt);
          return result.outcome;
        }),
      ),
  );
  await boss.schedule(WEBHOOK_DELIVERY_QUEUE, delivery.sweepCron ?? WEBHOOK_SWEEP_CRON, { sweep: true }, { tz: "UTC" });
  setDeliveryWaker((ids) => queue(ids));
}

async function registerLinkMetadata({ boss, work }: BackgroundJobs, database: Database, options: BackgroundJobsOptions): Promise<void> {
  // "short": one queued job per link (a second wake-up for the same link while one waits is dropped).
  await boss.createQueue(LINK_METADATA_QUEUE, { name: LINK_METADATA_QUEUE, policy: "short", retryLimit: 0, expireInSeconds: 120 });
  if (!options.linkMetadata) return;
  const { policy } = options.linkMetadata;
  // Fetches wait on other servers: take several at once and run them side by side.
  await work<MetadataJob>(
    LINK_METADATA_QUEUE,
    { batchSize: 8, pollingIntervalSeconds: options.linkMetadata.pollingIntervalSeconds ?? 5 },
    async (jobs) =>
      Promise.all(jobs.map((job) => ("sweep" in job.data ? sweepPendingMetadata(database.db, boss) : fillLinkMetadata(database.db, job.data.linkId, policy)))),
  );
  await boss.schedule(LINK_METADATA_QUEUE, LINK_METADATA_SWEEP_CRON, { sweep: true }, { tz: "UTC" });
  setMetadataQueue(boss);
}

async function registerImports({ boss, work }: BackgroundJobs, database: Database, options: BackgroundJobsOptions): Promise<void> {
  // "short": one waiting job per import. An import runs for minutes at most; a stalled one is failed by the sweep.
  await boss.createQueue(IMPORT_QUEUE, { name: IMPORT_QUEUE, policy: "short", retryLimit: 0, expireInSeconds: 60 * 60 });
  if (options.imports === false) return;
  // One import at a time per process: each streams its file and writes in batches.
  await work<ImportJob>(IMPORT_QUEUE, { batchSize: 1, pollingIntervalSeconds: options.imports?.pollingIntervalSeconds ?? 2 }, async ([job]) => {
    if (!job) return;
    if ("sweep" in job.data) return sweepImports(database.db, boss);
    const outcome = await runImport(database.db, job.data.importId);
    logger().info({ component: "jobs", importId: job.data.importId, outcome }, "import finished");
    return outcome;
  });
  await boss.schedule(IMPORT_QUEUE, IMPORT_SWEEP_CRON, { sweep: true }, { tz: "UTC" });
  setImportQueue(boss);
}

async function registerCompactDailyRollups({ boss, work }: BackgroundJobs, database: Database, options: BackgroundJobsOptions): Promise<void> {
  await boss.createQueue(COMPACT_DAILY_ROLLUPS_QUEUE, { name: COMPACT_DAILY_ROLLUPS_QUEUE, policy: "singleton", retryLimit: 3, retryDelay: 60, expireInSeconds: 60 * 60 });
  await work(COMPACT_DAILY_ROLLUPS_QUEUE, { pollingIntervalSeconds: options.purgePollingIntervalSeconds ?? 60 }, async () => {
    const days = await compactDailyRollups(database.db);
    if (days > 0) logger().info({ component: "jobs", days }, "summed per-link daily click rollups");
    return { days };
  });
  await boss.schedule(COMPACT_DAILY_ROLLUPS_QUEUE, COMPACT_DAILY_ROLLUPS_CRON, {}, { tz: "UTC" });
  // Once at start too: an instance that was down over midnight catches up without waiting an hour.
  await boss.send(COMPACT_DAILY_ROLLUPS_QUEUE, {}, { singletonKey: "startup" });
}

async function registerPruneClicks({ boss, work }: BackgroundJobs, database: Database, options: BackgroundJobsOptions): Promise<void> {
  await boss.createQueue(PRUNE_CLICKS_QUEUE, { name: PRUNE_CLICKS_QUEUE, policy: "singleton", retryLimit: 2, retryDelay: 300, expireInSeconds: 60 * 60 });
  const days = options.clickRetentionDays ?? 0;
  // Retention off here: no worker, so this process never prunes. The schedule is left alone, since
  // another process on the same database (a worker) may be the one configured to prune.
  if (days <= 0) return;
  await work(PRUNE_CLICKS_QUEUE, { pollingIntervalSeconds: options.purgePollingIntervalSeconds ?? 60 }, async () => {
    const deleted = await pruneClicks(database.db, days);
    if (deleted > 0) logger().info({ component: "jobs", deleted, retentionDays: days }, "pruned raw clicks past retention");
    return { deleted };
  });
  await boss.schedule(PRUNE_CLICKS_QUEUE, options.pruneClicksCron ?? PRUNE_CLICKS_CRON, {}, { tz: "UTC" });
}

async function registerDomainRecheck({ boss, work }: BackgroundJobs, database: Database, options: BackgroundJobsOptions): Promise<void> {
  // Singleton: one round at a time across every process working this database.
  await boss.createQueue(RECHECK_DOMAINS_QUEUE, { name: RECHECK_DOMAINS_QUEUE, policy: "singleton", retryLimit: 0, expireInSeconds: 15 * 60 });
  await work(RECHECK_DOMAINS_QUEUE, { pollingIntervalSeconds: options.purgePollingIntervalSeconds ?? 60 }, async () => runDomainRecheck(database.db));
  await boss.schedule(RECHECK_DOMAINS_QUEUE, options.recheckDomainsCron ?? RECHECK_DOMAINS_CRON, {}, { tz: "UTC" });
}

type SqlResult = { rows: Record<string, unknown>[] };

/** Counts work in progress (statements, handler runs) and tells when none is left. */
function createInFlightCounter() {
  let count = 0;
  let waiting: Array<() => void> = [];
  return {
    async run<T>(work: () => Promise<T>): Promise<T> {
      count += 1;
      try {
        return await work();
      } finally {
        count -= 1;
        if (count === 0) {
          const resolve = waiting;
          waiting = [];
          for (const done of resolve) done();
        }
      }
    },
    count: () => count,
    idle: (): Promise<void> => (count === 0 ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve))),
  };
}

interface Executor extends PgBoss.Db {
  /** After this, statements are not sent; they resolve to `undefined`, as pg-boss's own closed pool does. */
  close(): void;
  /** Resolves once no statement is in flight. */
  drain(): Promise<void>;
  /** Whether a statement is in flight now. */
  busy(): boolean;
}

/**
 * pg-boss's `db` option: every statement it issues, on the process's database.
 *
 * Postgres: `database.query` is the shared pool's `query`. Like pg-boss's own pool, a call without
 * parameters goes out on the simple-query protocol, which is what lets pg-boss send its
 * multi-statement scripts (`BEGIN; SELECT pg_advisory_xact_lock(..); ..; COMMIT`) in one call, and
 * pg-pool discards a connection whose script failed, so an aborted transaction never leaks.
 *
 * PGlite: parameterised statements go to `database.query` too. Parameterless ones need care:
 * PGlite's `query()` is extended-protocol only and rejects them ("cannot insert multiple commands
 * into a prepared statement"), so they go through `exec()` (simple protocol) instead. And PGlite is
 * one connection: a script that fails after its own `BEGIN` leaves that connection in an aborted
 * transaction, which would fail every later statement of the whole process. So the script runs
 * inside `transaction()`: it holds PGlite's transaction lock, so nothing else interleaves, and
 * rolls back on error. The script's own BEGIN/COMMIT inside it only draw warnings, which PGlite
 * does not print.
 */
function createExecutor(database: Database): Executor {
  const run: RawQuery = database.mode === "embedded" ? pgliteQuery(database) : database.query;
  const statements = createInFlightCounter();
  let closed = false;

  return {
    async executeSql(text: string, values?: unknown[]) {
      // pg-boss's own Db answers `undefined` once closed, and its callers allow for it (`result?.rows`).
      if (closed) return undefined as unknown as SqlResult;
      return statements.run(() => run(text, values));
    },
    close() {
      closed = true;
    },
    drain: statements.idle,
    busy: () => statements.count() > 0,
  };
}

function pgliteQuery(database: Database): RawQuery {
  // drizzle exposes its driver as `$client`: the PGlite instance that `database.query` also uses.
  const client = (database.db as unknown as { $client?: Partial<Pick<PGlite, "transaction">> }).$client;
  if (typeof client?.transaction !== "function") {
    throw new Error("Embedded database has no PGlite client; cannot start background jobs");
  }
  const pglite = client as Pick<PGlite, "transaction">;
  return async (text, params) => {
    if (params && params.length > 0) return database.query(text, params);
    const results = await pglite.transaction((tx) => tx.exec(text));
    return { rows: (results.at(-1)?.rows ?? []) as Record<string, unknown>[] };
  };
}

/** pg-boss emits Errors, and for worker failures a plain copy with `queue` and `worker` added. */
function logError(error: unknown): void {
  const fields =
    typeof error === "object" && error !== null
      ? (({ message, stack, queue }) => ({ error: String(message), stack, queue }))(
          error as { message?: unknown; stack?: unknown; queue?: unknown },
        )
      : { error: String(error) };
  logger().error({ component: "jobs", ...fields }, "background jobs error");
}
