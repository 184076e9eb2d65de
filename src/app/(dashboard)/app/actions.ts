"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { loginPath } from "@/edge/session-gate";
import { AccountError, switchWorkspace } from "@/server/auth/accounts";
import { applySetCookies, requestHeaders } from "@/server/auth/next";
import { currentSession } from "@/server/auth/session";
import { isBulkOperation, runBulk, safeListReturn, sessionPrincipal, type BulkRefusal } from "@/server/links/dashboard";

export type BulkState = { status: "idle" } | { status: "done" | "error"; message: string };

/** The signed-in member's principal; anyone else signs in again and comes back to the list. */
async function principal(back: string) {
  const session = await currentSession(await requestHeaders());
  if (!session) redirect(loginPath(back));
  if (!session.workspace) return null;
  return sessionPrincipal({ ...session, workspace: session.workspace });
}

const idsOf = (form: FormData) => form.getAll("ids").map(String);

/**
 * Archive, unarchive or delete the ticked rows. A delete must be confirmed: with JavaScript the
 * list's dialog sends `confirmed=yes`; without it, this sends people to the confirm page first.
 */
export async function bulkLinksAction(_state: BulkState, form: FormData): Promise<BulkState> {
  const back = safeListReturn(String(form.get("return") ?? "/app"));
  const op = String(form.get("op") ?? "");
  if (!isBulkOperation(op)) return { status: "error", message: "Choose archive, unarchive or delete." };
  const who = await principal(back);
  if (!who) return { status: "error", message: "Choose a workspace first." };
  const ids = idsOf(form);
  if (op === "delete" && form.get("confirmed") !== "yes" && ids.length > 0) {
    const params = new URLSearchParams();
    for (const id of ids) params.append("ids", id);
    params.set("return", back);
    redirect(`/app/delete?${params}`);
  }
  const result = await runBulk(who, op, ids);
  if (!result.ok) return { status: "error", message: result.message };
  revalidatePath("/app");
  return { status: "done", message: result.message };
}

/** The no-JavaScript confirm page's form: deletes, then back to the list (or back with the reason). */
export async function confirmDeleteAction(form: FormData): Promise<void> {
  const back = safeListReturn(String(form.get("return") ?? "/app"));
  const ids = idsOf(form);
  const who = await principal(back);
  let refusal: BulkRefusal;
  if (who) {
    const result = await runBulk(who, "delete", ids);
    if (result.ok) {
      revalidatePath("/app");
      redirect(`${back}${back.includes("?") ? "&" : "?"}deleted=${result.count}`);
    }
    refusal = result.reason;
  } else {
    refusal = "forbidden";
  }
  const params = new URLSearchParams();
  for (const id of ids) params.append("ids", id);
  params.set("return", back);
  params.set("refused", refusal);
  redirect(`/app/delete?${params}`);
}

/** The header's workspace switcher: the same switch as the settings pages, then the new list. */
export async function switchWorkspaceTo(workspaceId: string): Promise<{ error: string } | void> {
  try {
    const { cookies } = await switchWorkspace(await requestHeaders(), String(workspaceId));
    await applySetCookies(cookies);
  } catch (error) {
    if (error instanceof AccountError) {
      if (error.code === "unauthenticated") redirect(loginPath("/app"));
      return { error: error.message };
    }
    throw error;
  }
  revalidatePath("/", "layout");
  redirect("/app");
}
