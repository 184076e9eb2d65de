// What the audit knows about the edge runtime: Next's own lists (copied from next/dist, Next 16)
// and a curated list of packages, with what to use instead.

import { builtinModules } from "node:module";

/** Node built-ins Next polyfills in its edge runtime (middleware-plugin.js SUPPORTED_NATIVE_MODULES). */
export const POLYFILLED_BUILTINS = new Set(["buffer", "events", "assert", "util", "async_hooks"]);

const BUILTINS = new Set(builtinModules);

/** `node:fs` / `fs` / `fs/promises` / `bun:sqlite` → "fs" / "fs/promises" / "bun:sqlite"; null if not a built-in. */
export function builtinName(spec) {
  if (spec.startsWith("bun:") || spec === "bun") return spec;
  const bare = spec.startsWith("node:") ? spec.slice(5) : spec;
  if (BUILTINS.has(bare) || spec.startsWith("node:")) return bare;
  return null;
}

/** Packages the framework provides at the edge itself; the audit does not walk into them. */
export const FRAMEWORK_PACKAGES = new Set(["next", "react", "react-dom", "server-only", "client-only", "styled-jsx", "@next/env"]);

/** Packages whose only purpose is to load a native addon. */
export const NATIVE_LOADERS = new Set(["bindings", "node-gyp-build", "node-gyp-build-optional-packages", "@mapbox/node-pre-gyp", "node-pre-gyp", "prebuild-install", "node-addon-api"]);

/** Packages that may use eval / new Function harmlessly (next/dist/lib/known-edge-safe-packages.json). */
export const KNOWN_SAFE_DYNAMIC_PACKAGES = new Set(["function-bind"]);

/**
 * The curated list. `edge`: "breaks" = fails (or cannot work) in the edge runtime; "ok" = works there.
 * `category` drives the decision hints: db / payment / email / image / auth-crypto / other.
 * @type {Record<string, { edge: "breaks" | "ok"; category: string; why: string; instead: string }>}
 */
export const PACKAGES = {
  jsonwebtoken: { edge: "breaks", category: "auth-crypto", why: "uses Node crypto and Buffer streams", instead: "jose (Web Crypto)" },
  bcrypt: { edge: "breaks", category: "auth-crypto", why: "native addon", instead: "Web Crypto PBKDF2 (crypto.subtle.deriveBits) or @noble/hashes (scrypt/argon2)" },
  bcryptjs: { edge: "breaks", category: "auth-crypto", why: "CPU-bound hashing in JS exceeds edge CPU limits; relies on Node crypto for randomness", instead: "Web Crypto PBKDF2 or @noble/hashes" },
  argon2: { edge: "breaks", category: "auth-crypto", why: "native addon", instead: "@noble/hashes argon2id, or hash in a Node route" },
  sharp: { edge: "breaks", category: "image", why: "native addon (libvips)", instead: "none at the edge: keep image work in a Node route" },
  canvas: { edge: "breaks", category: "image", why: "native addon", instead: "a Node route, or @vercel/og / satori for OG images" },
  puppeteer: { edge: "breaks", category: "other", why: "spawns a browser process", instead: "a Node route or a browser-as-a-service API" },
  "@prisma/client": { edge: "breaks", category: "db", why: "the default engine is a native binary / Node-only", instead: "Prisma with a driver adapter (e.g. @prisma/adapter-neon) or Prisma Accelerate" },
  pg: { edge: "breaks", category: "db", why: "TCP sockets (net/tls)", instead: "@neondatabase/serverless or another HTTP/WebSocket driver" },
  "pg-pool": { edge: "breaks", category: "db", why: "TCP sockets (net/tls)", instead: "@neondatabase/serverless" },
  postgres: { edge: "breaks", category: "db", why: "TCP sockets (net/tls) outside Cloudflare's connect()", instead: "@neondatabase/serverless, or postgres on Workers with nodejs_compat" },
  "pg-boss": { edge: "breaks", category: "db", why: "a Postgres job queue on pg (TCP)", instead: "enqueue from a Node route" },
  mysql: { edge: "breaks", category: "db", why: "TCP sockets", instead: "@planetscale/database" },
  mysql2: { edge: "breaks", category: "db", why: "TCP sockets", instead: "@planetscale/database" },
  "better-sqlite3": { edge: "breaks", category: "db", why: "native addon", instead: "@libsql/client (HTTP) or Cloudflare D1" },
  sqlite3: { edge: "breaks", category: "db", why: "native addon", instead: "@libsql/client (HTTP) or Cloudflare D1" },
  "@electric-sql/pglite": { edge: "breaks", category: "db", why: "an in-process database with a filesystem data directory", instead: "keep it in a Node route" },
  mongodb: { edge: "breaks", category: "db", why: "TCP sockets", instead: "the MongoDB Atlas Data API over fetch" },
  mongoose: { edge: "breaks", category: "db", why: "TCP sockets (mongodb driver)", instead: "the MongoDB Atlas Data API over fetch" },
  ioredis: { edge: "breaks", category: "db", why: "TCP sockets", instead: "@upstash/redis (HTTP)" },
  redis: { edge: "breaks", category: "db", why: "TCP sockets", instead: "@upstash/redis (HTTP)" },
  nodemailer: { edge: "breaks", category: "email", why: "SMTP over TCP sockets", instead: "a Node route, or an HTTP email API (Resend, Postmark, SES over fetch)" },
  "firebase-admin": { edge: "breaks", category: "db", why: "Node-only SDK (gRPC, fs)", instead: "a Node route, or the Firebase REST API" },
  "aws-sdk": { edge: "breaks", category: "other", why: "v2 SDK is Node-only", instead: "AWS SDK v3 (@aws-sdk/*) or aws4fetch" },
  "@neondatabase/serverless": { edge: "ok", category: "db", why: "HTTP/WebSocket Postgres driver", instead: "" },
  "@planetscale/database": { edge: "ok", category: "db", why: "HTTP MySQL driver", instead: "" },
  "@libsql/client": { edge: "ok", category: "db", why: "HTTP driver (web entry)", instead: "" },
  "@vercel/postgres": { edge: "ok", category: "db", why: "Neon HTTP driver", instead: "" },
  "@upstash/redis": { edge: "ok", category: "db", why: "HTTP Redis", instead: "" },
  "@supabase/supabase-js": { edge: "ok", category: "db", why: "HTTP client", instead: "" },
  "drizzle-orm": { edge: "ok", category: "db", why: "ORM; edge-safe only with an HTTP driver", instead: "" },
  "@prisma/adapter-neon": { edge: "ok", category: "db", why: "Prisma driver adapter", instead: "" },
  stripe: { edge: "ok", category: "payment", why: "payment SDK (fetch-based since v11)", instead: "" },
  "@paypal/paypal-server-sdk": { edge: "ok", category: "payment", why: "payment SDK", instead: "" },
  braintree: { edge: "breaks", category: "payment", why: "Node-only payment SDK", instead: "a Node route" },
};

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; relative/absolute → null. */
export function packageName(spec) {
  if (spec.startsWith(".") || spec.startsWith("/") || spec.startsWith("#")) return null;
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Environment variable names that look like secrets. */
const SECRET_WORDS = /(SECRET|PASSWORD|PASSWD|PRIVATE|TOKEN|API_?KEY|ACCESS_?KEY|CREDENTIAL)/i;
const NOT_A_SECRET = /_(TTL|SECONDS|MS|MINUTES|HOURS|DAYS|URL|HEADER|LENGTH|MIN|MAX|COUNT|LIMIT|ENABLED)$/i;
export const looksSecret = (name) => SECRET_WORDS.test(name) && !NOT_A_SECRET.test(name);
