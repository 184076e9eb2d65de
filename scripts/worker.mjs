// `npm run worker`: a click-pipeline worker (src/worker/main.ts) with the same defaults as `npm start`,
// from its bundle in dist/node/, built first when missing or older than the sources
// (scripts/build-node.mjs). SIGTERM / SIGINT reach the worker itself: it finishes its batch and exits.
import { pathToFileURL } from "node:url";
import { ensureNodeBuild, WORKER_ENTRY } from "./build-node.mjs";
import { root, withDefaults } from "./lib/env-defaults.mjs";

try {
  await ensureNodeBuild();
} catch (error) {
  console.error(`Signpost: bundling the worker failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
Object.assign(process.env, withDefaults(process.env));
// The server code finds drizzle/ (migrations) and the shipped GeoIP database from the working folder.
process.chdir(root);
// Stack traces in its logs name the TypeScript sources (the bundle carries source maps).
process.setSourceMapsEnabled(true);
await import(pathToFileURL(WORKER_ENTRY).href);
