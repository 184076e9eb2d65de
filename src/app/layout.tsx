import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Signpost", template: "%s · Signpost" },
  description: "Self-hostable smart links: edge redirects, rules, A/B tests and analytics.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <Link href="/" className="brand">
            Signpost
          </Link>
        </header>
        <main className="content">{children}</main>
      </body>
    </html>
  );
}
