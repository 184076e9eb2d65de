import type { ReactNode } from "react";
import "./account.css";

/** Sign-in, sign-up, password and email pages, invitations and settings: server-rendered forms. */
export default function AccountLayout({ children }: { children: ReactNode }) {
  return <>{children}</>;
}
