// `npm run worker`: a click-pipeline worker (src/worker/main.ts) with the same defaults as `npm start`,
// from its bundle in dist/node/, built first when missing or older than the sources
// (scripts/build-node.mjs). SIGTERM / SIGINT reach the worker itself: it finishes its batch and exits.
import { runBundled } from "./build-node.mjs";
import { withDefaults } from "./lib/env-defaults.mjs";

Object.assign(process.env, withDefaults(process.env));
await runBundled("worker");
