import type { Metadata } from "next";
import Link from "next/link";
import { emailDelivery, EMAIL_NOT_CONFIGURED_MESSAGE } from "@/server/email/mailer";
import { forgotPasswordAction } from "../actions";
import { AccountForm } from "../_components/account-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Forgot your password?" };

export default function ForgotPasswordPage() {
  const delivery = emailDelivery();
  return (
    <>
      <h1>Forgot your password?</h1>
      <div className="card">
        {delivery === "unconfigured" ? (
          <p className="notice" role="status">
            {EMAIL_NOT_CONFIGURED_MESSAGE}
          </p>
        ) : (
          <>
            <p>Enter the email address of your account and we will send you a link to choose a new one.</p>
            <AccountForm
              action={forgotPasswordAction}
              submit="Send the link"
              pending="Sending…"
              fields={[{ name: "email", label: "Email", type: "email", autoComplete: "email" }]}
            />
          </>
        )}
        <p className="links">
          <Link href="/login">Back to sign in</Link>
        </p>
      </div>
    </>
  );
}
