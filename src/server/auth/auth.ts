import "server-only";
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { organization } from "better-auth/plugins";
import { createAccessControl } from "better-auth/plugins/access";
import { defaultStatements } from "better-auth/plugins/organization/access";
import { apiKey } from "@better-auth/api-key";
import { serverConfig } from "@/config/env";
import { getDb, type Db } from "@/server/db/client";
import * as schema from "@/server/db/schema";

/** Prefix of every Signpost API key, so leaked keys are easy to spot and scan for. */
export const API_KEY_PREFIX = "sp_";

// Workspace roles for Better Auth's organization plugin. Signpost's own authorization uses
// ROLE_SCOPES (src/core/scopes.ts); these statements govern Better Auth's endpoints.
const ac = createAccessControl({ ...defaultStatements, apiKey: ["create", "read", "update", "delete"] } as const);
const roles = {
  owner: ac.newRole({
    organization: ["update", "delete"],
    member: ["create", "update", "delete"],
    invitation: ["create", "cancel"],
    apiKey: ["create", "read", "update", "delete"],
  }),
  admin: ac.newRole({
    organization: ["update"],
    member: ["create", "update", "delete"],
    invitation: ["create", "cancel"],
    apiKey: ["create", "read", "update", "delete"],
  }),
  member: ac.newRole({ apiKey: ["read"] }),
  viewer: ac.newRole({ apiKey: ["read"] }),
};

function createAuth(db: Db) {
  const config = serverConfig();
  return betterAuth({
    appName: "Signpost",
    baseURL: config.appUrl,
    basePath: "/api/auth",
    secret: config.secret,
    // transaction: true — a sign-up writes user + account atomically, never half a user.
    database: drizzleAdapter(db, { provider: "pg", schema, transaction: true }),
    emailAndPassword: { enabled: true, minPasswordLength: 10 },
    telemetry: { enabled: false },
    logger: {
      // One JSON line per event, without Better Auth's attached objects (they can hold request
      // data). A rejected API key is a client error, already answered with a 401: not logged.
      log(level, message) {
        if (message.startsWith("Failed to validate API key")) return;
        const line = JSON.stringify({ level, source: "better-auth", msg: message });
        if (level === "error" || level === "warn") console.error(line);
        else console.log(line);
      },
    },
    plugins: [
      organization({ ac, roles, creatorRole: "owner", teams: { enabled: false } }),
      apiKey({
        references: "organization",
        defaultPrefix: API_KEY_PREFIX,
        enableMetadata: true,
        // Signpost rate-limits the API itself (edge and Node); Better Auth's per-key counter would
        // cap keys at 10 requests a day by default.
        rateLimit: { enabled: false },
      }),
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;

const GLOBAL_KEY = Symbol.for("signpost.auth");
type Holder = { [GLOBAL_KEY]?: { db: Db; auth: Auth } };

/** The process-wide Better Auth instance, bound to the process-wide database. */
export async function getAuth(): Promise<Auth> {
  const db = await getDb();
  const holder = globalThis as Holder;
  const cached = holder[GLOBAL_KEY];
  if (cached?.db === db) return cached.auth;
  const auth = createAuth(db);
  holder[GLOBAL_KEY] = { db, auth };
  return auth;
}
