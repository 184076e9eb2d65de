// Bundles the standalone redirector (src/hosts/node/main.ts) into dist/redirector/ with esbuild, so
// `npm run start:redirector` runs plain JavaScript: no TypeScript loader, no transpiling at start.
// Packages stay imports from node_modules; direct mode's modules (src/hosts/node/direct.ts and the
// database, queue and GeoIP code behind it) stay a chunk of their own, loaded only in direct mode.
// `ensureRedirectorBuild()` rebuilds only when the sources changed (the same content fingerprint
// as the Next build's).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { sourceFingerprint } from "./build-if-stale.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
export const REDIRECTOR_DIR = path.join(root, "dist", "redirector");
export const REDIRECTOR_ENTRY = path.join(REDIRECTOR_DIR, "redirector.mjs");
const STAMP = path.join(REDIRECTOR_DIR, "fingerprint");
const INPUTS = ["src", "package.json", "package-lock.json", "tsconfig.json"];

/** Bundles into `outdir`: redirector.mjs and its chunks, with source maps. Returns esbuild's metafile. */
export async function bundleRedirector(outdir) {
  const result = await build({
    entryPoints: { redirector: path.join(root, "src", "hosts", "node", "main.ts") },
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    // `server-only` guards server modules against client bundles; in this Node process it is the
    // empty module the react-server condition would resolve it to, so no condition flag is needed.
    alias: { "server-only": path.join(root, "src", "hosts", "node", "server-only.ts") },
    tsconfig: path.join(root, "tsconfig.json"),
    sourcemap: true,
    metafile: true,
    logLevel: "warning",
  });
  return result.metafile;
}

/** Bundles unless dist/redirector matches the sources. Returns whether it built. */
export async function ensureRedirectorBuild({ quiet = false } = {}) {
  const fingerprint = sourceFingerprint(INPUTS);
  if (existsSync(REDIRECTOR_ENTRY) && existsSync(STAMP) && readFileSync(STAMP, "utf8") === fingerprint) return false;
  if (!quiet) console.error("Signpost: bundling the redirector (first start or sources changed)…");
  // Built beside the old bundle and swapped in whole: a process starting meanwhile sees one or the other.
  const staging = `${REDIRECTOR_DIR}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await bundleRedirector(staging);
  writeFileSync(path.join(staging, "fingerprint"), fingerprint);
  const old = `${REDIRECTOR_DIR}.${process.pid}.old`;
  if (existsSync(REDIRECTOR_DIR)) renameSync(REDIRECTOR_DIR, old);
  renameSync(staging, REDIRECTOR_DIR);
  rmSync(old, { recursive: true, force: true });
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await ensureRedirectorBuild();
  console.error(`Signpost: redirector bundle in ${path.relative(root, REDIRECTOR_DIR)}/`);
}
