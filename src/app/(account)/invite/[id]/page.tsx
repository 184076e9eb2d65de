import type { Metadata } from "next";
import Link from "next/link";
import { viewInvitation } from "@/server/auth/accounts";
import { requestHeaders } from "@/server/auth/next";
import { currentSession } from "@/server/auth/session";
import { emailDelivery } from "@/server/email/mailer";
import { resendVerificationAction } from "../../actions";
import { AccountForm } from "../../_components/account-form";
import { acceptInvitationAction } from "../../settings/actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Invitation" };

export default async function InvitationPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const invitation = await viewInvitation(id);
  if (!invitation) {
    return (
      <>
        <h1>Invitation not found</h1>
        <p>This link does not match an invitation. Ask whoever invited you to send a new one.</p>
      </>
    );
  }
  const here = `/invite/${encodeURIComponent(invitation.id)}`;
  if (invitation.state !== "pending") {
    const why = { expired: "has expired", accepted: "was already accepted", rejected: "was declined", canceled: "was cancelled" }[invitation.state];
    return (
      <>
        <h1>Invitation to {invitation.workspace}</h1>
        <p className="notice" role="status">
          This invitation {why}. Ask {invitation.inviter} for a new one.
        </p>
      </>
    );
  }
  const session = await currentSession(await requestHeaders());
  return (
    <>
      <h1>Join {invitation.workspace}</h1>
      <div className="card">
        <p>
          {invitation.inviter} invited <strong>{invitation.email}</strong> to the workspace <strong>{invitation.workspace}</strong> as {invitation.role}. The invitation is valid until{" "}
          {invitation.expiresAt.toISOString().slice(0, 10)}.
        </p>
        {!session ? (
          <p className="links">
            <Link className="button" href={`/login?next=${encodeURIComponent(here)}`}>
              Sign in to accept
            </Link>
            <Link href={`/signup?invitation=${encodeURIComponent(invitation.id)}`}>Create an account</Link>
          </p>
        ) : session.user.email.toLowerCase() !== invitation.email.toLowerCase() ? (
          <p className="notice" role="status">
            You are signed in as {session.user.email}, but this invitation is for {invitation.email}. <Link href="/logout">Sign out</Link> and sign in with that address.
          </p>
        ) : !session.user.emailVerified ? (
          <>
            <p className="notice" role="status">
              Confirm your email address first: open the link we sent to {session.user.email}, then come back to this page.
            </p>
            {emailDelivery() !== "unconfigured" ? (
              <AccountForm id="resend" label="Send a new confirmation link" action={resendVerificationAction} submit="Send a new confirmation link" pending="Sending…" fields={[]} />
            ) : null}
          </>
        ) : (
          <AccountForm id="accept" label="Accept the invitation" action={acceptInvitationAction} hidden={{ invitationId: invitation.id }} submit={`Join ${invitation.workspace}`} pending="Joining…" fields={[]} />
        )}
      </div>
    </>
  );
}
