import Link from "next/link";
import type { ReactNode } from "react";
import { signOutAction } from "@/app/(account)/actions";
import { requestHeaders } from "@/server/auth/next";
import { currentSession } from "@/server/auth/session";
import { NavLinks } from "./_components/nav-links";
import { WorkspaceSwitcher } from "./_components/workspace-switcher";
import "../dashboard.css";

/**
 * The dashboard's shell: brand, the active workspace with its switcher, the sections and sign-out,
 * then the page. Each page checks the session itself (pageSession) and sends strangers to sign in
 * with the right `next`; the shell only shows who is here.
 */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const session = await currentSession(await requestHeaders());
  return (
    <div className="dash">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="dash-header">
        <div className="dash-bar">
          <Link href="/app" className="brand">
            Signpost
          </Link>
          {session ? (
            <WorkspaceSwitcher
              current={session.workspace ? { id: session.workspace.id, name: session.workspace.name, role: session.workspace.role } : null}
              workspaces={session.workspaces.map((w) => ({ id: w.id, name: w.name, role: w.role }))}
            />
          ) : null}
          <nav aria-label="Dashboard" className="dash-nav">
            <NavLinks
              items={[
                { href: "/app", label: "Links", match: "/app" },
                { href: "/app/analytics", label: "Analytics", match: "/app/analytics" },
                { href: "/settings/account", label: "Settings", match: "/settings" },
              ]}
            />
          </nav>
          {session ? (
            <form action={signOutAction} className="dash-signout">
              <span className="dash-user" title={session.user.email}>
                {session.user.email}
              </span>
              <button type="submit" className="ghost">
                Sign out
              </button>
            </form>
          ) : null}
        </div>
      </header>
      <main id="main" tabIndex={-1} className="dash-main">
        {children}
      </main>
    </div>
  );
}
