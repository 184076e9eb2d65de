import type { Metadata } from "next";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Signpost", template: "%s · Signpost" },
  description: "Self-hostable smart links: edge redirects, rules, A/B tests and analytics.",
};

/**
 * The document only: public pages wrap themselves in SiteFrame (src/app/_site-frame.tsx), the
 * dashboard under /app in its own shell, so each has one header and one <main>.
 */
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
