import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // PGlite loads its WASM and data files from its package folder at run time.
  // Tracing (instrumentation.ts) hooks `require` for pg and ioredis: both must load from node_modules, not a bundle.
  serverExternalPackages: ["@electric-sql/pglite", "pg", "pg-boss", "ioredis"],
  poweredByHeader: false,
  // `npm run typecheck` (CI) checks the whole tree, tests included; the build need not do it again,
  // and a test file being edited must not stop `npm start` from building the app.
  typescript: { ignoreBuildErrors: true },
  typedRoutes: false,
  // Files outside the app that the Node server reads at run time.
  outputFileTracingIncludes: {
    "/*": ["./drizzle/**/*"],
    "/api/internal/v1/clicks": ["./node_modules/@ip-location-db/geolite2-country-mmdb/geolite2-country.mmdb"],
    "/docs/api": ["./node_modules/swagger-ui-dist/package.json"],
    "/docs/api/assets/*": [
      "./node_modules/swagger-ui-dist/package.json",
      "./node_modules/swagger-ui-dist/swagger-ui-bundle.js",
      "./node_modules/swagger-ui-dist/swagger-ui.css",
    ],
  },
};

export default nextConfig;
