// Bundles Signpost's two Node processes outside Next with esbuild into dist/node/: the standalone
// redirector (src/hosts/node/main.ts → redirector.mjs) and the click-pipeline worker
// (src/worker/main.ts → worker.mjs), so `npm run start:redirector` and `npm run worker` run plain
// JavaScript: no TypeScript loader, no transpiling at start. Code they share is one chunk.
// Packages stay imports from node_modules; the redirector's direct mode (src/hosts/node/direct.ts
// and the database, queue and GeoIP code behind it) stays a chunk of its own, loaded only in
// direct mode. `ensureNodeBuild()` rebuilds only when the sources changed (the same content
// fingerprint as the Next build's).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { sourceFingerprint } from "./build-if-stale.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
export const NODE_DIST = path.join(root, "dist", "node");
/** Each bundled process: its output name (`<name>.mjs`) and its TypeScript entry. */
const ENTRIES = {
  redirector: path.join(root, "src", "hosts", "node", "main.ts"),
  worker: path.join(root, "src", "worker", "main.ts"),
};
const INPUTS = ["src", "package.json", "package-lock.json", "tsconfig.json"];

/** Bundles into `outdir`: redirector.mjs, worker.mjs and their chunks, with source maps. Returns esbuild's metafile. */
export async function bundleNode(outdir) {
  const result = await build({
    entryPoints: ENTRIES,
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    // `server-only` guards server modules against client bundles; in these Node processes it is the
    // empty module the react-server condition would resolve it to, so no condition flag is needed.
    alias: { "server-only": path.join(root, "src", "hosts", "node", "server-only.ts") },
    tsconfig: path.join(root, "tsconfig.json"),
    sourcemap: true,
    metafile: true,
    logLevel: "warning",
  });
  return result.metafile;
}

/** Whether `dir` holds every entry, built from sources with this fingerprint. */
function current(dir, fingerprint) {
  const stamp = path.join(dir, "fingerprint");
  return Object.keys(ENTRIES).every((name) => existsSync(path.join(dir, `${name}.mjs`))) && existsSync(stamp) && readFileSync(stamp, "utf8") === fingerprint;
}

/** Bundles unless `dir` (dist/node) matches the sources. Returns whether it built. */
export async function ensureNodeBuild({ quiet = false, dir = NODE_DIST } = {}) {
  const fingerprint = sourceFingerprint(INPUTS);
  if (current(dir, fingerprint)) return false;
  if (!quiet) console.error("Signpost: bundling the redirector and the worker (first start or sources changed)…");
  // Built beside the old bundle and swapped in whole, so no process ever loads half of one build.
  // Names of its own: two builders (say a test run's setups, in one process) never share a folder.
  const tag = `${process.pid}.${Math.random().toString(36).slice(2, 10)}`;
  const staging = `${dir}.${tag}.tmp`;
  mkdirSync(staging, { recursive: true });
  try {
    await bundleNode(staging);
    writeFileSync(path.join(staging, "fingerprint"), fingerprint);
    // Another process (a second worker starting at the same time) may have swapped in the same build.
    if (current(dir, fingerprint)) return false;
    const old = `${dir}.${tag}.old`;
    try {
      renameSync(dir, old);
    } catch (error) {
      if (error.code !== "ENOENT") throw error; // first build, or another process moved it away
    }
    try {
      renameSync(staging, dir);
    } catch (error) {
      if (!current(dir, fingerprint)) throw error;
    }
    rmSync(old, { recursive: true, force: true });
    return true;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Runs one bundled process (`redirector` or `worker`) in this process: the bundle built first when
 * missing or older than the sources, source-mapped stack traces, and the project root as working
 * folder (the server code finds drizzle/ and the shipped GeoIP database from there).
 */
export async function runBundled(name) {
  try {
    await ensureNodeBuild();
  } catch (error) {
    console.error(`Signpost: bundling the ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  process.setSourceMapsEnabled(true);
  process.chdir(root);
  await import(pathToFileURL(path.join(NODE_DIST, `${name}.mjs`)).href);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await ensureNodeBuild();
  console.error(`Signpost: redirector and worker bundles in ${path.relative(root, NODE_DIST)}/`);
}
