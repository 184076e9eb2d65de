import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

/**
 * Lint (`npm run lint` = `eslint .`): Next's core-web-vitals + TypeScript presets (flat configs,
 * exported as arrays by eslint-config-next 16), plus one project rule: configuration comes from
 * the typed env module only. `process.env` is read in src/config/env.ts and nowhere else in the
 * application; start-up, tooling and tests may read it directly.
 */
export default defineConfig([
  ...nextVitals,
  ...nextTs,

  globalIgnores([
    ".next/**",
    "out/**",
    "build/**",
    "next-env.d.ts",
    "node_modules/**",
    "coverage/**",
    // Generated: benchmarks' scratch projects and the Worker bundle.
    "tmp/**",
    "dist/**",
    "drizzle/**",
    // Deliberately broken trees (e.g. the runtime-boundary fixture for dependency-cruiser).
    "tests/fixtures/**",
    // next-runtime-audit's fixture projects (deliberately edge-hostile code).
    "tools/runtime-audit/test/fixtures/**",
  ]),

  {
    // The code base marks intentionally unused bindings with a leading underscore
    // (`_database`, `const { archived: _archived, ...rest } = row`).
    name: "signpost/unused-underscore",
    files: ["**/*.{ts,tsx,mts,cts}"],
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "warn",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    name: "signpost/config-only-from-env-module",
    rules: {
      "no-restricted-properties": [
        "error",
        {
          object: "process",
          property: "env",
          message:
            "Read configuration through src/config/env.ts (edgeConfig()/serverConfig()), not process.env: " +
            "it is the one typed, validated configuration module.",
        },
      ],
    },
  },
  {
    name: "signpost/process-env-allowed",
    files: [
      "src/config/env.ts",
      // Checks NEXT_RUNTIME before anything else is loaded.
      "instrumentation.ts",
      "scripts/**",
      "tests/**",
      "vitest.config.ts",
      "drizzle.config.ts",
      ".ci/**",
    ],
    rules: { "no-restricted-properties": "off" },
  },
  {
    // CommonJS tool configs (e.g. .dependency-cruiser.cjs, which must be CJS in a "type": "module" package).
    name: "signpost/commonjs-configs",
    files: ["**/*.cjs"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
]);
