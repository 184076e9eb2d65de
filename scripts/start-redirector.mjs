// `npm run start:redirector`: the standalone redirector (src/hosts/node), from its bundle in
// dist/node/, built first when missing or older than the sources (scripts/build-node.mjs).
// Its worker processes (REDIRECTOR_WORKERS) run this file too, and find the bundle current.
import { pathToFileURL } from "node:url";
import { ensureNodeBuild, REDIRECTOR_ENTRY } from "./build-node.mjs";
import { root } from "./lib/env-defaults.mjs";

try {
  await ensureNodeBuild();
} catch (error) {
  console.error(`Signpost: bundling the redirector failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
// Stack traces in its logs name the TypeScript sources (the bundle carries source maps).
process.setSourceMapsEnabled(true);
// Direct mode's server code finds drizzle/ (migrations) and the shipped GeoIP database from the working folder.
process.chdir(root);
await import(pathToFileURL(REDIRECTOR_ENTRY).href);
