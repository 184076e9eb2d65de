import { openDatabase, setProcessDatabase, type Database } from "@/server/db/client";
import { clonePglite, clonePostgres } from "./templates";

export type Backend = "pglite" | "postgres";

/** PGlite always; real Postgres too whenever DATABASE_URL is set (CI sets it). */
export function backends(): Backend[] {
  return process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
}

export interface TestDatabase {
  backend: Backend;
  database: Database;
  /** Closes the database and deletes it. */
  dispose(): Promise<void>;
}

/** A fresh, migrated database on `backend`, made the process-wide one for the services. */
export async function freshDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === "postgres") {
    const clone = await clonePostgres();
    const database = await openDatabase({ databaseUrl: clone.url, dataDir: "unused", poolMax: 4 });
    setProcessDatabase(database);
    return {
      backend,
      database,
      dispose: async () => {
        await database.close();
        await clone.drop();
      },
    };
  }
  const clone = clonePglite();
  const database = await openDatabase({ dataDir: clone.dataDir });
  setProcessDatabase(database);
  return {
    backend,
    database,
    dispose: async () => {
      await database.close();
      clone.remove();
    },
  };
}
