/**
 * The link model: zod schemas shared by the API (Node), the dashboard and the edge. Pure — the
 * checks that need configuration (loops to our own short hosts) take it as an argument.
 */
import { z } from "zod";
import { isReservedKey } from "./reserved";
import { dateTimeSchema, destinationSchema } from "./destination";
import { routingRuleSchema } from "./rules";
import { SLUG_PATTERN } from "./slug";

export { destinationSchema };

export const keySchema = z
  .string()
  .trim()
  .max(190, "must be at most 190 characters")
  .regex(SLUG_PATTERN, "may contain letters, digits, '-' and '_' (1-190 characters), starting and ending with a letter or digit")
  .refine((key) => !isReservedKey(key), "is reserved by the app");

export const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9.-]+(:\d+)?$/, "must be a host name, e.g. sgn.st");

const optionalText = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`).nullable().optional();

export const REDIRECT_STATUSES = [301, 302, 307, 308] as const;
export const BOT_BEHAVIORS = ["preview", "redirect", "block"] as const;
export type BotBehavior = (typeof BOT_BEHAVIORS)[number];

export const utmSchema = z
  .object({
    source: z.string().trim().min(1).max(200).optional(),
    medium: z.string().trim().min(1).max(200).optional(),
    campaign: z.string().trim().min(1).max(200).optional(),
    term: z.string().trim().min(1).max(200).optional(),
    content: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

export type Utm = z.infer<typeof utmSchema>;

export const variantSchema = z
  .object({
    url: destinationSchema,
    weight: z.number().int("must be a whole number").min(0).max(100),
  })
  .strict();

export type Variant = z.infer<typeof variantSchema>;

export const variantsSchema = z
  .array(variantSchema)
  .max(10, "at most 10 variants")
  .refine((variants) => variants.length === 0 || variants.reduce((sum, v) => sum + v.weight, 0) === 100, "weights must sum to 100");

export const tagNameSchema = z.string().trim().min(1, "is required").max(50, "must be at most 50 characters");

export const linkPasswordSchema = z.string().min(4, "must be at least 4 characters").max(128, "must be at most 128 characters");

/** Every writable field; create requires `url`, update takes any subset. */
const linkFields = {
  url: destinationSchema,
  domain: domainSchema.optional(),
  key: keySchema.optional(),
  title: optionalText(300),
  description: optionalText(1000),
  image: destinationSchema.nullable().optional(),
  tags: z.array(tagNameSchema).max(20, "at most 20 tags").optional(),
  comments: optionalText(2000),
  archived: z.boolean().optional(),
  disabled: z.boolean().optional(),
  expiresAt: dateTimeSchema.nullable().optional(),
  expiredUrl: destinationSchema.nullable().optional(),
  maxClicks: z.number().int("must be a whole number").min(1).max(1_000_000_000).nullable().optional(),
  /** Set, replace (string) or remove (null). Stored as a salted PBKDF2 hash; never returned. */
  password: linkPasswordSchema.nullable().optional(),
  forwardQuery: z.boolean().optional(),
  utm: utmSchema.nullable().optional(),
  cloaked: z.boolean().optional(),
  redirectStatus: z.union(REDIRECT_STATUSES.map((s) => z.literal(s)), { error: "must be 301, 302, 307 or 308" }).optional(),
  botBehavior: z.enum(BOT_BEHAVIORS).optional(),
  rules: z.array(routingRuleSchema).max(50, "at most 50 rules").optional(),
  variants: variantsSchema.optional(),
  variantsEndAt: dateTimeSchema.nullable().optional(),
};

export const createLinkSchema = z.object(linkFields).strict();
export type CreateLinkInput = z.infer<typeof createLinkSchema>;

const updateLinkObject = z.object({ ...linkFields, url: destinationSchema.optional() }).strict();
export const updateLinkSchema = updateLinkObject.refine((value) => Object.keys(value).length > 0, "must change at least one field");
export type UpdateLinkInput = z.infer<typeof updateLinkSchema>;

/** What the origin tells the edge about a link: everything a redirect decision needs. */
export const edgeLinkSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  domain: z.string(),
  key: z.string(),
  url: z.string(),
  version: z.number().int(),
  createdAt: z.string(),
  title: z.string().nullable(),
  description: z.string().nullable(),
  image: z.string().nullable(),
  archived: z.boolean(),
  disabled: z.boolean(),
  expiresAt: z.string().nullable(),
  expiredUrl: z.string().nullable(),
  maxClicks: z.number().int().nullable(),
  /** The salted hash, so the edge can verify a password without a round trip. */
  passwordHash: z.string().nullable(),
  forwardQuery: z.boolean(),
  utm: utmSchema.nullable(),
  cloaked: z.boolean(),
  redirectStatus: z.union(REDIRECT_STATUSES.map((s) => z.literal(s))),
  botBehavior: z.enum(BOT_BEHAVIORS),
  rules: z.array(routingRuleSchema),
  variants: z.array(variantSchema),
  variantsEndAt: z.string().nullable(),
});

export type EdgeLink = z.infer<typeof edgeLinkSchema>;

/** One click as the edge reports it to the origin. */
export const clickEventSchema = z.object({
  id: z.string().uuid(),
  linkId: z.string(),
  workspaceId: z.string(),
  at: z.string().datetime(),
  url: z.string(),
  userAgent: z.string().max(1024).nullable(),
  referrer: z.string().max(2048).nullable(),
  /** Detected by the edge (isbot, HEAD requests); stored, but never counted as a person. */
  isBot: z.boolean(),
  country: z.string().length(2).nullable(),
  region: z.string().max(10).nullable().default(null),
  city: z.string().max(100).nullable().default(null),
  device: z.string().max(20).nullable().default(null),
  os: z.string().max(50).nullable().default(null),
  browser: z.string().max(50).nullable().default(null),
  /** The visitor's preferred language tag. */
  language: z.string().max(35).nullable().default(null),
  /** Salted daily hash (src/edge/visitor.ts); never the raw IP. */
  visitorId: z.string().max(64).nullable().default(null),
  /** The decision's reason: destination, rule, variant, expired_url, bot_redirect, password_required, … */
  reason: z.string().max(30).nullable().default(null),
  ruleIndex: z.number().int().min(0).max(100).nullable().default(null),
  variantIndex: z.number().int().min(0).max(100).nullable().default(null),
  /**
   * The visitor's network (anonymizeIp: IPv4 /24, IPv6 /48), sent only when the edge had no country
   * header, for the origin's GeoIP lookup at ingest. Never the full address; dropped at ingest.
   */
  ipNetwork: z.string().max(45).nullable().default(null),
});

/** Reasons that are a person reaching a destination: only these count in a link's `clicks`. */
export const COUNTED_REASONS = ["destination", "rule", "variant"] as const;

/** A click as producers write it (the optional facts may be left out). */
export type ClickEvent = z.input<typeof clickEventSchema>;

export const clickBatchSchema = z.object({ clicks: z.array(clickEventSchema).min(1).max(500) });

// ---- API shapes (responses), also the source of the OpenAPI document ---------------------------

export const TAG_COLORS = ["gray", "red", "orange", "yellow", "green", "blue", "purple", "pink"] as const;

export const tagSchema = z.object({
  id: z.string(),
  name: z.string(),
  color: z.enum(TAG_COLORS),
  createdAt: z.string(),
});
export type TagView = z.infer<typeof tagSchema>;

export const createTagSchema = z.object({ name: tagNameSchema, color: z.enum(TAG_COLORS).optional() }).strict();
export const updateTagSchema = z
  .object({ name: tagNameSchema.optional(), color: z.enum(TAG_COLORS).optional() })
  .strict()
  .refine((value) => Object.keys(value).length > 0, "must change at least one field");

export const linkSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  domain: z.string(),
  key: z.string(),
  shortLink: z.string(),
  url: z.string(),
  title: z.string().nullable(),
  description: z.string().nullable(),
  image: z.string().nullable(),
  tags: z.array(tagSchema.pick({ id: true, name: true, color: true })),
  comments: z.string().nullable(),
  archived: z.boolean(),
  disabled: z.boolean(),
  expiresAt: z.string().nullable(),
  expiredUrl: z.string().nullable(),
  maxClicks: z.number().int().nullable(),
  /** Whether a password is set; the password and its hash are never returned. */
  hasPassword: z.boolean(),
  forwardQuery: z.boolean(),
  utm: utmSchema.nullable(),
  cloaked: z.boolean(),
  redirectStatus: z.number().int(),
  botBehavior: z.enum(BOT_BEHAVIORS),
  rules: z.array(routingRuleSchema),
  variants: z.array(variantSchema),
  variantsEndAt: z.string().nullable(),
  version: z.number().int(),
  clicks: z.number().int(),
  lastClickedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type LinkView = z.infer<typeof linkSchema>;

export const LINK_SORTS = ["createdAt", "updatedAt", "clicks", "key"] as const;

export const listLinksQuerySchema = z
  .object({
    cursor: z.string().max(500).optional(),
    before: z.string().max(500).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    tag: tagNameSchema.optional(),
    domain: domainSchema.optional(),
    archived: z.enum(["false", "true", "all"]).default("false"),
    q: z.string().trim().min(1).max(200).optional(),
    sort: z.enum(LINK_SORTS).default("createdAt"),
    order: z.enum(["asc", "desc"]).default("desc"),
  })
  .strict();
export type ListLinksQuery = z.infer<typeof listLinksQuerySchema>;

export const linkListSchema = z.object({ data: z.array(linkSchema), nextCursor: z.string().nullable(), prevCursor: z.string().nullable() });

export const MAX_BULK = 1_000;
export const bulkCreateSchema = z.object({ links: z.array(createLinkSchema).min(1) }).strict();
export const bulkUpdateSchema = z
  .object({
    links: z
      .array(
        updateLinkObject
          .extend({ id: z.string().min(1) })
          .refine((value) => Object.keys(value).length > 1, "must change at least one field"),
      )
      .min(1),
  })
  .strict();
export const bulkDeleteSchema = z.object({ ids: z.array(z.string().min(1)).min(1) }).strict();

export const availabilityQuerySchema = z.object({ key: z.string().max(500), domain: domainSchema.optional() }).strict();
export const availabilitySchema = z.object({
  key: z.string(),
  domain: z.string(),
  available: z.boolean(),
  reason: z.enum(["taken", "reserved", "invalid"]).nullable(),
});

export const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    requestId: z.string(),
  }),
});
