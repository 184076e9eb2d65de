"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

/** The dashboard's sections; the current one is marked for assistive technology and the eye. */
export function NavLinks({ items }: { items: { href: string; label: string; match: string }[] }) {
  const pathname = usePathname();
  // The most specific section that holds the path (/app/analytics is Analytics, not Links).
  const holds = (match: string) => pathname === match || pathname.startsWith(`${match}/`);
  const best = items.filter((item) => holds(item.match)).sort((a, b) => b.match.length - a.match.length)[0];
  return (
    <ul>
      {items.map((item) => {
        const current = item === best;
        return (
          <li key={item.href}>
            <Link href={item.href} aria-current={current ? "page" : undefined}>
              {item.label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
