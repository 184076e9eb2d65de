/**
 * The data model. Users, workspaces (Better Auth "organizations"), members, invitations, sessions
 * and API keys are Better Auth's tables, declared here so Drizzle owns every migration; the
 * product tables (domains, tags, links, clicks) hang off them.
 */
import { sql } from "drizzle-orm";
import { bigint, boolean, customType, date, index, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { ImportField, ImportFormat, ImportMode, ImportStatus } from "@/core/imports";
import type { BotBehavior, Utm, Variant } from "@/core/link";
import type { Plan } from "@/core/plans";
import type { RoutingRule } from "@/core/rules";

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true }).notNull().defaultNow();

// ---- Better Auth core -------------------------------------------------------------------------

export const user = pgTable("user", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  email: text("email").notNull().unique(),
  emailVerified: boolean("email_verified").notNull().default(false),
  image: text("image"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const session = pgTable(
  "session",
  {
    id: text("id").primaryKey(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    token: text("token").notNull().unique(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    userId: text("user_id").notNull().references(() => user.id, { onDelete: "cascade" }),
    activeOrganizationId: text("active_organization_id"),
  },
  (t) => [index("session_user_id_idx").on(t.userId)],
);

export const account = pgTable(
  "account",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    providerId: text("provider_id").notNull(),
    userId: text("user_id").notNull().references(() => user.id, { onDelete: "cascade" }),
    accessToken: text("access_token"),
    refreshToken: text("refresh_token"),
    idToken: text("id_token"),
    accessTokenExpiresAt: timestamp("access_token_expires_at", { withTimezone: true }),
    refreshTokenExpiresAt: timestamp("refresh_token_expires_at", { withTimezone: true }),
    scope: text("scope"),
    password: text("password"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("account_user_id_idx").on(t.userId)],
);

export const verification = pgTable(
  "verification",
  {
    id: text("id").primaryKey(),
    identifier: text("identifier").notNull(),
    value: text("value").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("verification_identifier_idx").on(t.identifier)],
);

/**
 * Rate-limit counters shared by every instance: Better Auth's own per-IP limiter (`rateLimit.storage:
 * "database"`) and Signpost's per-account / per-IP limits on sign-in, sign-up and password reset
 * (src/server/auth/rate-limit.ts, keys prefixed `signpost:`).
 */
export const rateLimit = pgTable("rate_limit", {
  id: text("id").primaryKey(),
  key: text("key").notNull().unique(),
  count: integer("count").notNull(),
  /** Milliseconds since the epoch (Better Auth stores a number here). */
  lastRequest: bigint("last_request", { mode: "number" }).notNull(),
});

// ---- Better Auth organization plugin: workspaces ----------------------------------------------

/** A workspace. Better Auth calls it an organization. */
export const organization = pgTable("organization", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  logo: text("logo"),
  metadata: text("metadata"),
  createdAt: createdAt(),
});

export const member = pgTable(
  "member",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id").notNull().references(() => organization.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull().references(() => user.id, { onDelete: "cascade" }),
    /** owner | admin | member | viewer */
    role: text("role").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("member_organization_id_idx").on(t.organizationId),
    index("member_user_id_idx").on(t.userId),
    uniqueIndex("member_org_user_uidx").on(t.organizationId, t.userId),
  ],
);

export const invitation = pgTable(
  "invitation",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id").notNull().references(() => organization.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    role: text("role"),
    status: text("status").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: createdAt(),
    inviterId: text("inviter_id").notNull().references(() => user.id, { onDelete: "cascade" }),
  },
  (t) => [index("invitation_organization_id_idx").on(t.organizationId), index("invitation_email_idx").on(t.email)],
);

// ---- Better Auth api-key plugin (keys owned by a workspace) ------------------------------------

export const apikey = pgTable(
  "apikey",
  {
    id: text("id").primaryKey(),
    configId: text("config_id").notNull().default("default"),
    name: text("name"),
    /** First characters of the key, shown in lists so people can tell keys apart. */
    start: text("start"),
    /** The owning workspace (organization id). */
    referenceId: text("reference_id").notNull().references(() => organization.id, { onDelete: "cascade" }),
    prefix: text("prefix"),
    /** SHA-256 of the key; the key itself is never stored. */
    key: text("key").notNull(),
    refillInterval: integer("refill_interval"),
    refillAmount: integer("refill_amount"),
    lastRefillAt: timestamp("last_refill_at", { withTimezone: true }),
    enabled: boolean("enabled").default(true),
    rateLimitEnabled: boolean("rate_limit_enabled").default(true),
    rateLimitTimeWindow: integer("rate_limit_time_window"),
    rateLimitMax: integer("rate_limit_max"),
    requestCount: integer("request_count").default(0),
    remaining: integer("remaining"),
    lastRequest: timestamp("last_request", { withTimezone: true }),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /** JSON: { links: ["read","write"], analytics: ["read"], ... } — the key's scopes. */
    permissions: text("permissions"),
    metadata: text("metadata"),
  },
  (t) => [
    uniqueIndex("apikey_key_uidx").on(t.key),
    index("apikey_reference_id_idx").on(t.referenceId),
    index("apikey_config_id_idx").on(t.configId),
  ],
);

// ---- Product tables ---------------------------------------------------------------------------

/**
 * Custom short-link hosts of a workspace (docs/domains.md). The configured SHORT_DOMAINS are shared.
 * Several workspaces may have the same host pending (so nobody can squat a host they cannot prove),
 * but only one may have it verified: the DNS TXT record `_signpost-challenge.<host>` = `token`.
 */
export const domain = pgTable(
  "domain",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => organization.id, { onDelete: "cascade" }),
    host: text("host").notNull(),
    /** The value the TXT record must hold; per domain, shown to the workspace. */
    token: text("token").notNull().default(sql`replace(gen_random_uuid()::text, '-', '')`),
    verifiedAt: timestamp("verified_at", { withTimezone: true }),
    /** Last DNS check (on add, "Verify now" or the periodic re-check) and what it found wrong. */
    checkedAt: timestamp("checked_at", { withTimezone: true }),
    checkError: text("check_error"),
    /** Whether the host's A/AAAA/CNAME records point at DOMAIN_TARGET; null when unknown or no target is configured. */
    pointsHere: boolean("points_here"),
    createdAt: createdAt(),
  },
  (t) => [
    index("domain_workspace_id_idx").on(t.workspaceId),
    uniqueIndex("domain_workspace_host_uidx").on(t.workspaceId, t.host),
    uniqueIndex("domain_verified_host_uidx").on(t.host).where(sql`verified_at is not null`),
  ],
);

export const tag = pgTable(
  "tag",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => organization.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    color: text("color").notNull().default("gray"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("tag_workspace_name_uidx").on(t.workspaceId, t.name)],
);

export const link = pgTable(
  "link",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => organization.id, { onDelete: "cascade" }),
    domain: text("domain").notNull(),
    key: text("key").notNull(),
    url: text("url").notNull(),
    title: text("title"),
    description: text("description"),
    /** Preview image (Open Graph) for bots that get the preview page. */
    image: text("image"),
    comments: text("comments"),
    archived: boolean("archived").notNull().default(false),
    /** Disabled links answer 404 but keep their slug, settings and history. */
    disabled: boolean("disabled").notNull().default(false),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    expiredUrl: text("expired_url"),
    maxClicks: integer("max_clicks"),
    /** `pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64url); the password itself is never stored. */
    passwordHash: text("password_hash"),
    forwardQuery: boolean("forward_query").notNull().default(false),
    utm: jsonb("utm").$type<Utm>(),
    cloaked: boolean("cloaked").notNull().default(false),
    redirectStatus: smallint("redirect_status").notNull().default(302),
    botBehavior: text("bot_behavior").$type<BotBehavior>().notNull().default("preview"),
    rules: jsonb("rules").$type<RoutingRule[]>().notNull().default([]),
    variants: jsonb("variants").$type<Variant[]>().notNull().default([]),
    variantsEndAt: timestamp("variants_end_at", { withTimezone: true }),
    /** Bumped on every change so edge caches can tell a stale copy. */
    version: integer("version").notNull().default(1),
    /** Human clicks; bots are stored in `click` but never counted here. */
    clicks: bigint("clicks", { mode: "number" }).notNull().default(0),
    /** Visits admitted against `maxClicks`, reserved atomically at redirect time (exact limit). */
    reservedClicks: integer("reserved_clicks").notNull().default(0),
    lastClickedAt: timestamp("last_clicked_at", { withTimezone: true }),
    /**
     * Filling a missing title / description / image from the destination's meta tags:
     * `pending` (a job will fetch), `filled`, `failed` (see metadataError), null (nothing to do).
     */
    metadataStatus: text("metadata_status").$type<"pending" | "filled" | "failed">(),
    metadataError: text("metadata_error"),
    metadataCheckedAt: timestamp("metadata_checked_at", { withTimezone: true }),
    createdBy: text("created_by").references(() => user.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("link_domain_key_uidx").on(t.domain, t.key),
    index("link_metadata_pending_idx").on(t.createdAt).where(sql`${t.metadataStatus} = 'pending'`),
    // One per sort of the links list (and the export), each column in one direction: a keyset
    // position `(column, id) < (value, id)` is then an index bound, read forwards or backwards.
    index("link_workspace_created_idx").on(t.workspaceId, t.createdAt, t.id),
    index("link_workspace_updated_idx").on(t.workspaceId, t.updatedAt, t.id),
    index("link_workspace_clicks_idx").on(t.workspaceId, t.clicks, t.id),
    index("link_workspace_key_idx").on(t.workspaceId, t.key, t.id),
  ],
);

export const linkTag = pgTable(
  "link_tag",
  {
    linkId: text("link_id").notNull().references(() => link.id, { onDelete: "cascade" }),
    tagId: text("tag_id").notNull().references(() => tag.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.linkId, t.tagId] }), index("link_tag_tag_id_idx").on(t.tagId)],
);

/** One row per click, humans and bots alike (bots flagged). The id comes from the edge, so
 * re-delivered batches are idempotent. */
export const click = pgTable(
  "click",
  {
    id: uuid("id").primaryKey(),
    // No foreign keys (ADR 0030): the click store locks a batch's links once (FOR KEY SHARE)
    // instead of a key check per row, and a trigger on `link` deletes a deleted link's clicks.
    linkId: text("link_id").notNull(),
    workspaceId: text("workspace_id").notNull(),
    clickedAt: timestamp("clicked_at", { withTimezone: true }).notNull(),
    url: text("url").notNull(),
    isBot: boolean("is_bot").notNull().default(false),
    country: text("country"),
    region: text("region"),
    city: text("city"),
    device: text("device"),
    os: text("os"),
    browser: text("browser"),
    language: text("language"),
    /** Salted hash of IP + user agent + workspace, rotating daily (never the raw IP). */
    visitorId: text("visitor_id"),
    /** Why the edge answered as it did: destination, rule, variant, expired_url, bot_redirect. */
    reason: text("reason"),
    ruleIndex: smallint("rule_index"),
    variantIndex: smallint("variant_index"),
    userAgent: text("user_agent"),
    referrer: text("referrer"),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [
    index("click_link_time_idx").on(t.linkId, t.clickedAt),
    index("click_workspace_time_idx").on(t.workspaceId, t.clickedAt),
    // Retention deletes by age; a BRIN index costs ingest almost nothing (rows arrive in time order).
    index("click_clicked_at_brin").using("brin", t.clickedAt),
  ],
);

/**
 * Click rollups, maintained by the click store in the same transaction that inserts the raw rows
 * (so a re-delivered batch, whose rows already exist, adds nothing). One row per link, bucket,
 * dimension and value, humans and bots apart. Dimension "all" (value "") is the plain count; the
 * others are CLICK_DIMENSIONS, with no row for an unknown value: readers take its count as the
 * total minus the known values (src/server/clicks/rollups.ts). Only visits that reached something are
 * rolled up: humans with a counted reason, and bots (see src/server/clicks/ingest.ts).
 *
 * No foreign keys: a key check per upserted row was a third of the ingest transaction. The click
 * rows' own key check already locks each link against deletion while a batch is stored, and a
 * trigger on `link` (migration 0007's custom SQL) removes a deleted link's rows here and subtracts
 * them from the workspace tables below.
 */
const rollupColumns = () => ({
  workspaceId: text("workspace_id").notNull(),
  linkId: text("link_id").notNull(),
  bucket: timestamp("bucket", { withTimezone: true }).notNull(),
  dimension: text("dimension").notNull(),
  value: text("value").notNull(),
  isBot: boolean("is_bot").notNull(),
  clicks: bigint("clicks", { mode: "number" }).notNull(),
});

/** Hourly buckets (UTC hour starts): any time zone whose offset is whole hours reads from these. */
export const clickRollupHour = pgTable("click_rollup_hour", rollupColumns(), (t) => [
  primaryKey({ columns: [t.linkId, t.bucket, t.dimension, t.value, t.isBot] }),
  index("click_rollup_hour_workspace_idx").on(t.workspaceId, t.dimension, t.bucket),
]);

/**
 * Daily buckets (UTC midnights): long UTC ranges read fewer rows. Summed from the hourly rows by a
 * job once a day is over (src/server/clicks/daily-rollups.ts), so an extra index costs ingest
 * nothing: (link, dimension, bucket) reads one dimension of a link's days without walking the others,
 * and also holds (INCLUDE) value, is_bot and clicks, so those reads never visit the heap. drizzle-kit
 * cannot declare INCLUDE: migration 0011 creates the index with it.
 */
export const clickRollupDay = pgTable("click_rollup_day", rollupColumns(), (t) => [
  primaryKey({ columns: [t.linkId, t.bucket, t.dimension, t.value, t.isBot] }),
  index("click_rollup_day_workspace_idx").on(t.workspaceId, t.dimension, t.bucket),
  index("click_rollup_day_link_dimension_idx").on(t.linkId, t.dimension, t.bucket),
]);

/**
 * Distinct visitors per link and hour (and variant, -1 when none), for unique counts. Visitor ids
 * rotate daily (src/edge/visitor.ts), so counting distinct ids over a range counts a visitor again
 * on each day they return: the Plausible convention.
 */
export const clickVisitorHour = pgTable(
  "click_visitor_hour",
  {
    workspaceId: text("workspace_id").notNull(),
    // No foreign key (see rollupColumns): the trigger on `link` removes a deleted link's rows.
    linkId: text("link_id").notNull(),
    bucket: timestamp("bucket", { withTimezone: true }).notNull(),
    visitorId: text("visitor_id").notNull(),
    isBot: boolean("is_bot").notNull(),
    variantIndex: smallint("variant_index").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.linkId, t.bucket, t.visitorId, t.isBot, t.variantIndex] }),
    index("click_visitor_hour_workspace_idx").on(t.workspaceId, t.bucket),
  ],
);

/**
 * Workspace-wide rollups: the per-link rollups summed over the workspace's links, maintained by the
 * click store in the same transaction (a batch adds one row per bucket, dimension and value, not
 * per link). They answer queries without a link, tag or domain filter, which would otherwise sum
 * thousands of per-link rows. The key starts with the dimension so a series or a top-N reads one
 * contiguous range.
 */
const workspaceRollupColumns = () => ({
  workspaceId: text("workspace_id")
    .notNull()
    .references(() => organization.id, { onDelete: "cascade" }),
  bucket: timestamp("bucket", { withTimezone: true }).notNull(),
  dimension: text("dimension").notNull(),
  value: text("value").notNull(),
  isBot: boolean("is_bot").notNull(),
  clicks: bigint("clicks", { mode: "number" }).notNull(),
});

export const clickWorkspaceRollupHour = pgTable("click_workspace_rollup_hour", workspaceRollupColumns(), (t) => [
  primaryKey({ columns: [t.workspaceId, t.dimension, t.bucket, t.value, t.isBot] }),
]);

export const clickWorkspaceRollupDay = pgTable("click_workspace_rollup_day", workspaceRollupColumns(), (t) => [
  primaryKey({ columns: [t.workspaceId, t.dimension, t.bucket, t.value, t.isBot] }),
]);

/**
 * The visitors each workspace had on each UTC day: the sets behind `click_uniques_day`. Two sets per
 * day, because one visitor id can click as a person and as a bot (a HEAD request from the same
 * browser): `with_bots` true holds every visitor (the uniques of `includeBots=true`), false only
 * those who clicked as people. Visitor ids rotate at 00:00 UTC, so a workspace's uniques over whole
 * UTC days are the sum of its daily counts. No foreign key (one check per visitor per batch); the
 * trigger on `link` keeps the sets equal to the visitors of the links that remain.
 */
export const clickVisitorDay = pgTable(
  "click_visitor_day",
  {
    workspaceId: text("workspace_id").notNull(),
    day: timestamp("day", { withTimezone: true }).notNull(),
    withBots: boolean("with_bots").notNull(),
    visitorId: text("visitor_id").notNull(),
    /** The UTC hours (0–23) of the visitor's first and last click in the set that day. */
    firstHour: smallint("first_hour").notNull(),
    lastHour: smallint("last_hour").notNull(),
    /**
     * The first and last hour this row had before its latest update (null until one). The click
     * store sets them in the same UPDATE that moves the hours and reads them back from RETURNING:
     * Postgres 15 has no OLD in RETURNING, and this is the one place the old values are exact
     * under concurrency (the row is locked and current there).
     */
    prevFirstHour: smallint("prev_first_hour"),
    prevLastHour: smallint("prev_last_hour"),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.day, t.withBots, t.visitorId] })],
);

/**
 * A workspace's daily visitors (`click_visitor_day`'s rows) counted by the UTC hours of their first
 * and last click that day. Visitor ids rotate at 00:00 UTC, so the visitors of a range that starts
 * at a UTC midnight and ends at a whole hour h are those whose first hour is before h, and of a range
 * from a whole hour h to the next midnight those whose last hour is h or later: a day of any
 * whole-hour zone (New York's 04:00 or 05:00 UTC to the next) is one of each, read as a few counts
 * instead of its visitors. Kept by the click store beside the daily counts (one decrement and one
 * increment when a visitor's hours move), and by the trigger on `link`.
 */
export const clickUniquesSpan = pgTable(
  "click_uniques_span",
  {
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => organization.id, { onDelete: "cascade" }),
    day: timestamp("day", { withTimezone: true }).notNull(),
    withBots: boolean("with_bots").notNull(),
    firstHour: smallint("first_hour").notNull(),
    lastHour: smallint("last_hour").notNull(),
    visitors: bigint("visitors", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.day, t.withBots, t.firstHour, t.lastHour] })],
);

/**
 * Each link's visitors per finished UTC day, counted by the UTC hours of their first and last visit
 * that day (as `click_uniques_span` per workspace), for the link as a whole (`variant` -1) and for
 * each A/B variant they were sent to (`variant` ≥ 0); `with_bots` as in `click_visitor_day`. A day's
 * uniques are the sum of its rows, the start or end of a day cut at a whole hour the rows whose first
 * or last hour falls in it, so a link's 30-day series in any whole-hour zone reads a few hundred
 * counts instead of its visitors' hourly rows. Written from `click_visitor_hour` when the daily
 * compaction closes a day; a late click on a closed day marks its link's day stale
 * (`click_link_uniques_stale`) until the next compaction recounts it
 * (src/server/clicks/daily-rollups.ts). A deleted link's rows go with it (trigger on `link`,
 * migration 0013). No foreign key, like the other per-link tables.
 */
export const clickLinkUniquesSpan = pgTable(
  "click_link_uniques_span",
  {
    linkId: text("link_id").notNull(),
    day: timestamp("day", { withTimezone: true }).notNull(),
    withBots: boolean("with_bots").notNull(),
    variant: smallint("variant").notNull(),
    firstHour: smallint("first_hour").notNull(),
    lastHour: smallint("last_hour").notNull(),
    visitors: bigint("visitors", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.linkId, t.day, t.withBots, t.variant, t.firstHour, t.lastHour] })],
);

/**
 * Closed days of a link whose `click_link_uniques_span` rows miss late clicks: written by the click
 * store with the late clicks, read by the analytics queries (which then count that day from the
 * hourly visitor rows), recounted and cleared by the next compaction.
 */
export const clickLinkUniquesStale = pgTable(
  "click_link_uniques_stale",
  {
    linkId: text("link_id").notNull(),
    day: timestamp("day", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.linkId, t.day] })],
);

/** Distinct visitors per workspace, UTC day and set: `click_visitor_day`'s rows, counted as they are inserted. */
export const clickUniquesDay = pgTable(
  "click_uniques_day",
  {
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => organization.id, { onDelete: "cascade" }),
    day: timestamp("day", { withTimezone: true }).notNull(),
    withBots: boolean("with_bots").notNull(),
    visitors: bigint("visitors", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.day, t.withBots] })],
);

/**
 * How far the per-link daily rollups are complete: every click before `days_before` (a UTC
 * midnight) is in `click_rollup_day`; later days are only in the hourly rollup until the hourly
 * compaction job (src/server/clicks/daily-rollups.ts) sums them. One row (id 1).
 */
export const clickRollupProgress = pgTable("click_rollup_progress", {
  id: smallint("id").primaryKey(),
  daysBefore: timestamp("days_before", { withTimezone: true }).notNull(),
});

/** Instance-wide facts, e.g. the first-run claim that makes setup happen exactly once. */
export const instanceState = pgTable("instance_state", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  createdAt: createdAt(),
});

/** Postgres's 64-bit transaction id (xid8), read and written as its decimal text. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => "xid8" });

/**
 * The link-change feed (docs/decisions/0032-link-change-feed.md): one row per short link whose edge
 * answer may have changed, written by the change's own transaction (src/server/events/link-feed.ts).
 * Edge caches poll it (`GET /api/internal/v1/links/changes`) and evict what it names. `xid` is the
 * writing transaction's, so a poll can tell what may still have been in flight at its last read;
 * rows are kept for an hour.
 */
export const linkChange = pgTable(
  "link_change",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    domain: text("domain").notNull(),
    key: text("key").notNull(),
    xid: xid8("xid").notNull().default(sql`pg_current_xact_id()`),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("link_change_xid_idx").on(t.xid), index("link_change_at_idx").on(t.at)],
);

/** Password attempts per link and visitor (hashed IP), in fixed windows: shared by all edge hosts. */
export const passwordAttempt = pgTable(
  "password_attempt",
  {
    linkId: text("link_id").notNull().references(() => link.id, { onDelete: "cascade" }),
    visitor: text("visitor").notNull(),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    attempts: integer("attempts").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.linkId, t.visitor, t.windowStart] })],
);

// ---- Outbound webhooks ------------------------------------------------------------------------

/** A workspace's webhook endpoint: where events go, which ones, and the secret that signs them. */
export const webhookEndpoint = pgTable(
  "webhook_endpoint",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => organization.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    description: text("description"),
    /** Event types delivered here (src/core/webhooks.ts WEBHOOK_EVENTS). */
    events: jsonb("events").$type<string[]>().notNull(),
    /** HMAC-SHA256 key of the `signpost-signature` header (`whsec_…`). Needed in clear to sign. */
    secret: text("secret").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    /** Why it was switched off by Signpost (repeated failure); null when enabled or disabled by hand. */
    disabledReason: text("disabled_reason"),
    /** Deliveries in a row that failed for good; reset by any success. */
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("webhook_endpoint_workspace_idx").on(t.workspaceId)],
);

/**
 * One event for one endpoint (the outbox: written in the transaction that made the event), and
 * where its delivery stands. A replay is a new delivery of the same event.
 */
export const webhookDelivery = pgTable(
  "webhook_delivery",
  {
    id: text("id").primaryKey(),
    endpointId: text("endpoint_id").notNull().references(() => webhookEndpoint.id, { onDelete: "cascade" }),
    workspaceId: text("workspace_id").notNull(),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    payload: jsonb("payload").notNull(),
    /** pending (first attempt not made yet), retrying, succeeded, failed (gave up). */
    status: text("status").$type<"pending" | "retrying" | "succeeded" | "failed">().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    /** The delivery this one replays, if any. */
    replayOf: text("replay_of"),
    createdAt: createdAt(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    index("webhook_delivery_endpoint_created_idx").on(t.endpointId, t.createdAt.desc(), t.id),
    index("webhook_delivery_due_idx").on(t.nextAttemptAt).where(sql`${t.status} in ('pending', 'retrying')`),
  ],
);

/** Every attempt of a delivery: the endpoint's delivery log. */
export const webhookAttempt = pgTable(
  "webhook_attempt",
  {
    deliveryId: text("delivery_id").notNull().references(() => webhookDelivery.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    /** HTTP status, or null when no response came (refused address, timeout, network). */
    statusCode: integer("status_code"),
    error: text("error"),
    durationMs: integer("duration_ms").notNull(),
    /** The start of the response body, for debugging (at most 1 KiB). */
    responseBody: text("response_body"),
  },
  (t) => [primaryKey({ columns: [t.deliveryId, t.attempt] })],
);

// ---- Billing (docs/billing.md) ----------------------------------------------------------------

/**
 * A workspace's plan and its Stripe objects. No row: the free plan, no Stripe customer yet. Written
 * by Checkout (the customer) and the Stripe webhook (the subscription, re-read from Stripe).
 */
export const workspaceBilling = pgTable("workspace_billing", {
  workspaceId: text("workspace_id").primaryKey().references(() => organization.id, { onDelete: "cascade" }),
  plan: text("plan").$type<Plan>().notNull().default("free"),
  stripeCustomerId: text("stripe_customer_id").unique(),
  stripeSubscriptionId: text("stripe_subscription_id"),
  /** Stripe's subscription status (active, trialing, past_due, canceled, ...); null without one. */
  subscriptionStatus: text("subscription_status"),
  currentPeriodEnd: timestamp("current_period_end", { withTimezone: true }),
  cancelAtPeriodEnd: boolean("cancel_at_period_end").notNull().default(false),
  /**
   * When the subscription state stored here was read from Stripe. A read that started earlier never
   * overwrites a later one, so webhook events handled out of order cannot roll the plan back.
   */
  syncedAt: timestamp("synced_at", { withTimezone: true }),
  updatedAt: updatedAt(),
});

/**
 * Counters of monthly usage that rows cannot tell afterwards: links created in a UTC calendar month
 * (deleting a link does not give the creation back). The row is also the lock that serialises
 * concurrent creates at the limit.
 */
export const workspaceUsage = pgTable(
  "workspace_usage",
  {
    workspaceId: text("workspace_id").notNull().references(() => organization.id, { onDelete: "cascade" }),
    /** First day of the UTC month. */
    month: date("month", { mode: "string" }).notNull(),
    linksCreated: integer("links_created").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.month] })],
);

/** Stripe webhook events already applied, by event id: a redelivered event changes nothing. */
export const stripeEvent = pgTable("stripe_event", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
});

// ---- Bulk import ------------------------------------------------------------------------------

/** Raw bytes (Postgres bytea) as a Node Buffer. */
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/**
 * A file upload of links and the job that imports it (src/server/imports). The file itself lives
 * in `import_file_chunk`, so any app instance or worker sharing the database can read it.
 */
export const linkImport = pgTable(
  "link_import",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => organization.id, { onDelete: "cascade" }),
    /** Who uploaded it: the imported links' creator (null for API keys). */
    createdBy: text("created_by").references(() => user.id, { onDelete: "set null" }),
    filename: text("filename"),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull().default(0),
    /** Detected from the header: generic, bitly, kutt, shlink, yourls. */
    format: text("format").$type<ImportFormat>().notNull(),
    header: jsonb("header").$type<string[]>().notNull(),
    /** The first rows after the header (at most 5), shown in the mapping step. */
    sample: jsonb("sample").$type<string[][]>().notNull().default([]),
    /** Field separator, detected from the header line: , ; or a tab. */
    delimiter: text("delimiter").notNull().default(","),
    /** Per column (by position), the link field it fills, or null for ignored columns. */
    mapping: jsonb("mapping").$type<(ImportField | null)[]>(),
    mode: text("mode").$type<ImportMode>(),
    /** Default domain of links whose row names none. */
    domain: text("domain"),
    status: text("status").$type<ImportStatus>().notNull().default("uploaded"),
    rowsRead: integer("rows_read").notNull().default(0),
    rowsImported: integer("rows_imported").notNull().default(0),
    rowsFailed: integer("rows_failed").notNull().default(0),
    /** Why the whole import stopped (not a row's problem: those are in import_error). */
    error: text("error"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("link_import_workspace_created_idx").on(t.workspaceId, t.createdAt.desc())],
);

/** The uploaded file, in order, in chunks of at most IMPORT_CHUNK_BYTES. */
export const importFileChunk = pgTable(
  "import_file_chunk",
  {
    importId: text("import_id").notNull().references(() => linkImport.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    data: bytea("data").notNull(),
  },
  (t) => [primaryKey({ columns: [t.importId, t.seq] })],
);

/** One problem of one row of an import: the downloadable error report. */
export const importError = pgTable(
  "import_error",
  {
    importId: text("import_id").notNull().references(() => linkImport.id, { onDelete: "cascade" }),
    /** Line of the record in the file (the header is line 1). */
    row: integer("row").notNull(),
    seq: smallint("seq").notNull(),
    column: text("column"),
    code: text("code").notNull(),
    message: text("message").notNull(),
    /** The row's cells as read. */
    values: jsonb("values").$type<string[]>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.importId, t.row, t.seq] })],
);
