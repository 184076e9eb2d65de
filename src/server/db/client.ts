import "server-only";
import { AsyncResource } from "node:async_hooks";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import pg from "pg";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { serverConfig, tracingConfig } from "@/config/env";
import { logger } from "@/server/observability/logger";
import { timeMethod } from "@/server/observability/request-timing";
import { lockDataDir } from "./lock";
import * as schema from "./schema";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Parameterised SQL on the underlying driver, for libraries that bring their own SQL (pg-boss). */
export type RawQuery = (text: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

export interface Database {
  db: Db;
  mode: "embedded" | "postgres";
  query: RawQuery;
  close(): Promise<void>;
  /** Postgres only: connections in the pool (`total`, of which `idle`) and requests `waiting` for one. */
  poolStats?(): { total: number; idle: number; waiting: number };
}

/**
 * Makes every query on `pool` count as database time of the request that issued it (Server-Timing
 * `db`, src/server/observability/request-timing.ts). Queries run on the pool's clients, so each new
 * client's `query` is timed; `pool.query` and waiting callers get their connection in a callback
 * run by whichever request released it, so callbacks are bound back to their caller's context.
 */
function timePoolQueries(pool: pg.Pool): void {
  pool.on("connect", (client) => timeMethod(client, "query", "db"));
  const connect = pool.connect.bind(pool) as (callback?: (...args: unknown[]) => void) => unknown;
  (pool as unknown as { connect: typeof connect }).connect = (callback) => (typeof callback === "function" ? connect(AsyncResource.bind(callback)) : connect());
}

/** The same for embedded PGlite: its query, exec and transaction entry points. */
function timePgliteQueries(client: PGlite): void {
  for (const method of ["query", "exec", "transaction"] as const) timeMethod(client, method, "db");
}

export interface OpenOptions {
  /** Postgres URL; absent means embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  poolMax?: number;
  /**
   * Postgres only. `false`: apply no migrations, for processes that use the database but do not
   * own its schema (the standalone redirector in direct mode, which checks the schema itself with
   * `pendingMigrationTags`). Default true.
   */
  migrate?: boolean;
}

const MIGRATIONS = path.join(process.cwd(), "drizzle");
/** Serialises concurrent migrators (several instances starting at once). Any fixed 64-bit id. */
const MIGRATION_LOCK_ID = 4_716_320_551n;

/** Opens the database and applies pending migrations before returning. */
export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolMax ?? 10 });
    // An idle connection closed by the server (restart, failover, proxy timeout) is an 'error'
    // event on the pool; unhandled, it would end the process. The pool replaces the connection.
    pool.on("error", (error) => {
      logger().warn({ error: error.message }, "idle postgres connection lost");
    });
    timePoolQueries(pool);
    if (options.migrate !== false) {
      const client = await pool.connect();
      try {
        await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_ID.toString()]);
        await migratePg(drizzlePg(client, { schema }), { migrationsFolder: MIGRATIONS });
      } finally {
        await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_ID.toString()]).catch(() => {});
        client.release();
      }
    }
    return {
      db: drizzlePg(pool, { schema }) as unknown as Db,
      mode: "postgres",
      query: async (text, params) => ({ rows: (await pool.query(text, params)).rows }),
      close: () => pool.end(),
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    };
  }

  const release = lockDataDir(options.dataDir);
  try {
    const client = await PGlite.create(path.join(options.dataDir, "pglite"));
    // Tracing wraps the methods first, so the request timing also covers the span's bookkeeping.
    if (tracingConfig().endpoint) tracePglite(client);
    timePgliteQueries(client);
    const db = drizzlePglite(client, { schema });
    await migratePglite(db, { migrationsFolder: MIGRATIONS });
    return {
      db: db as unknown as Db,
      mode: "embedded",
      query: async (text, params) => ({ rows: (await client.query<Record<string, unknown>>(text, params)).rows }),
      close: async () => {
        await client.close();
        release();
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

type QueryFn = (text: string, params?: unknown[], options?: unknown) => Promise<unknown>;

/**
 * Spans for PGlite (Postgres has instrumentation-pg; PGlite has none): `pglite.query` per
 * statement and `pglite.transaction` around a transaction, only inside a traced operation (like
 * instrumentation-pg with requireParentSpan). Installed only when tracing is configured.
 */
function tracePglite(client: PGlite): void {
  const tracer = trace.getTracer("signpost-db");
  const attributes = { "db.system.name": "postgresql", "db.system": "postgresql", "db.namespace": "pglite" };
  const spanned =
    (query: QueryFn): QueryFn =>
    (text, params, options) => {
      if (!trace.getSpan(context.active())) return query(text, params, options);
      return tracer.startActiveSpan("pglite.query", { kind: SpanKind.CLIENT, attributes: { ...attributes, "db.query.text": text.slice(0, 2_000) } }, async (span) => {
        try {
          return await query(text, params, options);
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
          throw error;
        } finally {
          span.end();
        }
      });
    };
  const target = client as unknown as { query: QueryFn; transaction: (callback: (tx: { query: QueryFn }) => Promise<unknown>) => Promise<unknown> };
  target.query = spanned(client.query.bind(client) as QueryFn);
  const transaction = target.transaction.bind(client);
  target.transaction = (callback) => {
    const inTx = (tx: { query: QueryFn }) => {
      tx.query = spanned(tx.query.bind(tx));
      return callback(tx);
    };
    if (!trace.getSpan(context.active())) return transaction(inTx);
    return tracer.startActiveSpan("pglite.transaction", { kind: SpanKind.CLIENT, attributes }, async (span) => {
      try {
        return await transaction(inTx);
      } finally {
        span.end();
      }
    });
  };
}

// One database per process. Kept on globalThis because Next may evaluate this module once per
// route bundle; every bundle must share the single PGlite owner.
const GLOBAL_KEY = Symbol.for("signpost.database");
type Holder = { [GLOBAL_KEY]?: Promise<Database> };

/** The process-wide database, opened (and migrated) on first use from the typed config. */
export function getDatabase(): Promise<Database> {
  const holder = globalThis as Holder;
  if (!holder[GLOBAL_KEY]) {
    const config = serverConfig();
    holder[GLOBAL_KEY] = openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      poolMax: config.databasePoolMax,
    });
    holder[GLOBAL_KEY].catch(() => {
      delete holder[GLOBAL_KEY];
    });
  }
  return holder[GLOBAL_KEY];
}

/** Makes `database` the process-wide one (tests and tools that open their own). */
export function setProcessDatabase(database: Database): void {
  (globalThis as Holder)[GLOBAL_KEY] = Promise.resolve(database);
}

export async function getDb(): Promise<Db> {
  return (await getDatabase()).db;
}

/** Cheap liveness query, used by readiness checks. */
export async function pingDatabase(): Promise<void> {
  await (await getDb()).execute(sql`select 1`);
}
