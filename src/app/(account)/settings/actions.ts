"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { isRole, isScope, type Scope } from "@/core/scopes";
import {
  acceptInvitation,
  AccountError,
  cancelInvitation,
  changePassword,
  changeRole,
  createApiKey,
  createWorkspace,
  deleteWorkspace,
  inviteMember,
  removeMember,
  revokeApiKey,
  revokeSession,
  signOutEverywhere,
  switchWorkspace,
} from "@/server/auth/accounts";
import { applySetCookies, requestHeaders } from "@/server/auth/next";
import type { FormState } from "../_components/form-state";

function refused(error: unknown, values: Record<string, string> = {}): FormState {
  if (error instanceof AccountError) {
    if (error.code === "unauthenticated") redirect("/login");
    return { status: "error", message: error.message, fields: error.field ? { [error.field]: error.message } : {}, values };
  }
  throw error;
}

const text = (form: FormData, name: string) => String(form.get(name) ?? "");

// ---- Account ---------------------------------------------------------------------------------------

const passwordChange = z
  .object({
    currentPassword: z.string().min(1, "Enter your current password."),
    newPassword: z.string().min(10, "Use at least 10 characters.").max(128, "Use at most 128 characters."),
    confirm: z.string(),
  })
  .refine((v) => v.newPassword === v.confirm, { path: ["confirm"], message: "The two new passwords differ." });

export async function changePasswordAction(_state: FormState, form: FormData): Promise<FormState> {
  const parsed = passwordChange.safeParse({ currentPassword: text(form, "currentPassword"), newPassword: text(form, "newPassword"), confirm: text(form, "confirm") });
  if (!parsed.success) {
    const fields: Record<string, string> = {};
    for (const issue of parsed.error.issues) fields[String(issue.path[0])] ??= issue.message;
    return { status: "error", message: "Please fix the highlighted fields.", fields, values: {} };
  }
  try {
    const { cookies } = await changePassword(await requestHeaders(), parsed.data.currentPassword, parsed.data.newPassword);
    await applySetCookies(cookies);
  } catch (error) {
    return refused(error);
  }
  revalidatePath("/settings/account");
  return { status: "done", message: "Password changed. Every other device was signed out." };
}

export async function revokeSessionAction(_state: FormState, form: FormData): Promise<FormState> {
  try {
    const { cookies } = await revokeSession(await requestHeaders(), text(form, "sessionId"));
    await applySetCookies(cookies);
  } catch (error) {
    return refused(error);
  }
  revalidatePath("/settings/account");
  return { status: "done", message: "Signed out." };
}

export async function signOutEverywhereAction(_state: FormState, _form: FormData): Promise<FormState> {
  try {
    const { cookies } = await signOutEverywhere(await requestHeaders());
    await applySetCookies(cookies);
  } catch (error) {
    return refused(error);
  }
  redirect("/login");
}

export async function switchWorkspaceAction(_state: FormState, form: FormData): Promise<FormState> {
  try {
    const { cookies } = await switchWorkspace(await requestHeaders(), text(form, "workspace"));
    await applySetCookies(cookies);
  } catch (error) {
    return refused(error);
  }
  revalidatePath("/settings", "layout");
  return { status: "done", message: "Workspace switched." };
}

export async function createWorkspaceAction(_state: FormState, form: FormData): Promise<FormState> {
  const name = text(form, "name").trim();
  if (!name || name.length > 60) return { status: "error", message: "Please fix the highlighted field.", fields: { name: name ? "Use at most 60 characters." : "Name your workspace." }, values: { name } };
  try {
    const { cookies } = await createWorkspace(await requestHeaders(), name);
    await applySetCookies(cookies);
  } catch (error) {
    return refused(error, { name });
  }
  revalidatePath("/settings", "layout");
  return { status: "done", message: `Workspace “${name}” created; it is now your current workspace.` };
}

// ---- Members and invitations ----------------------------------------------------------------------

export async function inviteAction(_state: FormState, form: FormData): Promise<FormState> {
  const values = { email: text(form, "email"), role: text(form, "role") };
  const email = z.email().safeParse(values.email.trim().toLowerCase());
  if (!email.success) return { status: "error", message: "Please fix the highlighted field.", fields: { email: "Enter an email address, like you@example.com." }, values };
  if (!isRole(values.role)) return { status: "error", message: "Choose a role.", fields: { role: "Choose a role." }, values };
  try {
    await inviteMember(await requestHeaders(), email.data, values.role);
  } catch (error) {
    return refused(error, values);
  }
  revalidatePath("/settings/members");
  return { status: "done", message: `Invitation sent to ${email.data}. It is valid for 7 days.` };
}

export async function cancelInvitationAction(_state: FormState, form: FormData): Promise<FormState> {
  try {
    await cancelInvitation(await requestHeaders(), text(form, "invitationId"));
  } catch (error) {
    return refused(error);
  }
  revalidatePath("/settings/members");
  return { status: "done", message: "Invitation cancelled." };
}

export async function changeRoleAction(_state: FormState, form: FormData): Promise<FormState> {
  const role = text(form, "role");
  if (!isRole(role)) return { status: "error", message: "Choose a role.", fields: { role: "Choose a role." }, values: { role } };
  try {
    await changeRole(await requestHeaders(), text(form, "memberId"), role);
  } catch (error) {
    return refused(error, { role });
  }
  revalidatePath("/settings/members");
  return { status: "done", message: `Role changed to ${role}.` };
}

export async function removeMemberAction(_state: FormState, form: FormData): Promise<FormState> {
  try {
    await removeMember(await requestHeaders(), text(form, "memberId"));
  } catch (error) {
    return refused(error);
  }
  revalidatePath("/settings/members");
  return { status: "done", message: "Removed from the workspace." };
}

export async function deleteWorkspaceAction(_state: FormState, form: FormData): Promise<FormState> {
  try {
    await deleteWorkspace(await requestHeaders(), text(form, "confirm"));
  } catch (error) {
    return refused(error, { confirm: text(form, "confirm") });
  }
  revalidatePath("/settings", "layout");
  redirect("/settings/account");
}

export async function acceptInvitationAction(_state: FormState, form: FormData): Promise<FormState> {
  try {
    const { cookies } = await acceptInvitation(await requestHeaders(), text(form, "invitationId"));
    await applySetCookies(cookies);
  } catch (error) {
    return refused(error);
  }
  redirect("/settings/members");
}

// ---- API keys ---------------------------------------------------------------------------------------

export async function createApiKeyAction(_state: FormState, form: FormData): Promise<FormState> {
  const name = text(form, "name").trim();
  const scopes = form.getAll("scopes").map(String).filter(isScope) as Scope[];
  const days = text(form, "expiresInDays");
  const values = { name, expiresInDays: days };
  const fields: Record<string, string> = {};
  if (!name || name.length > 60) fields.name = name ? "Use at most 60 characters." : "Name the key, e.g. “CI deploys”.";
  if (scopes.length === 0) fields.scopes = "Choose at least one scope.";
  const expiresInDays = days === "" || days === "never" ? null : Number(days);
  if (expiresInDays !== null && !(Number.isInteger(expiresInDays) && expiresInDays >= 1 && expiresInDays <= 3650)) fields.expiresInDays = "Choose an expiry.";
  if (Object.keys(fields).length > 0) return { status: "error", message: "Please fix the highlighted fields.", fields, values };
  try {
    const created = await createApiKey(await requestHeaders(), { name, scopes, expiresInDays });
    revalidatePath("/settings/api-keys");
    return { status: "done", message: `Key “${name}” created. Copy it now: it is shown only once.`, detail: created.key };
  } catch (error) {
    return refused(error, values);
  }
}

export async function revokeApiKeyAction(_state: FormState, form: FormData): Promise<FormState> {
  try {
    await revokeApiKey(await requestHeaders(), text(form, "keyId"));
  } catch (error) {
    return refused(error);
  }
  revalidatePath("/settings/api-keys");
  return { status: "done", message: "Key revoked; it stopped working." };
}
