import Link from "next/link";
import type { ReactNode } from "react";

/**
 * The public pages' frame (home, setup, sign-in and settings): the brand bar and a narrow column.
 * The dashboard under /app has its own shell (src/app/(dashboard)/app/layout.tsx) instead.
 */
export function SiteFrame({ children }: { children: ReactNode }) {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link href="/" className="brand">
          Signpost
        </Link>
      </header>
      <main id="main" tabIndex={-1} className="content">
        {children}
      </main>
    </>
  );
}
