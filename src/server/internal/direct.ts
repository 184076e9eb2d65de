import "server-only";
import type { Registry } from "prom-client";
import { ZodError } from "zod";
import type { EdgeStatsReport } from "@/core/edge-stats";
import { clickBatchSchema, type ClickEvent, type EdgeLink } from "@/core/link";
import { createClickIngest, type IngestOutcome } from "@/server/clicks/pipeline";
import { geoDatabase } from "@/server/clicks/enrich";
import { clickStreamKeys, openRedis } from "@/server/clicks/stream";
import { openDatabase, setProcessDatabase, type Database } from "@/server/db/client";
import { readLinkChanges, type LinkChangePage } from "@/server/events/link-feed";
import { recordPasswordAttempt, reserveClick, type AttemptVerdict, type Reservation } from "@/server/internal/edge-gates";
import { lookupLinkForEdge } from "@/server/links/service";
import { pendingMigrationTags } from "@/server/observability/health";
import { recordEdgeStats, redirectorMetricsRegistry } from "@/server/observability/metrics";

/**
 * The origin's internal endpoints (links/lookup, links/changes, links/reserve, password-attempts, clicks) as
 * in-process calls, for a Node host that reaches the database itself: the standalone redirector in
 * direct mode (docs/decisions/0015-redirector-direct-store.md). Each call is the very function the
 * endpoint runs, minus the HTTP and the signature check.
 */
export interface DirectStore {
  /** `GET /api/internal/v1/links/lookup`. */
  lookup(domain: string, key: string): Promise<EdgeLink | null>;
  /** `GET /api/internal/v1/links/changes` (the link-change feed). */
  linkChanges(cursor: string | null): Promise<LinkChangePage>;
  /** `POST /api/internal/v1/links/reserve`. */
  reserveClick(linkId: string): Promise<Reservation>;
  /** `POST /api/internal/v1/password-attempts`. */
  recordPasswordAttempt(linkId: string, visitor: string): Promise<AttemptVerdict>;
  /**
   * `POST /api/internal/v1/clicks`: validated like the endpoint's body, enriched, then on the click
   * stream (Redis) or committed in Postgres. Throws {@link InvalidClickBatchError} for a batch the
   * endpoint would answer 400; any other failure (`unavailable` included) is worth a retry.
   */
  ingest(batch: ClickEvent[]): Promise<IngestOutcome>;
  /** Adds edge counters to this process's metrics: with no origin to report them to, they stay here. */
  recordEdgeStats(report: EdgeStatsReport): void;
  /** This process's metrics (edge counters, click ingest, its pool), for the redirector's metrics port. */
  metrics(): Registry;
  close(): Promise<void>;
}

export class InvalidClickBatchError extends Error {
  constructor(cause: ZodError) {
    super(`invalid click batch: ${cause.issues[0]?.message ?? "rejected"}`, { cause });
    this.name = "InvalidClickBatchError";
  }
}

/** The database lacks migrations this code needs: the app, which applies them, has not run against it yet. */
export class SchemaNotCurrentError extends Error {
  constructor(readonly pending: string[] | "all") {
    super(
      `The database schema is older than this code: ${pending === "all" ? "no Signpost migrations are applied" : `${pending.length} migration(s) not applied (${pending.join(", ")})`}. ` +
        "The redirector never migrates: start the app (npm start) against this database once, then the redirector.",
    );
    this.name = "SchemaNotCurrentError";
  }
}

/** Throws a {@link SchemaNotCurrentError} unless every migration this code ships is applied (the /readyz check). */
async function assertSchemaCurrent(database: Database): Promise<void> {
  let pending: string[];
  try {
    pending = await pendingMigrationTags(database);
  } catch (error) {
    // 42P01 / 3F000: no drizzle.__drizzle_migrations at all, a database nobody has migrated.
    const code = (error as { code?: unknown }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
    if (code === "42P01" || code === "3F000") throw new SchemaNotCurrentError("all");
    throw error;
  }
  if (pending.length > 0) throw new SchemaNotCurrentError(pending);
}

export interface DirectStoreOptions {
  /** Postgres only: the embedded database belongs to the app process. */
  databaseUrl: string;
  poolMax: number;
  /** The click stream's Redis; without it every batch is committed in Postgres. */
  redisUrl?: string;
  redisKeyPrefix: string;
  geoipDatabase?: string;
}

/**
 * Opens the pool without migrating (throws {@link SchemaNotCurrentError} when the app has not
 * migrated this database to the code's schema yet; an unreachable database throws too), makes it the process database the server functions
 * use, loads the GeoIP database and connects the click stream.
 */
export async function openDirectStore(options: DirectStoreOptions): Promise<DirectStore> {
  if (!/^postgres(ql)?:\/\//.test(options.databaseUrl)) throw new Error("The direct store needs Postgres (DATABASE_URL=postgres://...)");
  const geo = geoDatabase(options.geoipDatabase);
  const database: Database = await openDatabase({ databaseUrl: options.databaseUrl, dataDir: "unused", poolMax: options.poolMax, migrate: false });
  try {
    await assertSchemaCurrent(database);
  } catch (error) {
    await database.close().catch(() => {});
    throw error;
  }
  setProcessDatabase(database);
  const redis = options.redisUrl ? openRedis(options.redisUrl, "signpost-redirector-ingest") : null;
  redis?.on("error", () => {}); // reported by the failing XADD (at most every 10 s), which falls back to Postgres
  const ingest = createClickIngest({ redis, keys: clickStreamKeys(options.redisKeyPrefix), geo, db: database.db });

  return {
    lookup: (domain, key) => lookupLinkForEdge(domain, key),
    linkChanges: (cursor) => readLinkChanges(cursor),
    reserveClick: (linkId) => reserveClick(linkId),
    recordPasswordAttempt: (linkId, visitor) => recordPasswordAttempt(linkId, visitor),
    async ingest(batch) {
      let clicks;
      try {
        clicks = clickBatchSchema.parse({ clicks: batch }).clicks;
      } catch (error) {
        if (error instanceof ZodError) throw new InvalidClickBatchError(error);
        throw error;
      }
      return ingest(clicks);
    },
    recordEdgeStats,
    metrics: () => redirectorMetricsRegistry(async () => database),
    async close() {
      if (redis) {
        try {
          await redis.quit();
        } catch {
          redis.disconnect();
        }
      }
      await database.close();
    },
  };
}
