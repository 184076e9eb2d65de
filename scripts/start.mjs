// `npm start`: the whole of Signpost in one process on the embedded default.
// 1. makes sure a secret exists (generated once into the data folder unless SIGNPOST_SECRET is set),
// 2. builds the app if the sources changed, 3. runs `next start`, which owns the database,
// applies migrations and runs background jobs in-process (instrumentation.ts).
// `node scripts/start.mjs --dev` runs `next dev` instead (no build).
import { spawn } from "node:child_process";
import path from "node:path";
import { ensureBuild } from "./build-if-stale.mjs";
import { root, withDefaults } from "./lib/env-defaults.mjs";

const dev = process.argv.includes("--dev");
const env = withDefaults(process.env);
// A long-lived process: the middleware sends its click batches every 100 ms instead of the 25 ms a
// serverless invocation waits for (README, configuration), a quarter of the ingest requests.
env.EDGE_CLICK_DELAY_MS ||= "100";

if (!dev) {
  try {
    ensureBuild();
  } catch (error) {
    console.error(String(error.message ?? error));
    process.exit(1);
  }
}

const next = path.join(root, "node_modules", "next", "dist", "bin", "next");
const child = spawn(process.execPath, [next, dev ? "dev" : "start", "-p", env.PORT], { cwd: root, env, stdio: "inherit" });
if (!dev) console.log(`Signpost: starting on ${env.APP_URL} — open it in a browser to set up the first workspace.`);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
