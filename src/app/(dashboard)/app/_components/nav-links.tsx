"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

/** The dashboard's sections; the current one is marked for assistive technology and the eye. */
export function NavLinks({ items }: { items: { href: string; label: string; match: string }[] }) {
  const pathname = usePathname();
  return (
    <ul>
      {items.map((item) => {
        const current = pathname === item.match || pathname.startsWith(`${item.match}/`);
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
