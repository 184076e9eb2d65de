import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { DEFAULT_AFTER_LOGIN, safeNextPath } from "@/edge/session-gate";
import { requestHeaders } from "@/server/auth/next";
import { currentSession } from "@/server/auth/session";
import { signInAction } from "../actions";
import { AccountForm } from "../_components/account-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const next = safeNextPath(typeof params.next === "string" ? params.next : null);
  if (await currentSession(await requestHeaders())) redirect(next ?? DEFAULT_AFTER_LOGIN);
  const signUpHref = next ? `/signup?next=${encodeURIComponent(next)}` : "/signup";
  return (
    <>
      <h1>Sign in</h1>
      <div className="card">
        <AccountForm
          action={signInAction}
          hidden={next ? { next } : {}}
          submit="Sign in"
          pending="Signing in…"
          fields={[
            { name: "email", label: "Email", type: "email", autoComplete: "email" },
            { name: "password", label: "Password", type: "password", autoComplete: "current-password" },
            { name: "remember", label: "Keep me signed in on this device", type: "checkbox", defaultValue: "on", required: false },
          ]}
        />
        <p className="links">
          <Link href="/forgot-password">Forgot your password?</Link>
          <Link href={signUpHref}>Create an account</Link>
        </p>
      </div>
    </>
  );
}
