import type { Metadata } from "next";
import { signOutAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign out" };

/** Signing out is a POST (a link could not be forged into signing someone out). */
export default function LogoutPage() {
  return (
    <>
      <h1>Sign out</h1>
      <div className="card">
        <p>Sign out of Signpost on this device?</p>
        <form action={signOutAction}>
          <button type="submit">Sign out</button>
        </form>
      </div>
    </>
  );
}
