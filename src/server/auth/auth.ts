import "server-only";
import { betterAuth, type BetterAuthPlugin } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { organization } from "better-auth/plugins";
import { createAccessControl } from "better-auth/plugins/access";
import { defaultStatements } from "better-auth/plugins/organization/access";
import { apiKey } from "@better-auth/api-key";
import { getCurrentAdapter } from "@better-auth/core/context";
import { getIP } from "@better-auth/core/utils/ip";
import { serverConfig, type ServerConfig } from "@/config/env";
import { getDb, type Db } from "@/server/db/client";
import * as schema from "@/server/db/schema";
import { logger } from "@/server/observability/logger";
import { emailDelivery, sendEmail } from "@/server/email/mailer";
import { invitationEmail, passwordResetEmail, verifyEmailEmail } from "@/server/email/templates";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordProblem } from "./password-policy";
import { accountKey, AUTH_LIMITS, consume, ipKey, LIMITED_PATHS } from "./rate-limit";

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

/** How long the links in emails work. */
export const RESET_TOKEN_SECONDS = 60 * 60;
export const VERIFY_TOKEN_SECONDS = 24 * 60 * 60;
export const INVITATION_SECONDS = 7 * 24 * 60 * 60;
/** Sessions last 30 days, extended when used after a day. */
export const SESSION_SECONDS = 30 * 24 * 60 * 60;
/**
 * The signed session-data cookie (Better Auth's cookie cache) lives 5 minutes: the edge gate lets a
 * request through on it alone for that long; after that the request is checked against the
 * database and the cookie re-issued (src/app/api/auth/session-refresh).
 */
export const SESSION_DATA_SECONDS = 5 * 60;

/** App links put in emails; the pages under src/app/(account) answer them. */
export const emailLinks = {
  resetPassword: (appUrl: string, token: string) => `${appUrl}/reset-password?token=${encodeURIComponent(token)}`,
  verifyEmail: (appUrl: string, token: string) => `${appUrl}/verify-email?token=${encodeURIComponent(token)}`,
  invitation: (appUrl: string, id: string) => `${appUrl}/invite/${encodeURIComponent(id)}`,
};

/** The header Better Auth and Signpost read the client IP from (TRUSTED_IP_HEADER, else x-forwarded-for). */
function ipHeaders(config: ServerConfig): string[] {
  return [config.trustedIpHeader ?? "x-forwarded-for"];
}

/** Endpoints that work without a session (and must not be blocked by a stale cookie). */
const SESSIONLESS_PATHS = new Set([
  "/sign-in/email",
  "/sign-up/email",
  "/sign-out",
  "/get-session",
  "/request-password-reset",
  "/reset-password",
  "/verify-email",
  "/ok",
  "/error",
  "/api-key/verify",
]);

function tooMany(retryAfterSeconds: number): APIError {
  const minutes = Math.ceil(retryAfterSeconds / 60);
  return new APIError("TOO_MANY_REQUESTS", {
    code: "RATE_LIMITED",
    message: `Too many attempts. Try again in ${minutes <= 1 ? "a minute" : `${minutes} minutes`}.`,
  });
}

/**
 * Signpost's guards on Better Auth's endpoints, for HTTP calls and server-side `auth.api` calls
 * alike (the pages' server actions call `auth.api` directly, which bypasses Better Auth's own
 * HTTP rate limiter):
 * - new passwords must pass the password policy (length, breached-password list);
 * - sign-in, sign-up, reset and verification are limited per account (email), and per IP when the
 *   call is server-side with the visitor's headers (over HTTP Better Auth limits the IP itself);
 *   server-side calls without a visitor's headers (first-run setup, scripts) are not limited.
 */
function signpostGuards(config: ServerConfig): BetterAuthPlugin {
  return {
    id: "signpost-guards",
    hooks: {
      before: [
        {
          matcher: (ctx) => ["/sign-up/email", "/reset-password", "/change-password"].includes(ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            const body = (ctx.body ?? {}) as { password?: unknown; newPassword?: unknown };
            const password = ctx.path === "/sign-up/email" ? body.password : body.newPassword;
            if (typeof password !== "string") return;
            const problem = passwordProblem(password);
            if (problem) throw new APIError("BAD_REQUEST", { code: "WEAK_PASSWORD", message: problem });
          }),
        },
        {
          // Better Auth's session middleware trusts the signed cookie cache for its 5 minutes; a
          // session revoked in the meantime (sign out everywhere, password reset) must stop working
          // at once, and a user's fresh state (a just-confirmed email) must count. So every
          // session-bearing call is checked against the database, and the cache cookie is taken
          // off the request: only the edge gate reads it.
          matcher: (ctx) => !SESSIONLESS_PATHS.has(ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            const token = await ctx.getSignedCookie(ctx.context.authCookies.sessionToken.name, ctx.context.secret);
            if (!token) return;
            const found = await ctx.context.internalAdapter.findSession(token);
            if (!found || found.session.expiresAt < new Date()) {
              throw new APIError("UNAUTHORIZED", { code: "SESSION_REVOKED", message: "Your session has ended. Please sign in again." });
            }
            const cookie = ctx.headers?.get("cookie");
            const cacheName = ctx.context.authCookies.sessionData.name;
            if (!cookie || !cookie.includes(cacheName)) return;
            const kept = cookie
              .split(";")
              .filter((pair) => {
                const name = pair.split("=", 1)[0]!.trim();
                return name !== cacheName && !name.startsWith(`${cacheName}.`);
              })
              .join(";");
            return { context: { headers: new Headers({ cookie: kept }) } };
          }),
        },
        {
          matcher: (ctx) => (ctx.path ?? "") in LIMITED_PATHS,
          handler: createAuthMiddleware(async (ctx) => {
            // Calls with no visitor behind them (first-run setup, scripts) are not limited.
            if (!ctx.request && !ctx.headers) return;
            const flow = LIMITED_PATHS[ctx.path!]!;
            const limits = AUTH_LIMITS[flow];
            if (!ctx.request && ctx.headers) {
              const ip = getIP(ctx.headers, { advanced: { ipAddress: { ipAddressHeaders: ipHeaders(config) } } }) ?? "no-trusted-ip";
              const verdict = await consume(ipKey(flow, ip), limits.perIp);
              if (!verdict.allowed) throw tooMany(verdict.retryAfterSeconds);
            }
            const email = (ctx.body as { email?: unknown } | undefined)?.email;
            if (limits.perAccount && typeof email === "string" && email.length > 0) {
              const verdict = await consume(accountKey(flow, email), limits.perAccount);
              if (!verdict.allowed) throw tooMany(verdict.retryAfterSeconds);
            }
          }),
        },
      ],
    },
  };
}

function createAuth(db: Db) {
  const config = serverConfig();
  return betterAuth({
    appName: "Signpost",
    baseURL: config.appUrl,
    basePath: "/api/auth",
    secret: config.secret,
    // transaction: true — a sign-up writes user + account atomically, never half a user.
    database: drizzleAdapter(db, { provider: "pg", schema, transaction: true }),
    emailAndPassword: {
      enabled: true,
      minPasswordLength: MIN_PASSWORD_LENGTH,
      maxPasswordLength: MAX_PASSWORD_LENGTH,
      // Signing in works before the email is confirmed (the first-run owner has no mail server to
      // confirm with); accepting an invitation needs a confirmed email (organization plugin below).
      requireEmailVerification: false,
      resetPasswordTokenExpiresIn: RESET_TOKEN_SECONDS,
      revokeSessionsOnPasswordReset: true,
      async sendResetPassword({ user, token }) {
        const url = emailLinks.resetPassword(config.appUrl, token);
        await sendEmail({ to: user.email, ...passwordResetEmail({ name: user.name, url, expiresInSeconds: RESET_TOKEN_SECONDS }) });
      },
    },
    emailVerification: {
      sendOnSignUp: true,
      autoSignInAfterVerification: false,
      expiresIn: VERIFY_TOKEN_SECONDS,
      async sendVerificationEmail({ user, token }) {
        // Without a mail server in production there is no one to send it to; the pages say so.
        if (emailDelivery() === "unconfigured") return;
        const url = emailLinks.verifyEmail(config.appUrl, token);
        await sendEmail({ to: user.email, ...verifyEmailEmail({ name: user.name, url, expiresInSeconds: VERIFY_TOKEN_SECONDS }) });
      },
    },
    session: {
      expiresIn: SESSION_SECONDS,
      updateAge: 24 * 60 * 60,
      // The signed session-data cookie the edge gate reads (compact: base64url JSON + HMAC-SHA256).
      cookieCache: { enabled: true, maxAge: SESSION_DATA_SECONDS, strategy: "compact" },
    },
    databaseHooks: {
      session: {
        create: {
          // A new session starts in the user's first workspace, so pages and the API have one.
          async before(newSession, ctx) {
            if (newSession.activeOrganizationId || !ctx) return;
            // Through Better Auth's adapter: inside a sign-up transaction it is the transaction's
            // (a separate query would wait on it forever on PGlite's single connection).
            const adapter = await getCurrentAdapter(ctx.context.adapter);
            const [first] = await adapter.findMany<{ organizationId: string }>({
              model: "member",
              where: [{ field: "userId", value: newSession.userId }],
              sortBy: { field: "createdAt", direction: "asc" },
              limit: 1,
            });
            if (first) return { data: { ...newSession, activeOrganizationId: first.organizationId } };
          },
        },
      },
    },
    rateLimit: {
      // On in every environment (Better Auth's default is production only), stored in the database
      // so every instance shares the counts.
      enabled: true,
      storage: "database",
      window: 60,
      max: 100,
      customRules: {
        "/sign-in/email": { window: AUTH_LIMITS.signIn.perIp.windowSeconds, max: AUTH_LIMITS.signIn.perIp.max },
        "/sign-up/email": { window: AUTH_LIMITS.signUp.perIp.windowSeconds, max: AUTH_LIMITS.signUp.perIp.max },
        "/request-password-reset": { window: AUTH_LIMITS.requestReset.perIp.windowSeconds, max: AUTH_LIMITS.requestReset.perIp.max },
        "/reset-password": { window: AUTH_LIMITS.resetPassword.perIp.windowSeconds, max: AUTH_LIMITS.resetPassword.perIp.max },
        "/send-verification-email": { window: AUTH_LIMITS.sendVerification.perIp.windowSeconds, max: AUTH_LIMITS.sendVerification.perIp.max },
      },
    },
    advanced: { ipAddress: { ipAddressHeaders: ipHeaders(config) } },
    telemetry: { enabled: false },
    logger: {
      // One JSON line per event, without Better Auth's attached objects (they can hold request
      // data). A rejected API key is a client error, already answered with a 401: not logged.
      log(level, message) {
        if (message.startsWith("Failed to validate API key")) return;
        logger()[level]({ source: "better-auth" }, message);
      },
    },
    plugins: [
      signpostGuards(config),
      organization({
        ac,
        roles,
        creatorRole: "owner",
        teams: { enabled: false },
        invitationExpiresIn: INVITATION_SECONDS,
        cancelPendingInvitationsOnReInvite: true,
        requireEmailVerificationOnInvitation: true,
        async sendInvitationEmail(data) {
          const url = emailLinks.invitation(config.appUrl, data.id);
          await sendEmail({
            to: data.email,
            ...invitationEmail({
              inviter: data.inviter.user.name || data.inviter.user.email,
              workspace: data.organization.name,
              role: data.role,
              url,
              expiresInSeconds: INVITATION_SECONDS,
            }),
          });
        },
      }),
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
