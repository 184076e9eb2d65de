import type { Metadata } from "next";
import Link from "next/link";
import { requestHeaders } from "@/server/auth/next";
import { currentSession } from "@/server/auth/session";
import { emailDelivery, EMAIL_NOT_CONFIGURED_MESSAGE } from "@/server/email/mailer";
import { resendVerificationAction, verifyEmailAction } from "../actions";
import { AccountForm } from "../_components/account-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Confirm your email" };

/**
 * The link from the verification email lands here; confirming takes a click (a POST), so mail
 * scanners that fetch links do not use it up.
 */
export default async function VerifyEmailPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const token = typeof params.token === "string" ? params.token : "";
  const session = token ? null : await currentSession(await requestHeaders());
  return (
    <>
      <h1>Confirm your email</h1>
      <div className="card">
        {token ? (
          <AccountForm
            action={verifyEmailAction}
            hidden={{ token }}
            submit="Confirm my email"
            pending="Confirming…"
            fields={[]}
            doneLink={{ href: "/settings/account", label: "Go to your account" }}
          />
        ) : !session ? (
          <p>
            Open the link from the confirmation email, or <Link href="/login?next=%2Fverify-email">sign in</Link> to get a new one.
          </p>
        ) : session.user.emailVerified ? (
          <p className="form-done" role="status">
            {session.user.email} is confirmed.
          </p>
        ) : emailDelivery() === "unconfigured" ? (
          <p className="notice" role="status">
            {EMAIL_NOT_CONFIGURED_MESSAGE}
          </p>
        ) : (
          <>
            <p>{session.user.email} is not confirmed yet. We can send a new link.</p>
            <AccountForm action={resendVerificationAction} submit="Send a new link" pending="Sending…" fields={[]} />
          </>
        )}
      </div>
    </>
  );
}
