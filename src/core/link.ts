/**
 * The link model's input and wire shapes, shared by the API (Node), the dashboard and the edge.
 * Issue #4 grows this into the whole model; the walking skeleton needs destination and slug.
 */
import { z } from "zod";
import { isReservedKey } from "./reserved";
import { SLUG_PATTERN } from "./slug";

export const destinationSchema = z
  .string()
  .trim()
  .max(32_000, "must be at most 32,000 characters")
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === "https:" || url.protocol === "http:";
    } catch {
      return false;
    }
  }, "must be an absolute http(s) URL");

export const keySchema = z
  .string()
  .trim()
  .regex(SLUG_PATTERN, "may contain letters, digits, '-' and '_' (1-190 characters), starting and ending with a letter or digit")
  .refine((key) => !isReservedKey(key), "is reserved by the app");

export const createLinkSchema = z
  .object({
    url: destinationSchema,
    key: keySchema.optional(),
    domain: z.string().trim().toLowerCase().optional(),
  })
  .strict();

export type CreateLinkInput = z.infer<typeof createLinkSchema>;

/** What the origin tells the edge about a link: only what a redirect decision needs. */
export const edgeLinkSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  domain: z.string(),
  key: z.string(),
  url: z.string(),
  version: z.number().int(),
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
});

export type ClickEvent = z.infer<typeof clickEventSchema>;

export const clickBatchSchema = z.object({ clicks: z.array(clickEventSchema).min(1).max(500) });
