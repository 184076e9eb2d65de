// @ts-check
/**
 * The runtime boundary, enforced in CI (`npm run boundary`):
 *
 *   depcruise --config .dependency-cruiser.cjs src middleware.ts
 *
 * Code that runs on the edge - src/core (runtime-neutral), src/edge, src/config and middleware.ts -
 * must never reach, directly or transitively (through our own files AND through the packages it
 * imports), a Node built-in, a database/driver package, or anything in src/server or src/app.
 *
 * Transitive reach is checked with `reachable` rules: dependency-cruiser walks the whole module
 * graph, node_modules included, from every edge-side module. Reachable rules match on module paths
 * only, so built-ins are matched by name (the list comes from `node:module`, in both `fs` and
 * `node:fs` forms); the direct-import rule below additionally uses the `core` dependency type.
 *
 * Type-only imports (`import type`, or imports only used as types) are not reach: they are erased
 * before anything runs. `tsPreCompilationDeps: false` drops them from the graph altogether, so they
 * count neither for the direct rules nor for the reachable ones (reachable rules cannot filter on
 * dependency types, so `dependencyTypesNot: ["type-only"]` would not be enough).
 *
 * tests/fixtures/boundary-violation holds a tree that breaks these rules; scripts/boundary.test.ts
 * checks that it fails and that the real tree passes.
 */
const { builtinModules } = require("node:module");

/** Modules that run on the edge (paths are relative to the folder depcruise runs in). */
const EDGE_SIDE = "^(src/(core|edge|config)/|src/hosts/cloudflare/worker\\.ts$|middleware\\.[cm]?[jt]s$)";
/** Test files are not shipped to any runtime (and the test runner itself is Node). */
const TEST_FILES = "\\.(test|spec)\\.[cm]?[jt]sx?$";

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
// Every Node built-in, with and without the `node:` scheme (`node:test`, `node:sqlite` and friends
// exist only with the scheme, which the `node:` prefix alternative covers). Sub-paths such as
// `fs/promises` are in `builtinModules` themselves.
const NODE_BUILTINS = `^(node:|(${builtinModules.map(escape).join("|")})$)`;

// Database and driver packages, resolved (somewhere under node_modules) or not (bare specifier).
const DB_PACKAGES = [
  "pg",
  "pg-native",
  "pg-pool",
  "pg-boss",
  "postgres",
  "@electric-sql/pglite",
  "ioredis",
  "redis",
  "@redis/[^/]+",
  "better-sqlite3",
  "mysql2",
  "drizzle-orm/(node-postgres|pglite|postgres-js)",
  // Not a driver, but the explicit "Node server only" marker: nothing on the edge may pull it in.
  "server-only",
].join("|");
const DB_DRIVERS = [`(^|/)node_modules/(${DB_PACKAGES})(/|$)`, `^(${DB_PACKAGES})(/|$)`];

const SERVER_SIDE = "^src/(server|app)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "edge-no-node-builtins",
      severity: "error",
      comment:
        "Edge-side code (src/core, src/edge, src/config, middleware.ts) reaches a Node built-in, " +
        "directly or through a package it imports. The edge runtime has no Node APIs: use Web " +
        "standards (fetch, crypto.subtle, TextEncoder, ...) or move the code to src/server.",
      from: { path: EDGE_SIDE, pathNot: TEST_FILES },
      to: { path: NODE_BUILTINS, reachable: true },
    },
    {
      name: "edge-no-node-builtins-direct",
      severity: "error",
      comment: "Edge-side code imports a Node built-in (dependency type 'core').",
      from: { path: EDGE_SIDE, pathNot: TEST_FILES },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "edge-no-db-drivers",
      severity: "error",
      comment:
        "Edge-side code reaches a database/driver package (or server-only). Databases are " +
        "reached from the edge only over HTTP, through the origin's internal API.",
      from: { path: EDGE_SIDE, pathNot: TEST_FILES },
      to: { path: DB_DRIVERS, reachable: true },
    },
    {
      name: "edge-no-server-or-app",
      severity: "error",
      comment:
        "Edge-side code reaches src/server or src/app (Node-only code). Shared logic belongs in " +
        "src/core; configuration in src/config.",
      from: { path: EDGE_SIDE, pathNot: TEST_FILES },
      to: { path: SERVER_SIDE, reachable: true },
    },
    {
      name: "hosts-not-to-server",
      severity: "error",
      comment:
        "A host of the edge app (src/hosts: the Worker, and the Node redirector outside its direct " +
        "store) reaches src/server, src/app or server-only. Hosts talk to the origin over the signed " +
        "protocol; only the origin owns the database and the app's services. The one exception is " +
        "the Node redirector's direct mode (docs/decisions/0015), checked by the two rules below.",
      from: { path: "^src/hosts/", pathNot: [TEST_FILES, "^src/hosts/node/(main|redirector|direct)\\.ts$"] },
      to: { path: ["^src/(server|app)/", "(^|/)node_modules/server-only(/|$)", "^server-only$"], reachable: true },
    },
    {
      name: "node-host-server-through-direct-store",
      severity: "error",
      comment:
        "Only src/hosts/node/direct.ts (the redirector's direct mode) may import src/server, and " +
        "only src/server/internal/direct.ts: the store the origin's internal endpoints also run.",
      from: { path: "^src/hosts/", pathNot: [TEST_FILES, "^src/hosts/node/direct\\.ts$"] },
      to: { path: ["^src/(server|app)/", "(^|/)node_modules/server-only(/|$)", "^server-only$"] },
    },
    {
      name: "node-host-direct-store-entry",
      severity: "error",
      comment: "The redirector's direct mode reaches the server through src/server/internal/direct.ts only, and never src/app.",
      from: { path: "^src/hosts/node/direct\\.ts$" },
      to: { path: ["^src/app/", "^src/server/(?!internal/direct\\.ts$)"] },
    },
    {
      name: "core-not-to-edge",
      severity: "error",
      comment: "src/core is the bottom layer: it may not import from src/edge.",
      from: { path: "^src/core/" },
      to: { path: "^src/edge/" },
    },
  ],
  options: {
    // Only runtime imports count: type-only imports are erased by the compiler (see above).
    tsPreCompilationDeps: false,
    tsConfig: { fileName: "tsconfig.json" },
    // Tests are not shipped and are checked by their own vitest environments.
    exclude: { path: TEST_FILES },
    doNotFollow: {
      path: [
        // The framework: Next bundles `next/server` for the edge itself; following its
        // (Node-capable) internals would only produce noise and cost.
        "(^|/)node_modules/next/",
        // Flagged by name when reached from the edge; nothing to learn from their insides.
        `(^|/)node_modules/(${DB_PACKAGES})/`,
      ],
    },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      // Resolve packages the way an edge bundler would.
      conditionNames: ["edge-light", "worker", "browser", "import", "default"],
      mainFields: ["module", "main", "types", "typings"],
      extensions: [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".json"],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
