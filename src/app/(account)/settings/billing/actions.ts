"use server";

import { redirect } from "next/navigation";
import { isPaidPlan } from "@/core/plans";
import { loginPath } from "@/edge/session-gate";
import { ApiError } from "@/server/api/errors";
import { memberPrincipal } from "@/server/auth/principal";
import { requestHeaders } from "@/server/auth/next";
import { currentSession } from "@/server/auth/session";
import { openPortal, startCheckout } from "@/server/billing/checkout";
import type { FormState } from "../../_components/form-state";

/** The signed-in member's principal in the active workspace; the billing service checks the owner role. */
async function principal() {
  const session = await currentSession(await requestHeaders());
  if (!session) redirect(loginPath("/settings/billing"));
  if (!session.workspace) throw new ApiError("forbidden", "You do not belong to a workspace");
  return memberPrincipal(session.user.id, session.workspace.id, session.workspace.role);
}

function refused(error: unknown): FormState {
  if (error instanceof ApiError) return { status: "error", message: error.message, fields: {}, values: {} };
  throw error;
}

/** Upgrade: a Stripe Checkout Session for the chosen plan, then off to Stripe's page. */
export async function upgradeAction(_state: FormState, form: FormData): Promise<FormState> {
  const plan = String(form.get("plan") ?? "");
  if (!isPaidPlan(plan)) return { status: "error", message: "Choose the Pro or Business plan.", fields: {}, values: {} };
  let url: string;
  try {
    url = (await startCheckout(await principal(), plan)).url;
  } catch (error) {
    return refused(error);
  }
  redirect(url);
}

/** Manage billing: Stripe's customer portal (payment method, invoices, plan changes, cancelling). */
export async function portalAction(): Promise<FormState> {
  let url: string;
  try {
    url = (await openPortal(await principal())).url;
  } catch (error) {
    return refused(error);
  }
  redirect(url);
}
