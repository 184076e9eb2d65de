import "server-only";
import type { LinkView, TagView } from "@/core/link";
import { serverConfig } from "@/config/env";
import { ApiError } from "@/server/api/errors";
import { requestHeaders } from "@/server/auth/next";
import { resolvePrincipal, type Principal } from "@/server/auth/principal";
import { getDb } from "@/server/db/client";
import { verifiedHosts } from "@/server/domains/service";
import { checkAvailability, createLink, deleteLink, setArchived, updateLink, type Availability } from "@/server/links/service";
import { listTags } from "@/server/links/tags";
import { linkFormValuesSchema, parseForCreate, parseForUpdate, type FieldErrors, type LinkFormValues } from "./form-model";

export type SaveResult =
  | { status: "saved"; link: LinkView; message: string }
  | { status: "error"; message: string; fields: FieldErrors };

/** The signed-in member behind this request, as the API would see them (same scopes, same checks). */
export async function sessionPrincipal(): Promise<Principal> {
  const headers = await requestHeaders();
  return resolvePrincipal(new Request(serverConfig().appUrl, { headers }));
}

/** A service error as the form shows it: next to its field(s) when it names any. */
export function refusal(error: unknown): Extract<SaveResult, { status: "error" }> {
  if (!(error instanceof ApiError)) throw error;
  // The plan's limit is about the workspace, not a field of this form.
  if (error.code === "plan_limit_reached") return { status: "error", message: error.message, fields: {} };
  const fields: FieldErrors = {};
  for (const issue of error.issues ?? (error.field ? [{ field: error.field, message: error.message }] : [])) {
    fields[issue.field] ??= issue.message;
  }
  if (error.code === "insufficient_scope" || error.code === "forbidden") {
    return { status: "error", message: `${error.message}. Viewers can open links but not change them; ask an owner or admin for the member role.`, fields };
  }
  if (error.code === "unauthorized") return { status: "error", message: "Your session has ended. Sign in again, then save.", fields };
  return { status: "error", message: Object.keys(fields).length > 0 ? "Please fix the highlighted fields." : error.message, fields };
}

/**
 * Saves the editor's values through the links service with the principal's own rights: the
 * API's schema first (the same messages as in the browser), then createLink / updateLink, which
 * authorize and write in one transaction — a refused save changes nothing.
 */
export async function saveLink(principal: Principal, id: string | null, posted: LinkFormValues): Promise<SaveResult> {
  const shape = linkFormValuesSchema.safeParse(posted);
  if (!shape.success) return { status: "error", message: "The form sent something this editor does not know; reload the page and try again.", fields: {} };
  const values = shape.data;
  if (id !== null && typeof id !== "string") return { status: "error", message: "No such link.", fields: {} };
  try {
    if (id === null) {
      const parsed = parseForCreate(values);
      if (!parsed.ok) return { status: "error", message: "Please fix the highlighted fields.", fields: parsed.fields };
      const link = await createLink(principal, parsed.input);
      return { status: "saved", link, message: "Link created." };
    }
    const parsed = parseForUpdate(values);
    if (!parsed.ok) return { status: "error", message: "Please fix the highlighted fields.", fields: parsed.fields };
    const link = await updateLink(principal, id, parsed.input);
    return { status: "saved", link, message: "Saved." };
  } catch (error) {
    return refusal(error);
  }
}

export type KeyCheck = Availability | { key: string; domain: string; available: false; reason: "error"; message: string };

export async function keyAvailability(principal: Principal, key: string, domain: string): Promise<KeyCheck> {
  try {
    return await checkAvailability(principal, key, domain || undefined);
  } catch (error) {
    return { key, domain, available: false, reason: "error", message: refusal(error).message };
  }
}

export async function archiveLink(principal: Principal, id: string, archived: boolean): Promise<SaveResult> {
  try {
    const link = await setArchived(principal, id, archived);
    return { status: "saved", link, message: archived ? "Archived: the short link now answers 404 until you restore it." : "Restored: the short link redirects again." };
  } catch (error) {
    return refusal(error);
  }
}

export async function removeLink(principal: Principal, id: string): Promise<{ status: "deleted" } | Extract<SaveResult, { status: "error" }>> {
  try {
    await deleteLink(principal, id);
    return { status: "deleted" };
  } catch (error) {
    return refusal(error);
  }
}

/** What the editor offers: the shared short domains, then the workspace's own verified ones, and its tags. */
export async function editorOptions(principal: Principal): Promise<{ domains: string[]; tags: Pick<TagView, "name" | "color">[] }> {
  const own = await verifiedHosts(await getDb(), principal.workspaceId);
  const tags = principal.scopes.has("tags:read") ? await listTags(principal) : [];
  return { domains: [...new Set([...serverConfig().shortDomains, ...own])], tags: tags.map(({ name, color }) => ({ name, color })) };
}
