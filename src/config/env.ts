/**
 * The one typed configuration module. Nothing else in `src/` reads `process.env`.
 *
 * Two views of the same environment:
 * - `edgeConfig()`  — what the edge app needs (hosts, origin, shared secret, which request
 *   headers to trust). Safe to import from edge code: it uses zod only and reads `process.env`,
 *   which every edge host provides.
 * - `serverConfig()` — everything the Node side needs (database, data folder, auth).
 *
 * Both parse once and cache. An invalid or missing value throws a `ConfigError` whose message
 * names every offending variable, so a bad start stops with an actionable line.
 */
import { z } from "zod";

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; problem: string }[]) {
    super(
      "Invalid Signpost configuration:\n" +
        issues.map((i) => `  - ${i.variable}: ${i.problem}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

const url = z
  .url({ protocol: /^https?$/, hostname: /.+/, error: "must be an http:// or https:// URL" })
  .transform((value) => value.replace(/\/+$/, ""));

const hostList = z
  .string()
  .transform((value) =>
    value
      .split(",")
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[a-z0-9.-]+(:\d+)?$/, "each entry must be a host, e.g. sgn.st or localhost:3000")));

const secret = z.string().min(32, "must be at least 32 characters (use `openssl rand -hex 32`)");

/** An HTTP header name (an RFC 9110 token), lower-cased the way `Headers` reports them. */
const headerName = z
  .string()
  .trim()
  .max(100, "must be at most 100 characters")
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be an HTTP header name, e.g. x-real-ip")
  .toLowerCase();

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const GEO_PLATFORMS = ["vercel", "cloudflare"] as const;
export type GeoPlatform = (typeof GEO_PLATFORMS)[number];

/** `vercel`, `cloudflare`, both (comma list, in order of preference) or `none`. */
const geoPlatformList = z
  .string()
  .transform((value) => [...new Set(value.split(",").map((entry) => entry.trim().toLowerCase()).filter(Boolean))])
  .pipe(
    z
      .array(z.enum([...GEO_PLATFORMS, "none"], { error: "each entry must be vercel, cloudflare or none" }))
      .min(1, "must list vercel, cloudflare (comma-separated) or be none")
      .refine((list) => !list.includes("none") || list.length === 1, "none cannot be combined with a platform"),
  )
  .transform((list) => list.filter((entry): entry is GeoPlatform => entry !== "none"));

/** EDGE_CHANGES_POLL_MS's default: the link-change feed is polled every 2 s (docs/decisions/0032). */
export const DEFAULT_CHANGES_POLL_MS = 2_000;

const edgeSchema = z.object({
  /** Public origin of the dashboard and API, e.g. https://app.example.com. */
  APP_URL: url.default("http://localhost:3000"),
  /** Hosts that serve short links. Defaults to APP_URL's host (the embedded single-host setup). */
  SHORT_DOMAINS: hostList.optional(),
  /** Where the edge app reaches the Node origin's internal endpoints. Defaults to APP_URL. */
  ORIGIN_URL: url.optional(),
  /** Shared secret: signs the edge <-> origin protocol and Better Auth sessions. */
  SIGNPOST_SECRET: secret,
  /**
   * Whose geolocation headers to trust: Vercel's `x-vercel-ip-*`, Cloudflare's `cf-ip*` /
   * `cf-region-code`, or none. Headers of an untrusted platform are ignored: any client can send
   * them. Trust only the platform you actually run behind.
   */
  GEO_HEADERS: geoPlatformList.default((): GeoPlatform[] => ["vercel", "cloudflare"]),
  /** Custom geo headers set by a reverse proxy you run; trusted, and they win over platform headers. */
  GEO_COUNTRY_HEADER: headerName.optional(),
  GEO_REGION_HEADER: headerName.optional(),
  GEO_CITY_HEADER: headerName.optional(),
  /**
   * Header carrying the client IP, set by a proxy you trust (x-real-ip, cf-connecting-ip,
   * x-forwarded-for, ...). Unset: the IP the host reports, if any.
   */
  TRUSTED_IP_HEADER: headerName.optional(),
  /**
   * Whether hosts other than the app host, the origin and SHORT_DOMAINS are answered as custom
   * short domains (docs/domains.md). `off`: only SHORT_DOMAINS serve short links.
   */
  CUSTOM_DOMAINS: z.enum(["on", "off"], { error: "must be on or off" }).default("on"),
  /** Where `/` on a short-link host (not the app host) sends visitors; unset answers 404. */
  HOME_URL: url.optional(),
  /** How long a correct link password is remembered, in seconds (default one day). */
  LINK_PASSWORD_TTL_SECONDS: z.coerce.number().int().min(60).max(31_536_000).default(86_400),
  /**
   * Longest wait, in ms, before the edge sends a partial batch of clicks to the origin. Unset: each
   * host's default (25 in Next's middleware, whose invocation waits for the batch on serverless
   * platforms; 100 in the Node redirector). A long-lived `next start` does better with 100: fewer,
   * fuller batches, each of which costs the origin a signed request and a transaction.
   */
  EDGE_CLICK_DELAY_MS: z.coerce
    .number({ error: "must be a number of milliseconds (1-5000)" })
    .int("must be a whole number of milliseconds (1-5000)")
    .min(1, "must be a number of milliseconds (1-5000)")
    .max(5000, "must be a number of milliseconds (1-5000)")
    .optional(),
  /**
   * How often, in ms, an edge cache asks the origin which links changed (the link-change feed,
   * docs/decisions/0032-link-change-feed.md); only while requests arrive. 0 turns the feed off:
   * cached links are then refreshed every 30 s.
   */
  EDGE_CHANGES_POLL_MS: z.coerce
    .number({ error: "must be 0 (off) or a number of milliseconds (100-600000)" })
    .int("must be 0 (off) or a whole number of milliseconds (100-600000)")
    .refine((ms) => ms === 0 || (ms >= 100 && ms <= 600_000), "must be 0 (off) or a number of milliseconds (100-600000)")
    .default(DEFAULT_CHANGES_POLL_MS),
  /** Least severe log level written (JSON lines on stdout): debug, info, warn, error or silent. */
  LOG_LEVEL: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(LOG_LEVELS, { error: "must be one of debug, info, warn, error, silent" }))
    .default("info"),
});

/** Redis for link-change events (origin publishes, standalone redirectors evict). */
const redisUrl = z.url({ protocol: /^rediss?$/, hostname: /.+/, error: "must be a redis:// or rediss:// URL" });

const serverSchema = edgeSchema.extend({
  /** When set, the origin publishes every committed link change on Redis (`signpost:link-changed`). */
  REDIS_URL: redisUrl.optional(),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** Any Postgres. When absent, Signpost runs on embedded PGlite in DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  /** Folder for embedded data (PGlite files). Git-ignored by default. */
  DATA_DIR: z.string().min(1).default(".signpost"),
  /** When set, first-run setup requires this token (recommended on public hosts). */
  SETUP_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /** Size of the Postgres connection pool in server mode. */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /**
   * Outgoing mail (password reset, email verification, invitations): smtp:// or smtps://, e.g.
   * smtp://user:pass@mail.example.com:587. Unset: emails are printed to the console in development
   * and test, and flows that need email say it is not configured in production.
   */
  SMTP_URL: z.url({ protocol: /^smtps?$/, hostname: /.+/, error: "must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@host:587" }).optional(),
  /** Sender of every email, e.g. `Signpost <no-reply@example.com>`. Defaults to no-reply@ the APP_URL host. */
  EMAIL_FROM: z.string().trim().min(3).max(200).regex(/@/, "must contain an email address, e.g. Signpost <no-reply@example.com>").optional(),
  /**
   * Click-stream consumers inside the app process when REDIS_URL is set (0 = only `npm run worker`
   * stores clicks). With the embedded database the app process is the only one that can.
   */
  CLICK_CONSUMERS: z.coerce.number({ error: "must be a number (0-16)" }).int("must be a number (0-16)").min(0, "must be a number (0-16)").max(16, "must be a number (0-16)").default(1),
  /** A click left unacknowledged this long by a consumer (a crashed worker) is claimed by another. */
  CLICK_CLAIM_IDLE_SECONDS: z.coerce.number({ error: "must be a number of seconds (1-3600)" }).int().min(1, "must be a number of seconds (1-3600)").max(3600, "must be a number of seconds (1-3600)").default(30),
  /** How many clicks a stream consumer gathers into one transaction under load (src/server/clicks/stream.ts). */
  CLICK_ROUND_CLICKS: z.coerce.number({ error: "must be a number of clicks (1-100000)" }).int("must be a number of clicks (1-100000)").min(1, "must be a number of clicks (1-100000)").max(100_000, "must be a number of clicks (1-100000)").default(10_000),
  /** Raw clicks older than this many days are deleted daily; rollups stay. 0 keeps them forever. */
  CLICK_RETENTION_DAYS: z.coerce.number({ error: "must be a number of days (0 = keep forever)" }).int("must be a whole number of days").min(0, "must be a number of days (0 = keep forever)").max(36_500, "must be at most 36500 days").default(0),
  /** Prefix of Signpost's Redis keys (the click stream), so several installations can share a Redis. */
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, "must be 1-64 letters, digits or : _ . -").default("signpost:"),
  /**
   * DNS servers that verify custom domains (TXT `_signpost-challenge.<host>`): comma-separated
   * addresses, optionally with a port (`1.1.1.1,[2606:4700::1111]:53,127.0.0.1:5353`). Unset: the system's.
   */
  DNS_SERVERS: z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|[0-9a-fA-F:]+|\[[0-9a-fA-F:]+\](:\d{1,5})?)$/, "each entry must be an IP address, optionally with a port (1.1.1.1, 127.0.0.1:5353, [::1]:53)"))),
  /**
   * Where custom domains should point (shown in the settings, and checked for information): a host
   * name for a CNAME (`cname.sgn.st`) or IP addresses (`203.0.113.7,2001:db8::7`). Unset: not checked.
   */
  DOMAIN_TARGET: z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((entry) => entry.trim().toLowerCase().replace(/\.$/, ""))
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[a-z0-9.:-]+$/, "must be a host name or IP addresses, comma-separated"))),
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /** A GeoLite2/GeoIP2 Country .mmdb to use instead of the one shipped with Signpost. */
  GEOIP_DATABASE: z.string().min(1).optional(),
  /**
   * Billing (docs/billing.md): on only when STRIPE_SECRET_KEY is set; then the webhook secret and
   * both price ids are required. Off: every plan limit is unlimited.
   */
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_[A-Za-z0-9_]+$/, "must be a Stripe secret or restricted key (sk_… or rk_…)").optional(),
  /** Signing secret of the Stripe webhook endpoint (`whsec_…`) for POST /api/webhooks/stripe. */
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9_]+$/, "must be a webhook signing secret (whsec_…)").optional(),
  /** Stripe price ids (`price_…`) of the paid plans' monthly subscriptions. */
  STRIPE_PRICE_PRO: z.string().regex(/^price_[A-Za-z0-9_]+$/, "must be a Stripe price id (price_…)").optional(),
  STRIPE_PRICE_BUSINESS: z.string().regex(/^price_[A-Za-z0-9_]+$/, "must be a Stripe price id (price_…)").optional(),
  /** Where the Stripe SDK sends API calls, e.g. http://127.0.0.1:12111 for stripe-mock. Default: Stripe. */
  STRIPE_API_URL: url.optional(),
  /** Fill a new link's missing title, description and image from its destination's HTML meta tags. */
  LINK_METADATA: z.enum(["on", "off"], { error: "must be on or off" }).default("on"),
  /**
   * Hosts and networks that outbound requests (link metadata, webhooks) may reach although they are
   * private, loopback or link-local: comma-separated host names, addresses or CIDRs
   * (`intranet.example.com,10.0.0.0/8`). Empty: only public addresses.
   */
  OUTBOUND_ALLOWLIST: z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((entry) => entry.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^([a-z0-9.-]+|[0-9a-f:.]+(\/\d{1,3})?)$/, "each entry must be a host name, an address or a CIDR (10.0.0.0/8)"))),
});

/** The standalone Node redirector (src/hosts/node): the edge view plus its own process settings. */
const redirectorSchema = edgeSchema.extend({
  /** Port the redirector listens on. */
  REDIRECTOR_PORT: z.coerce.number({ error: "must be a port (1-65535)" }).int("must be a port (1-65535)").min(1, "must be a port (1-65535)").max(65_535, "must be a port (1-65535)").default(3001),
  /** Worker processes: a number (1 = no cluster) or `auto` (one per CPU core). */
  REDIRECTOR_WORKERS: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^(auto|\d{1,3})$/, "must be a number of workers (1-256) or auto")
    .transform((value) => (value === "auto" ? ("auto" as const) : Number(value)))
    .refine((value) => value === "auto" || (value >= 1 && value <= 256), "must be a number of workers (1-256) or auto")
    .default(1),
  /** When set, the redirector subscribes to link-change events and evicts its cache at once. */
  REDIS_URL: redisUrl.optional(),
  /** Clicks a redirector process may hold while the origin catches up (about 0.5 KB each). */
  REDIRECTOR_CLICK_BUFFER: z.coerce.number().int().min(100).max(5_000_000).default(200_000),
  /** How long a graceful shutdown may take to flush buffered clicks before the process gives up. */
  REDIRECTOR_SHUTDOWN_SECONDS: z.coerce.number().int().min(1).max(3600).default(120),
  /**
   * Direct mode: when set, the redirector looks links up, runs the gates and writes clicks in this
   * Postgres itself (clicks onto the Redis click stream when REDIS_URL is set) instead of calling
   * the origin. It never migrates: the app (`npm start`) owns the schema. Postgres only.
   */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL (direct mode needs Postgres; the embedded database belongs to the app process)")
    .optional(),
  /** Postgres connections per redirector process in direct mode (each REDIRECTOR_WORKERS process has its own pool). */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** Direct mode: prefix of the click stream's Redis keys; must match the app's and the workers'. */
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, "must be 1-64 letters, digits or : _ . -").default("signpost:"),
  /** Direct mode: a GeoLite2/GeoIP2 Country .mmdb to use instead of the one shipped with Signpost. */
  GEOIP_DATABASE: z.string().min(1).optional(),
  /**
   * Direct mode: a second port serving `GET /metrics` (Prometheus text) for this redirector, all
   * its worker processes summed. Off when unset. (Without DATABASE_URL the counters go to the
   * origin with the click batches, and its /metrics shows them.)
   */
  REDIRECTOR_METRICS_PORT: z.coerce.number({ error: "must be a port (1-65535)" }).int("must be a port (1-65535)").min(1, "must be a port (1-65535)").max(65_535, "must be a port (1-65535)").optional(),
  /** Bearer token the metrics port asks for, as the app's /metrics does. */
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
});

export type EdgeConfig = ReturnType<typeof finishEdge>;
export type ServerConfig = ReturnType<typeof finishServer>;

function finishEdge(raw: z.infer<typeof edgeSchema>) {
  const appHost = new URL(raw.APP_URL).host.toLowerCase();
  return {
    appUrl: raw.APP_URL,
    appHost,
    originUrl: raw.ORIGIN_URL ?? raw.APP_URL,
    originHost: new URL(raw.ORIGIN_URL ?? raw.APP_URL).host.toLowerCase(),
    customDomains: raw.CUSTOM_DOMAINS === "on",
    shortDomains: raw.SHORT_DOMAINS && raw.SHORT_DOMAINS.length > 0 ? raw.SHORT_DOMAINS : [appHost],
    secret: raw.SIGNPOST_SECRET,
    geo: {
      trusted: raw.GEO_HEADERS,
      countryHeader: raw.GEO_COUNTRY_HEADER,
      regionHeader: raw.GEO_REGION_HEADER,
      cityHeader: raw.GEO_CITY_HEADER,
    },
    trustedIpHeader: raw.TRUSTED_IP_HEADER,
    homeUrl: raw.HOME_URL ?? null,
    linkPasswordTtlSeconds: raw.LINK_PASSWORD_TTL_SECONDS,
    /** EDGE_CLICK_DELAY_MS, or null for the host's own default. */
    clickDelayMs: raw.EDGE_CLICK_DELAY_MS ?? null,
    /** EDGE_CHANGES_POLL_MS: the link-change feed's poll interval, 0 when off. */
    changesPollMs: raw.EDGE_CHANGES_POLL_MS,
    logLevel: raw.LOG_LEVEL,
  };
}

function finishServer(raw: z.infer<typeof serverSchema>) {
  return {
    ...finishEdge(raw),
    nodeEnv: raw.NODE_ENV,
    databaseUrl: raw.DATABASE_URL,
    dataDir: raw.DATA_DIR,
    setupToken: raw.SETUP_TOKEN,
    databasePoolMax: raw.DATABASE_POOL_MAX,
    smtpUrl: raw.SMTP_URL,
    emailFrom: raw.EMAIL_FROM ?? `Signpost <no-reply@${new URL(raw.APP_URL).hostname}>`,
    redisUrl: raw.REDIS_URL,
    clickConsumers: raw.CLICK_CONSUMERS,
    clickClaimIdleSeconds: raw.CLICK_CLAIM_IDLE_SECONDS,
    clickRoundClicks: raw.CLICK_ROUND_CLICKS,
    clickRetentionDays: raw.CLICK_RETENTION_DAYS,
    geoipDatabase: raw.GEOIP_DATABASE,
    linkMetadata: raw.LINK_METADATA === "on",
    outboundAllowlist: raw.OUTBOUND_ALLOWLIST,
    redisKeyPrefix: raw.REDIS_KEY_PREFIX,
    metricsToken: raw.METRICS_TOKEN,
    dnsServers: raw.DNS_SERVERS,
    domainTarget: raw.DOMAIN_TARGET,
    billing: billingOf(raw),
  };
}

export interface BillingConfig {
  secretKey: string;
  webhookSecret: string;
  /** Price id per paid plan. */
  prices: { pro: string; business: string };
  /** The SDK's host, port and protocol when STRIPE_API_URL points elsewhere than Stripe. */
  api: { host: string; port: number; protocol: "http" | "https" } | null;
}

/** Billing settings, or null when billing is off (STRIPE_SECRET_KEY unset). */
function billingOf(raw: z.infer<typeof serverSchema>): BillingConfig | null {
  if (!raw.STRIPE_SECRET_KEY) return null;
  const missing = (["STRIPE_WEBHOOK_SECRET", "STRIPE_PRICE_PRO", "STRIPE_PRICE_BUSINESS"] as const).filter((name) => !raw[name]);
  if (missing.length > 0) {
    throw new ConfigError(missing.map((variable) => ({ variable, problem: "is required when STRIPE_SECRET_KEY is set (billing on)" })));
  }
  const api = raw.STRIPE_API_URL ? new URL(raw.STRIPE_API_URL) : null;
  return {
    secretKey: raw.STRIPE_SECRET_KEY,
    webhookSecret: raw.STRIPE_WEBHOOK_SECRET!,
    prices: { pro: raw.STRIPE_PRICE_PRO!, business: raw.STRIPE_PRICE_BUSINESS! },
    api: api
      ? { host: api.hostname, port: Number(api.port) || (api.protocol === "https:" ? 443 : 80), protocol: api.protocol === "https:" ? "https" : "http" }
      : null,
  };
}

export type RedirectorConfig = ReturnType<typeof finishRedirector>;

function finishRedirector(raw: z.infer<typeof redirectorSchema>) {
  if (raw.REDIRECTOR_METRICS_PORT !== undefined) {
    if (!raw.DATABASE_URL) {
      throw new ConfigError([
        {
          variable: "REDIRECTOR_METRICS_PORT",
          problem: "is for direct mode (DATABASE_URL set): without it the redirector reports its counters to the origin, whose /metrics shows them",
        },
      ]);
    }
    if (raw.REDIRECTOR_METRICS_PORT === raw.REDIRECTOR_PORT) throw new ConfigError([{ variable: "REDIRECTOR_METRICS_PORT", problem: "must differ from REDIRECTOR_PORT" }]);
  }
  return {
    ...finishEdge(raw),
    port: raw.REDIRECTOR_PORT,
    workers: raw.REDIRECTOR_WORKERS,
    redisUrl: raw.REDIS_URL,
    clickBuffer: raw.REDIRECTOR_CLICK_BUFFER,
    shutdownSeconds: raw.REDIRECTOR_SHUTDOWN_SECONDS,
    /** Direct mode (links, gates and clicks in the database) when set; the origin protocol otherwise. */
    direct: raw.DATABASE_URL
      ? { databaseUrl: raw.DATABASE_URL, poolMax: raw.DATABASE_POOL_MAX, redisKeyPrefix: raw.REDIS_KEY_PREFIX, geoipDatabase: raw.GEOIP_DATABASE }
      : null,
    /** Direct mode's metrics port (GET /metrics), when set. */
    metrics: raw.REDIRECTOR_METRICS_PORT !== undefined ? { port: raw.REDIRECTOR_METRICS_PORT, token: raw.METRICS_TOKEN } : null,
  };
}

type Env = Record<string, string | undefined>;

function parse<S extends z.ZodType>(schema: S, env: Env): z.infer<S> {
  // Empty strings count as unset, the way most .env tooling means them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? "(environment)"),
        problem: issue.path.length > 0 && !(String(issue.path[0]) in cleaned) ? "is required but not set" : issue.message,
      })),
    );
  }
  return result.data;
}

/** Parses an explicit environment; exported for tests and tools. */
export function parseEdgeConfig(env: Env): EdgeConfig {
  return finishEdge(parse(edgeSchema, env));
}

/** Parses an explicit environment; exported for tests and tools. */
export function parseServerConfig(env: Env): ServerConfig {
  return finishServer(parse(serverSchema, env));
}

/** Parses an explicit environment; exported for tests and tools. */
export function parseRedirectorConfig(env: Env): RedirectorConfig {
  return finishRedirector(parse(redirectorSchema, env));
}

let edgeCache: EdgeConfig | undefined;
let serverCache: ServerConfig | undefined;

export function edgeConfig(): EdgeConfig {
  edgeCache ??= parseEdgeConfig(readEnv());
  return edgeCache;
}

export function redirectorConfig(): RedirectorConfig {
  return parseRedirectorConfig(readEnv());
}

export function serverConfig(): ServerConfig {
  serverCache ??= parseServerConfig(readEnv());
  return serverCache;
}

function readEnv(): Env {
  // Listed explicitly: bundlers for the edge only expose variables that are named in the code.
  return {
    APP_URL: process.env.APP_URL,
    SHORT_DOMAINS: process.env.SHORT_DOMAINS,
    ORIGIN_URL: process.env.ORIGIN_URL,
    SIGNPOST_SECRET: process.env.SIGNPOST_SECRET,
    GEO_HEADERS: process.env.GEO_HEADERS,
    HOME_URL: process.env.HOME_URL,
    CUSTOM_DOMAINS: process.env.CUSTOM_DOMAINS,
    DNS_SERVERS: process.env.DNS_SERVERS,
    DOMAIN_TARGET: process.env.DOMAIN_TARGET,
    LINK_PASSWORD_TTL_SECONDS: process.env.LINK_PASSWORD_TTL_SECONDS,
    EDGE_CLICK_DELAY_MS: process.env.EDGE_CLICK_DELAY_MS,
    EDGE_CHANGES_POLL_MS: process.env.EDGE_CHANGES_POLL_MS,
    GEO_COUNTRY_HEADER: process.env.GEO_COUNTRY_HEADER,
    GEO_REGION_HEADER: process.env.GEO_REGION_HEADER,
    GEO_CITY_HEADER: process.env.GEO_CITY_HEADER,
    TRUSTED_IP_HEADER: process.env.TRUSTED_IP_HEADER,
    LOG_LEVEL: process.env.LOG_LEVEL,
    NODE_ENV: process.env.NODE_ENV,
    DATABASE_URL: process.env.DATABASE_URL,
    DATA_DIR: process.env.DATA_DIR,
    SETUP_TOKEN: process.env.SETUP_TOKEN,
    DATABASE_POOL_MAX: process.env.DATABASE_POOL_MAX,
    SMTP_URL: process.env.SMTP_URL,
    EMAIL_FROM: process.env.EMAIL_FROM,
    REDIS_URL: process.env.REDIS_URL,
    CLICK_CONSUMERS: process.env.CLICK_CONSUMERS,
    CLICK_CLAIM_IDLE_SECONDS: process.env.CLICK_CLAIM_IDLE_SECONDS,
    CLICK_ROUND_CLICKS: process.env.CLICK_ROUND_CLICKS,
    CLICK_RETENTION_DAYS: process.env.CLICK_RETENTION_DAYS,
    GEOIP_DATABASE: process.env.GEOIP_DATABASE,
    LINK_METADATA: process.env.LINK_METADATA,
    OUTBOUND_ALLOWLIST: process.env.OUTBOUND_ALLOWLIST,
    REDIS_KEY_PREFIX: process.env.REDIS_KEY_PREFIX,
    METRICS_TOKEN: process.env.METRICS_TOKEN,
    STRIPE_SECRET_KEY: process.env.STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET: process.env.STRIPE_WEBHOOK_SECRET,
    STRIPE_PRICE_PRO: process.env.STRIPE_PRICE_PRO,
    STRIPE_PRICE_BUSINESS: process.env.STRIPE_PRICE_BUSINESS,
    STRIPE_API_URL: process.env.STRIPE_API_URL,
    REDIRECTOR_PORT: process.env.REDIRECTOR_PORT,
    REDIRECTOR_WORKERS: process.env.REDIRECTOR_WORKERS,
    REDIRECTOR_CLICK_BUFFER: process.env.REDIRECTOR_CLICK_BUFFER,
    REDIRECTOR_SHUTDOWN_SECONDS: process.env.REDIRECTOR_SHUTDOWN_SECONDS,
    REDIRECTOR_METRICS_PORT: process.env.REDIRECTOR_METRICS_PORT,
  };
}

/**
 * OpenTelemetry tracing (docs/observability.md, "Tracing"): on only when an OTLP endpoint is set,
 * otherwise no SDK is loaded and the @opentelemetry/api calls in our code are no-ops. The exporters
 * read the other OTEL_* variables (protocol, headers) themselves.
 */
export interface TracingConfig {
  /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (full URL) or OTEL_EXPORTER_OTLP_ENDPOINT (base URL), or null: tracing off. */
  endpoint: string | null;
  /** OTEL_SERVICE_NAME, overriding each process's default (signpost-app, signpost-edge, ...). */
  serviceName: string | null;
}

export function tracingConfig(): TracingConfig {
  // Named one by one, like readEnv(): edge bundlers expose only variables named in the code.
  const traces = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = process.env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const serviceName = process.env.OTEL_SERVICE_NAME?.trim();
  return { endpoint: traces || base || null, serviceName: serviceName || null };
}
