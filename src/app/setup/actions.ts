"use server";

import { ApiError } from "@/server/api/errors";
import { runFirstSetup, setupSchema } from "@/server/setup/service";

export type SetupState =
  | { status: "idle" }
  | { status: "error"; message: string; fields: Record<string, string>; values: Record<string, string> }
  | { status: "done"; apiKey: string; workspace: string; email: string };

/** The setup form's server action; works with and without client JavaScript. */
export async function setupAction(_previous: SetupState, form: FormData): Promise<SetupState> {
  const values = Object.fromEntries(
    ["name", "email", "workspace", "token"].map((field) => [field, String(form.get(field) ?? "")]),
  );
  const parsed = setupSchema.safeParse({ ...values, password: String(form.get("password") ?? ""), token: values.token || undefined });
  if (!parsed.success) {
    const fields: Record<string, string> = {};
    for (const issue of parsed.error.issues) fields[String(issue.path[0])] ??= issue.message;
    return { status: "error", message: "Please fix the highlighted fields.", fields, values };
  }
  try {
    const result = await runFirstSetup(parsed.data);
    return { status: "done", apiKey: result.apiKey.key, workspace: result.workspace.name, email: result.user.email };
  } catch (error) {
    if (error instanceof ApiError) {
      return { status: "error", message: error.message, fields: error.field ? { [error.field]: error.message } : {}, values };
    }
    throw error;
  }
}
