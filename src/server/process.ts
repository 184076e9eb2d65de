import "server-only";
import { ConfigError, serverConfig } from "@/config/env";
import { getDatabase } from "@/server/db/client";
import { DataDirInUseError } from "@/server/db/lock";
import { startBackgroundJobs } from "@/server/jobs/runner";

/**
 * Start-up of a Next server process (called from instrumentation.ts): config, database +
 * migrations, then background jobs. Any failure here ends the process with a clear message rather
 * than serving requests that would all fail.
 */
export async function startServerProcess(): Promise<void> {
  try {
    const config = serverConfig();
    const database = await getDatabase();
    const jobs = await startBackgroundJobs(database);
    const stop = () => {
      jobs.stop().finally(() => database.close().finally(() => process.exit(0)));
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    console.log(
      JSON.stringify({
        level: "info",
        msg: "signpost ready",
        database: database.mode === "embedded" ? `embedded PGlite in ${config.dataDir}` : "postgres (DATABASE_URL)",
        appUrl: config.appUrl,
        shortDomains: config.shortDomains,
      }),
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
