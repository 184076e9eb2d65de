/**
 * Child process for postgres-pool.test.ts (not a test itself): opens the app's database on the
 * Postgres URL given as argument, leaves one idle pooled connection, has the server terminate it,
 * then queries again. A process that survives prints "survived"; one that crashes exits non-zero.
 */
import pg from "pg";
import { openDatabase } from "@/server/db/client";

const url = process.argv[2];
if (!url) throw new Error("usage: terminate-idle-connection.ts <postgres url>");

const database = await openDatabase({ databaseUrl: url, dataDir: "unused", poolMax: 2 });
await database.query("select 1"); // the pool now holds an idle connection
console.log("idle connection open");

const admin = new pg.Client({ connectionString: url });
await admin.connect();
const { rows } = await admin.query(
  "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
);
await admin.end();
console.log(`terminated ${rows.length}`);

await new Promise((resolve) => setTimeout(resolve, 300));
const { rows: after } = await database.query("select 1 as ok");
console.log(`survived ${JSON.stringify(after)}`);
await database.close();
