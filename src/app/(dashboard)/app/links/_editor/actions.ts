"use server";

import { revalidatePath } from "next/cache";
import { ApiError } from "@/server/api/errors";
import type { LinkFormValues } from "./form-model";
import { archiveLink, keyAvailability, refusal, removeLink, saveLink, sessionPrincipal, type KeyCheck, type SaveResult } from "./save";

async function principalOrRefusal() {
  try {
    return { principal: await sessionPrincipal() };
  } catch (error) {
    if (error instanceof ApiError) return { refused: refusal(error) };
    throw error;
  }
}

/** Creates (id null) or updates a link with the signed-in member's rights. */
export async function saveLinkAction(id: string | null, values: LinkFormValues): Promise<SaveResult> {
  const who = await principalOrRefusal();
  if (!who.principal) return who.refused;
  const result = await saveLink(who.principal, id, values);
  if (result.status === "saved") revalidatePath(`/app/links/${result.link.id}`);
  return result;
}

/** Is this key free on this domain? Answers taken, reserved or invalid. */
export async function checkKeyAction(key: string, domain: string): Promise<KeyCheck> {
  if (typeof key !== "string" || typeof domain !== "string" || key.length > 500) {
    return { key: String(key).slice(0, 500), domain: String(domain), available: false, reason: "invalid" };
  }
  const who = await principalOrRefusal();
  if (!who.principal) return { key, domain, available: false, reason: "error", message: who.refused.message };
  return keyAvailability(who.principal, key, domain);
}

export async function archiveLinkAction(id: string, archived: boolean): Promise<SaveResult> {
  if (typeof id !== "string" || typeof archived !== "boolean") return { status: "error", message: "No such link.", fields: {} };
  const who = await principalOrRefusal();
  if (!who.principal) return who.refused;
  const result = await archiveLink(who.principal, id, archived);
  if (result.status === "saved") revalidatePath(`/app/links/${id}`);
  return result;
}

export async function deleteLinkAction(id: string): Promise<{ status: "deleted" } | Extract<SaveResult, { status: "error" }>> {
  if (typeof id !== "string") return { status: "error", message: "No such link.", fields: {} };
  const who = await principalOrRefusal();
  if (!who.principal) return who.refused;
  return removeLink(who.principal, id);
}
