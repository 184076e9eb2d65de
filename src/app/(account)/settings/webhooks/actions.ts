"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { loginPath } from "@/edge/session-gate";
import { requestHeaders } from "@/server/auth/next";
import { currentSession } from "@/server/auth/session";
import { sessionPrincipal } from "@/server/links/dashboard";
import { createWebhookFromForm, isWebhookOperation, runWebhookOperation, updateWebhookFromForm, type WebhookFormResult } from "@/server/webhooks/dashboard";
import type { FormState } from "../../_components/form-state";

/** The member's principal from the session (never from the form); anyone else signs in again. */
async function principal(back: string) {
  const session = await currentSession(await requestHeaders());
  if (!session) redirect(loginPath(back));
  if (!session.workspace) return null;
  return sessionPrincipal({ ...session, workspace: session.workspace });
}

const NO_WORKSPACE: FormState = { status: "error", message: "Choose a workspace first.", fields: {}, values: {} };
const text = (form: FormData, name: string) => String(form.get(name) ?? "");
/** Webhook ids as the service makes them; anything else cannot name one and never reaches a path. */
const webhookId = (form: FormData) => (/^whk_[0-9a-f]{32}$/.test(text(form, "id")) ? text(form, "id") : "");

function answer(result: WebhookFormResult, form: FormData): FormState {
  if (!result.ok) {
    const values = { url: text(form, "url"), description: text(form, "description"), events: form.getAll("events").map(String).join(",") };
    return { status: "error", message: result.message, fields: result.fields, values };
  }
  return { status: "done", message: result.message, ...(result.secret ? { detail: result.secret } : {}) };
}

export async function createWebhookAction(_state: FormState, form: FormData): Promise<FormState> {
  const who = await principal("/settings/webhooks");
  if (!who) return NO_WORKSPACE;
  const result = await createWebhookFromForm(who, form);
  if (!result.ok) return answer(result, form);
  revalidatePath("/settings/webhooks");
  return { status: "done", message: result.message, detail: result.secret, link: { href: `/settings/webhooks/${result.webhook!.id}`, label: "Open the webhook" } };
}

export async function updateWebhookAction(_state: FormState, form: FormData): Promise<FormState> {
  const id = webhookId(form);
  const who = await principal(`/settings/webhooks/${id}`);
  if (!who) return NO_WORKSPACE;
  const result = await updateWebhookFromForm(who, id, form);
  if (result.ok) revalidatePath(`/settings/webhooks/${id}`);
  return answer(result, form);
}

/**
 * The endpoint's buttons (`op`: enable, disable, rotate, test, replay, delete). A delete must be
 * confirmed: the AlertDialog sends `confirmed=yes`; without JavaScript this goes to the page's
 * confirm step first.
 */
export async function webhookOperationAction(_state: FormState, form: FormData): Promise<FormState> {
  const id = webhookId(form);
  const op = text(form, "op");
  const back = `/settings/webhooks/${id}`;
  if (!isWebhookOperation(op)) return { status: "error", message: "Unknown action.", fields: {}, values: {} };
  const who = await principal(back);
  if (!who) return NO_WORKSPACE;
  if (op === "delete" && text(form, "confirmed") !== "yes") redirect(`${back}?confirm=delete`);
  const result = await runWebhookOperation(who, op, id, text(form, "deliveryId"));
  if (!result.ok) return answer(result, form);
  revalidatePath("/settings/webhooks", "layout");
  if (op === "delete") redirect("/settings/webhooks?deleted=1");
  return answer(result, form);
}

/** The no-JavaScript confirm step's form: deletes and goes back to the list, or back with the reason. */
export async function confirmDeleteWebhookAction(form: FormData): Promise<void> {
  const id = webhookId(form);
  const who = await principal(`/settings/webhooks/${id}`);
  if (!who) redirect("/settings/account");
  const result = await runWebhookOperation(who, "delete", id);
  revalidatePath("/settings/webhooks", "layout");
  // The only refusal left once the page offered the confirm step is the member's role.
  if (!result.ok) redirect(`/settings/webhooks/${id}?refused=delete`);
  redirect("/settings/webhooks?deleted=1");
}
