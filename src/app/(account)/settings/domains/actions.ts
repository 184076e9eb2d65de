"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { loginPath } from "@/edge/session-gate";
import { ApiError } from "@/server/api/errors";
import { serverConfig } from "@/config/env";
import { requestHeaders } from "@/server/auth/next";
import { resolvePrincipal, type Principal } from "@/server/auth/principal";
import { addDomain, deleteDomain, verifyDomain } from "@/server/domains/service";
import type { FormState } from "../../_components/form-state";

const PAGE = "/settings/domains";
/** The signed-in member as the API sees them: the services refuse viewers and members whatever the page showed. */
async function sessionPrincipal(): Promise<Principal> {
  return resolvePrincipal(new Request(serverConfig().appUrl, { headers: await requestHeaders() }));
}

const text = (form: FormData, name: string) => String(form.get(name) ?? "");

/** A service refusal as the form shows it: next to its field when it names one. */
function refused(error: unknown, values: Record<string, string> = {}): FormState {
  if (!(error instanceof ApiError)) throw error;
  if (error.code === "unauthorized") redirect(loginPath(PAGE));
  const message = error.message.replace(/^host /, "The domain ");
  return { status: "error", message, fields: error.field ? { [error.field]: message } : {}, values };
}

export async function addDomainAction(_state: FormState, form: FormData): Promise<FormState> {
  const host = text(form, "host");
  let added: string;
  try {
    added = (await addDomain(await sessionPrincipal(), { host })).host;
  } catch (error) {
    return refused(error, { host });
  }
  revalidatePath(PAGE);
  return { status: "done", message: `Added ${added}. Create its DNS records below, then verify it.` };
}

export async function verifyDomainAction(_state: FormState, form: FormData): Promise<FormState> {
  try {
    const domain = await verifyDomain(await sessionPrincipal(), text(form, "domainId"));
    revalidatePath(PAGE);
    return domain.status === "verified"
      ? { status: "done", message: `${domain.host} is verified: links can use it now.` }
      : { status: "error", message: "Still pending: see what the check found above. New DNS records can take a few minutes to show.", fields: {}, values: {} };
  } catch (error) {
    return refused(error);
  }
}

/**
 * Deletes a domain. Without `confirmed=yes` (a browser without JavaScript, which gets no dialog) it
 * sends people to the page's confirm step instead; `force=on` deletes the domain's links too.
 */
export async function deleteDomainAction(_state: FormState, form: FormData): Promise<FormState> {
  const id = text(form, "domainId");
  if (text(form, "confirmed") !== "yes") redirect(`${PAGE}?delete=${encodeURIComponent(id)}`);
  let deletedLinks: number;
  try {
    ({ deletedLinks } = await deleteDomain(await sessionPrincipal(), id, text(form, "force") === "on"));
  } catch (error) {
    return refused(error);
  }
  revalidatePath(PAGE);
  if (text(form, "return") === "page") redirect(PAGE);
  return { status: "done", message: deletedLinks > 0 ? `Domain deleted, with its ${deletedLinks} link${deletedLinks === 1 ? "" : "s"}.` : "Domain deleted." };
}
