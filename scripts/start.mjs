// `npm start`: the whole of Signpost in one process on the embedded default.
// 1. makes sure a secret exists (generated once into the data folder unless SIGNPOST_SECRET is set),
// 2. builds the app if the sources changed, 3. runs `next start`, which owns the database,
// applies migrations and runs background jobs in-process (instrumentation.ts).
// `node scripts/start.mjs --dev` runs `next dev` instead (no build).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBuild } from "./build-if-stale.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const dev = process.argv.includes("--dev");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const port = env.PORT || "3000";
env.PORT = port;
env.APP_URL ||= `http://localhost:${port}`;

if (!env.SIGNPOST_SECRET) {
  const dataDir = path.resolve(root, env.DATA_DIR || ".signpost");
  const file = path.join(dataDir, "secret");
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
    const shown = path.relative(root, file).startsWith("..") ? file : path.relative(root, file);
    console.log(`Signpost: generated a secret in ${shown} (set SIGNPOST_SECRET to choose your own).`);
  }
  chmodSync(file, 0o600);
  env.SIGNPOST_SECRET = readFileSync(file, "utf8").trim();
  if (env.DATABASE_URL) {
    console.warn("Signpost: DATABASE_URL is set but SIGNPOST_SECRET is not; every instance sharing this database must use the same secret.");
  }
}

if (!dev) {
  try {
    ensureBuild();
  } catch (error) {
    console.error(String(error.message ?? error));
    process.exit(1);
  }
}

const next = path.join(root, "node_modules", "next", "dist", "bin", "next");
const child = spawn(process.execPath, [next, dev ? "dev" : "start", "-p", port], { cwd: root, env, stdio: "inherit" });
if (!dev) console.log(`Signpost: starting on ${env.APP_URL} — open it in a browser to set up the first workspace.`);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
