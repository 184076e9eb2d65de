import type { ReactNode } from "react";
import { SiteFrame } from "../_site-frame";
import "./account.css";

/** Sign-in, sign-up, password and email pages, invitations and settings: server-rendered forms. */
export default function AccountLayout({ children }: { children: ReactNode }) {
  return <SiteFrame>{children}</SiteFrame>;
}
