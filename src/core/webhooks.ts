/**
 * Outbound webhooks: event types and the endpoint schemas, shared by the API and the dashboard.
 * Delivery, signing and the SSRF guard live on Node (src/server/webhooks).
 */
import { z } from "zod";

export const WEBHOOK_EVENTS = ["link.created", "link.updated", "link.deleted", "link.clicked", "import.completed"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Endpoints per workspace: enough for any integration setup, bounded so one event stays cheap. */
export const MAX_WEBHOOK_ENDPOINTS = 20;

const endpointUrl = z
  .string()
  .trim()
  .max(2048, "must be at most 2,048 characters")
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "https:" || url.protocol === "http:") && !url.username && !url.password;
    } catch {
      return false;
    }
  }, "must be an absolute http(s) URL without credentials");

const events = z
  .array(z.enum(WEBHOOK_EVENTS, { error: `must be one of ${WEBHOOK_EVENTS.join(", ")}` }))
  .min(1, "must name at least one event")
  .refine((list) => new Set(list).size === list.length, "must not repeat an event");

export const createWebhookSchema = z
  .object({
    url: endpointUrl.meta({ description: "Where events are POSTed. Private and loopback addresses are refused unless OUTBOUND_ALLOWLIST admits them." }),
    events: events.meta({ description: "Event types to deliver." }),
    description: z.string().trim().max(300, "must be at most 300 characters").nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
export type CreateWebhookInput = z.infer<typeof createWebhookSchema>;

export const updateWebhookSchema = createWebhookSchema.partial().strict();
export type UpdateWebhookInput = z.infer<typeof updateWebhookSchema>;

export const webhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().meta({ description: "Why Signpost switched the endpoint off (repeated failure); null otherwise." }),
    consecutiveFailures: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Webhook" });
export type WebhookView = z.infer<typeof webhookSchema>;

export const webhookWithSecretSchema = webhookSchema
  .extend({ secret: z.string().meta({ description: "The signing secret (`whsec_…`). Shown when created or rotated; keep it." }) })
  .meta({ id: "WebhookWithSecret" });

export const webhookAttemptSchema = z.object({
  attempt: z.number().int(),
  at: z.string(),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int(),
  responseBody: z.string().nullable(),
});

export const webhookDeliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    eventType: z.enum([...WEBHOOK_EVENTS, "ping"]),
    status: z.enum(["pending", "retrying", "succeeded", "failed"]),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    replayOf: z.string().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    payload: z.unknown(),
    log: z.array(webhookAttemptSchema),
  })
  .meta({ id: "WebhookDelivery" });
export type WebhookDeliveryView = z.infer<typeof webhookDeliverySchema>;

export const deliveriesQuerySchema = z
  .object({
    limit: z.coerce.number({ error: "must be a number (1-100)" }).int("must be a whole number").min(1, "must be at least 1").max(100, "must be at most 100").default(20),
    status: z.enum(["pending", "retrying", "succeeded", "failed"], { error: "must be pending, retrying, succeeded or failed" }).optional(),
  })
  .strict();
