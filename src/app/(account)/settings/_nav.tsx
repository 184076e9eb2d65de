import Link from "next/link";
import { can } from "@/server/auth/permissions";
import type { CurrentSession } from "@/server/auth/session";

const PAGES = [
  { href: "/settings/account", label: "Account" },
  { href: "/settings/members", label: "Members" },
  { href: "/settings/api-keys", label: "API keys" },
  { href: "/settings/domains", label: "Domains" },
  { href: "/settings/webhooks", label: "Webhooks" },
  { href: "/settings/billing", label: "Billing" },
];
/** Shown to owners only; the page itself checks who may see it (src/server/observability/status-page.ts). */
const STATUS_PAGE = { href: "/settings/status", label: "Status" };

/** The settings pages' heading area: who is signed in, the current workspace, the sub-pages. */
export function SettingsNav({ session, current }: { session: CurrentSession; current: string }) {
  return (
    <>
      <p className="note">
        Signed in as <strong>{session.user.email}</strong>
        {session.workspace ? (
          <>
            {" "}
            · workspace <strong>{session.workspace.name}</strong> ({session.workspace.role})
          </>
        ) : null}{" "}
        · <Link href="/app">Your links</Link> · <Link href="/logout">Sign out</Link>
      </p>
      <nav aria-label="Settings">
        <ul className="settings-nav">
          {[...PAGES, ...(session.workspace && can(session.workspace.role, "status:read") ? [STATUS_PAGE] : [])].map((page) => (
            <li key={page.href}>
              <Link href={page.href} aria-current={page.href === current ? "page" : undefined}>
                {page.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
    </>
  );
}
