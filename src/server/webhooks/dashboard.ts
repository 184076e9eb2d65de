import "server-only";
import { createWebhookSchema, updateWebhookSchema, type WebhookEvent, type WebhookView } from "@/core/webhooks";
import { ApiError } from "@/server/api/errors";
import type { Principal } from "@/server/auth/principal";
import { createWebhook, deleteWebhook, replayDelivery, rotateWebhookSecret, sendTestEvent, updateWebhook } from "./service";

/**
 * The webhook settings pages' writes (/settings/webhooks): form fields in, the webhooks service
 * with the member's own principal, and an answer a form can show. The service decides (role,
 * SSRF guard, limits); this only turns its refusals into messages next to the right field.
 */
export type WebhookFormResult =
  | { ok: true; message: string; webhook?: WebhookView; secret?: string }
  | { ok: false; message: string; fields: Record<string, string> };

export const WEBHOOK_OPERATIONS = ["enable", "disable", "rotate", "test", "replay", "delete"] as const;
export type WebhookOperation = (typeof WEBHOOK_OPERATIONS)[number];

export function isWebhookOperation(value: string): value is WebhookOperation {
  return (WEBHOOK_OPERATIONS as readonly string[]).includes(value);
}

/** The endpoint form's fields as the API's input: url, description (empty → none), ticked events. */
export function webhookFormInput(form: FormData) {
  const description = String(form.get("description") ?? "").trim();
  return {
    url: String(form.get("url") ?? "").trim(),
    description: description || null,
    events: form.getAll("events").map(String) as WebhookEvent[],
  };
}

const FIELD_LABEL: Record<string, string> = { url: "The URL", events: "Events", description: "The description" };
const sentence = (field: string, message: string) => `${FIELD_LABEL[field] ?? field} ${message.replace(/^(url|events|description) /, "")}.`;

/** What the member sees when the service refuses; anything unexpected is rethrown. */
export function webhookRefusal(error: unknown, principal: Principal): WebhookFormResult {
  if (!(error instanceof ApiError)) throw error;
  if (error.code === "insufficient_scope") {
    return { ok: false, message: `Your role in this workspace (${principal.role ?? "unknown"}) can see webhooks but not change them; owners and admins can.`, fields: {} };
  }
  if (error.code === "validation_failed") {
    const fields: Record<string, string> = {};
    for (const issue of error.issues ?? [{ field: error.field ?? "", message: error.message }]) {
      const field = issue.field.split(".")[0]!;
      fields[field] ??= sentence(field, issue.message);
    }
    return { ok: false, message: "Please fix the highlighted fields.", fields };
  }
  if (error.code === "not_found") return { ok: false, message: "That webhook (or delivery) no longer exists in this workspace.", fields: {} };
  if (error.code === "conflict") return { ok: false, message: `${error.message}.`, fields: {} };
  throw error;
}

function invalid(issues: { path: PropertyKey[]; message: string }[]): WebhookFormResult {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const field = String(issue.path[0] ?? "url");
    fields[field] ??= sentence(field, issue.message);
  }
  return { ok: false, message: "Please fix the highlighted fields.", fields };
}

/** Creates an endpoint from the form; the secret comes back once. */
export async function createWebhookFromForm(principal: Principal, form: FormData): Promise<WebhookFormResult> {
  const parsed = createWebhookSchema.safeParse(webhookFormInput(form));
  if (!parsed.success) return invalid(parsed.error.issues);
  try {
    const { secret, ...webhook } = await createWebhook(principal, parsed.data);
    return { ok: true, message: "Webhook created. Copy its signing secret now: it is shown only once.", webhook, secret };
  } catch (error) {
    return webhookRefusal(error, principal);
  }
}

/** Changes an endpoint's URL, description and events. */
export async function updateWebhookFromForm(principal: Principal, id: string, form: FormData): Promise<WebhookFormResult> {
  const parsed = updateWebhookSchema.safeParse(webhookFormInput(form));
  if (!parsed.success) return invalid(parsed.error.issues);
  try {
    const webhook = await updateWebhook(principal, id, parsed.data);
    return { ok: true, message: "Saved.", webhook };
  } catch (error) {
    return webhookRefusal(error, principal);
  }
}

/** One of the endpoint's buttons: switch on / off, rotate the secret, ping, replay a delivery, delete. */
export async function runWebhookOperation(principal: Principal, operation: WebhookOperation, id: string, deliveryId = ""): Promise<WebhookFormResult> {
  try {
    switch (operation) {
      case "enable":
        return { ok: true, message: "Switched on: new events are delivered again.", webhook: await updateWebhook(principal, id, { enabled: true }) };
      case "disable":
        return { ok: true, message: "Switched off: no events are recorded for it until it is back on.", webhook: await updateWebhook(principal, id, { enabled: false }) };
      case "rotate": {
        const { secret, ...webhook } = await rotateWebhookSecret(principal, id);
        return { ok: true, message: "New signing secret: the old one stopped working. Copy it now: it is shown only once.", webhook, secret };
      }
      case "test":
        await sendTestEvent(principal, id);
        return { ok: true, message: "Test ping queued: it shows in the delivery log once sent." };
      case "replay":
        await replayDelivery(principal, id, deliveryId);
        return { ok: true, message: "Replay queued as a new delivery." };
      case "delete":
        await deleteWebhook(principal, id);
        return { ok: true, message: "Webhook deleted." };
    }
  } catch (error) {
    return webhookRefusal(error, principal);
  }
}
