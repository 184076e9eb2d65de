"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { DEFAULT_AFTER_LOGIN, safeNextPath } from "@/edge/session-gate";
import {
  AccountError,
  requestPasswordReset,
  resendVerification,
  resetPassword,
  signIn,
  signOut,
  signUp,
  verifyEmail,
} from "@/server/auth/accounts";
import { applySetCookies, requestHeaders } from "@/server/auth/next";
import type { FormState } from "./_components/form-state";

/** The text fields of a form, kept so the page can show them again (never passwords). */
function keep(form: FormData, names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, String(form.get(name) ?? "")]));
}

/** A refusal as form state: the message, tied to its field when there is one. */
function refused(error: unknown, values: Record<string, string>): FormState {
  if (error instanceof AccountError) {
    return { status: "error", message: error.message, fields: error.field ? { [error.field]: error.message } : {}, values };
  }
  throw error;
}

/** zod issues as form state: one message per field. */
function invalid(issues: z.core.$ZodIssue[], values: Record<string, string>): FormState {
  const fields: Record<string, string> = {};
  for (const issue of issues) fields[String(issue.path[0])] ??= issue.message;
  return { status: "error", message: "Please fix the highlighted fields.", fields, values };
}

const email = z.string().trim().toLowerCase().pipe(z.email("Enter an email address, like you@example.com."));
const password = z.string().min(1, "Enter your password.");
const newPassword = z.string().min(10, "Use at least 10 characters.").max(128, "Use at most 128 characters.");

const signInSchema = z.object({ email, password, remember: z.boolean() });

export async function signInAction(_state: FormState, form: FormData): Promise<FormState> {
  const values = keep(form, ["email"]);
  const parsed = signInSchema.safeParse({ email: form.get("email") ?? "", password: form.get("password") ?? "", remember: form.get("remember") === "on" });
  if (!parsed.success) return invalid(parsed.error.issues, values);
  try {
    const { cookies } = await signIn(parsed.data, await requestHeaders());
    await applySetCookies(cookies);
  } catch (error) {
    return refused(error, values);
  }
  redirect(safeNextPath(String(form.get("next") ?? "")) ?? DEFAULT_AFTER_LOGIN);
}

const signUpSchema = z.object({
  name: z.string().trim().min(1, "Enter your name.").max(100, "Use at most 100 characters."),
  email,
  password: newPassword,
  workspace: z.string().trim().max(60, "Use at most 60 characters.").optional(),
});

export async function signUpAction(_state: FormState, form: FormData): Promise<FormState> {
  const values = keep(form, ["name", "email", "workspace"]);
  const invitation = String(form.get("invitation") ?? "");
  const parsed = signUpSchema.safeParse({
    name: form.get("name") ?? "",
    email: form.get("email") ?? "",
    password: form.get("password") ?? "",
    workspace: invitation ? undefined : String(form.get("workspace") ?? ""),
  });
  if (!parsed.success) return invalid(parsed.error.issues, values);
  if (!invitation && !parsed.data.workspace) return invalid([{ code: "custom", path: ["workspace"], message: "Name your workspace.", input: "" }], values);
  try {
    const { cookies } = await signUp(parsed.data, await requestHeaders());
    await applySetCookies(cookies);
  } catch (error) {
    return refused(error, values);
  }
  redirect(invitation ? `/invite/${encodeURIComponent(invitation)}` : (safeNextPath(String(form.get("next") ?? "")) ?? DEFAULT_AFTER_LOGIN));
}

export async function forgotPasswordAction(_state: FormState, form: FormData): Promise<FormState> {
  const values = keep(form, ["email"]);
  const parsed = z.object({ email }).safeParse({ email: form.get("email") ?? "" });
  if (!parsed.success) return invalid(parsed.error.issues, values);
  try {
    await requestPasswordReset(parsed.data.email, await requestHeaders());
  } catch (error) {
    return refused(error, values);
  }
  return {
    status: "done",
    message: `If ${parsed.data.email} has a Signpost account, a link to choose a new password is on its way.`,
    detail: "The link works once and for an hour. Check your spam folder if it does not arrive in a few minutes.",
  };
}

export async function resetPasswordAction(_state: FormState, form: FormData): Promise<FormState> {
  const parsed = z
    .object({ password: newPassword, confirm: z.string() })
    .refine((v) => v.password === v.confirm, { path: ["confirm"], message: "The two passwords differ." })
    .safeParse({ password: form.get("password") ?? "", confirm: form.get("confirm") ?? "" });
  if (!parsed.success) return invalid(parsed.error.issues, {});
  try {
    await resetPassword(String(form.get("token") ?? ""), parsed.data.password, await requestHeaders());
  } catch (error) {
    return refused(error, {});
  }
  return { status: "done", message: "Your password is changed, and every device was signed out. Sign in with the new password." };
}

export async function verifyEmailAction(_state: FormState, form: FormData): Promise<FormState> {
  try {
    await verifyEmail(String(form.get("token") ?? ""));
  } catch (error) {
    return refused(error, {});
  }
  return { status: "done", message: "Your email address is confirmed. Thank you!" };
}

export async function resendVerificationAction(_state: FormState, _form: FormData): Promise<FormState> {
  try {
    await resendVerification(await requestHeaders());
  } catch (error) {
    return refused(error, {});
  }
  return { status: "done", message: "A new confirmation link is on its way to your inbox." };
}

export async function signOutAction(): Promise<void> {
  const { cookies } = await signOut(await requestHeaders());
  await applySetCookies(cookies);
  redirect("/login");
}
