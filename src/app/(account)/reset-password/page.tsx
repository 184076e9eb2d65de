import type { Metadata } from "next";
import Link from "next/link";
import { resetPasswordAction } from "../actions";
import { AccountForm } from "../_components/account-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Choose a new password" };

export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const token = typeof params.token === "string" ? params.token : "";
  return (
    <>
      <h1>Choose a new password</h1>
      <div className="card">
        {token ? (
          <AccountForm
            action={resetPasswordAction}
            hidden={{ token }}
            submit="Set the new password"
            pending="Saving…"
            fields={[
              { name: "password", label: "New password", type: "password", autoComplete: "new-password", hint: "At least 10 characters; passwords found in data breaches are refused." },
              { name: "confirm", label: "New password, again", type: "password", autoComplete: "new-password" },
            ]}
            doneLink={{ href: "/login", label: "Sign in" }}
          />
        ) : (
          <p className="notice" role="status">
            This page needs the link from the password-reset email. <Link href="/forgot-password">Ask for a new link</Link>.
          </p>
        )}
      </div>
    </>
  );
}
