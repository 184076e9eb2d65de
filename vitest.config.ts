import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const alias = {
  "@": fileURLToPath(new URL("./src", import.meta.url)),
  "server-only": fileURLToPath(new URL("./tests/support/server-only.ts", import.meta.url)),
};

// A fixed secret for tests; real instances get theirs from the environment or the data folder.
const env = { SIGNPOST_SECRET: "test-secret-0123456789abcdef0123456789abcdef", NODE_ENV: "test" as const };

/** Tests that start the built app on free ports: one shared `next build` (globalSetup), one file at a time. */
function builtAppProject(name: string, include: string[]) {
  return {
    resolve: { alias },
    test: {
      name,
      environment: "node" as const,
      include,
      env,
      globalSetup: ["tests/support/build-once.ts"],
      testTimeout: 120_000,
      hookTimeout: 300_000,
      fileParallelism: false,
    },
  };
}

export default defineConfig({
  test: {
    projects: [
      {
        // Runtime-neutral and edge code runs inside a real edge runtime (@edge-runtime/vm).
        resolve: { alias },
        test: { name: "edge", environment: "edge-runtime", include: ["src/core/**/*.test.ts", "src/edge/**/*.test.ts", "src/config/**/*.test.ts"], env },
      },
      {
        resolve: { alias },
        test: { name: "unit", environment: "node", include: ["src/server/**/*.test.ts", "src/hosts/**/*.test.ts", "scripts/**/*.test.ts"], env },
      },
      {
        // Real databases: PGlite always, Postgres too when DATABASE_URL is set.
        resolve: { alias },
        test: {
          name: "integration",
          environment: "node",
          include: ["tests/integration/**/*.test.ts"],
          // The services read no REDIS_URL (clicks commit in the database, as on the embedded
          // default); tests that exercise Redis take it from TEST_REDIS_URL and wire it in.
          env: { ...env, REDIS_URL: "", TEST_REDIS_URL: process.env.REDIS_URL ?? "" },
          globalSetup: ["tests/support/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      // The built app, started on free ports: one shared `next build` (globalSetup).
      builtAppProject("e2e", ["tests/e2e/**/*.test.ts", "tests/contract/next.test.ts"]),
      // The Cloudflare Worker host, bundled and run in workerd (Miniflare) against the built app.
      builtAppProject("workers", ["tests/workers/**/*.test.ts", "tests/contract/worker.test.ts"]),
      // The standalone Node redirector (src/hosts/node) as a child process, against the built app as origin.
      builtAppProject("hosts", ["tests/hosts/**/*.test.ts", "tests/contract/redirector.test.ts"]),
      {
        // next-runtime-audit (tools/runtime-audit): fixture projects and Signpost itself, through the bin.
        test: { name: "audit", environment: "node", include: ["tools/runtime-audit/**/*.test.ts"], testTimeout: 120_000 },
      },
    ],
  },
});
