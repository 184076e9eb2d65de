import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { DEFAULT_AFTER_LOGIN, safeNextPath } from "@/edge/session-gate";
import { viewInvitation } from "@/server/auth/accounts";
import { requestHeaders } from "@/server/auth/next";
import { currentSession } from "@/server/auth/session";
import { signUpAction } from "../actions";
import { AccountForm, type FieldSpec } from "../_components/account-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Create an account" };

export default async function SignUpPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const next = safeNextPath(typeof params.next === "string" ? params.next : null);
  const invitation = typeof params.invitation === "string" ? await viewInvitation(params.invitation) : null;
  if (await currentSession(await requestHeaders())) redirect(invitation ? `/invite/${encodeURIComponent(invitation.id)}` : (next ?? DEFAULT_AFTER_LOGIN));

  const fields: FieldSpec[] = [
    { name: "name", label: "Your name", autoComplete: "name" },
    { name: "email", label: "Email", type: "email", autoComplete: "email", defaultValue: invitation?.email },
    {
      name: "password",
      label: "Password",
      type: "password",
      autoComplete: "new-password",
      hint: "At least 10 characters; passwords found in data breaches are refused. A few unrelated words work well.",
    },
  ];
  if (!invitation) fields.push({ name: "workspace", label: "Workspace name", hint: "Your team or project, e.g. “Acme Marketing”. You can invite people later." });

  return (
    <>
      <h1>Create an account</h1>
      {invitation?.state === "pending" ? (
        <p>
          {invitation.inviter} invited {invitation.email} to <strong>{invitation.workspace}</strong>. Create your account with that address to join.
        </p>
      ) : null}
      <div className="card">
        <AccountForm
          action={signUpAction}
          hidden={{ ...(next ? { next } : {}), ...(invitation ? { invitation: invitation.id } : {}) }}
          submit="Create account"
          pending="Creating…"
          fields={fields}
        />
        <p className="links">
          <Link href={next ? `/login?next=${encodeURIComponent(next)}` : "/login"}>I already have an account</Link>
        </p>
      </div>
    </>
  );
}
