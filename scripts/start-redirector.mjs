// `npm run start:redirector`: the standalone redirector (src/hosts/node), from its bundle in
// dist/node/, built first when missing or older than the sources (scripts/build-node.mjs).
// Its worker processes (REDIRECTOR_WORKERS) run this file too, and find the bundle current.
import { runBundled } from "./build-node.mjs";

await runBundled("redirector");
