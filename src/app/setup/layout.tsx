import type { ReactNode } from "react";
import { SiteFrame } from "../_site-frame";

export default function SetupLayout({ children }: { children: ReactNode }) {
  return <SiteFrame>{children}</SiteFrame>;
}
