import "server-only";
import { authorize, type Principal } from "@/server/auth/principal";
import { getDb } from "@/server/db/client";
import type { AnalyticsContext } from "./queries";

/** The analytics queries' context for a principal: its workspace, after the scope check. */
export async function analyticsContext(principal: Principal): Promise<AnalyticsContext> {
  authorize(principal, "analytics:read");
  return { db: await getDb(), workspaceId: principal.workspaceId };
}
