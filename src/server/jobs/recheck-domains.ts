import "server-only";
import type { Db } from "@/server/db/client";
import { recheckDomains } from "@/server/domains/service";
import { logger } from "@/server/observability/logger";

/** Queue (and schedule) name of the custom-domain DNS re-check. */
export const RECHECK_DOMAINS_QUEUE = "maintenance.recheck-domains";

/** Every ten minutes: a pending domain verifies itself soon after its TXT record appears. */
export const RECHECK_DOMAINS_CRON = "*/10 * * * *";

/** One round of re-checks (docs/domains.md, "Verification"); logs what it verified. */
export async function runDomainRecheck(db: Db): Promise<{ checked: number; verified: number }> {
  const result = await recheckDomains(db);
  if (result.verified > 0) logger().info({ component: "jobs", ...result }, "custom domains verified by the periodic re-check");
  return result;
}
