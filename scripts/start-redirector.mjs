// `npm run start:redirector`: the standalone redirector (src/hosts/node), from its bundle in
// dist/redirector/, built first when missing or older than the sources (scripts/build-redirector.mjs).
// Its worker processes (REDIRECTOR_WORKERS) run this file too, and find the bundle current.
import { pathToFileURL } from "node:url";
import { ensureRedirectorBuild, REDIRECTOR_ENTRY } from "./build-redirector.mjs";

try {
  await ensureRedirectorBuild();
} catch (error) {
  console.error(`Signpost: bundling the redirector failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
// Stack traces in its logs name the TypeScript sources (the bundle carries source maps).
process.setSourceMapsEnabled(true);
await import(pathToFileURL(REDIRECTOR_ENTRY).href);
