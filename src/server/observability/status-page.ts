import "server-only";
import { TOTAL_DIMENSION } from "@/core/analytics";
import type { CurrentSession } from "@/server/auth/session";
import { can } from "@/server/auth/permissions";
import type { Database } from "@/server/db/client";

/**
 * Who may see the status page, and its one database-backed chart.
 *
 * The page shows the whole instance's figures (every workspace's traffic, the database pool, the
 * job queue), while anyone can sign up and own a workspace of their own. So it is for the owners
 * of the instance's workspace: the workspace that first-run setup created, found as the oldest
 * workspace owned by the account that ran setup (its email is kept in `instance_state`). Admins are
 * left out: they manage a workspace's people and keys, not the deployment.
 */
export type StatusAccess = { allowed: true } | { allowed: false; reason: string };

const SETUP_CLAIM = "first-run-setup";

/** The id of the instance's workspace, or null (setup not run, or its owner left). */
export async function instanceWorkspaceId(database: Database): Promise<string | null> {
  const { rows } = await database.query(
    `select o.id
       from instance_state s
       join "user" u on lower(u.email) = lower(s.value)
       join member m on m.user_id = u.id and m.role = 'owner'
       join organization o on o.id = m.organization_id
      where s.key = $1
      order by o.created_at asc, o.id asc
      limit 1`,
    [SETUP_CLAIM],
  );
  return rows[0] ? String(rows[0].id) : null;
}

export async function statusAccess(session: CurrentSession, database: Database): Promise<StatusAccess> {
  const workspace = session.workspace;
  if (!workspace) return { allowed: false, reason: "You do not belong to a workspace." };
  if (!can(workspace.role, "status:read")) {
    return { allowed: false, reason: `The status page is for owners; your role in ${workspace.name} is ${workspace.role}.` };
  }
  if (workspace.id !== (await instanceWorkspaceId(database))) {
    return {
      allowed: false,
      reason: `The status page shows the whole instance, so it is for owners of the instance's own workspace (the one created at setup); ${workspace.name} is not it.`,
    };
  }
  return { allowed: true };
}

export interface HourlyClicks {
  /** UTC hour starts, oldest first, one per hour of the range (hours without clicks are 0). */
  hours: { at: number; humans: number; bots: number }[];
}

/**
 * Clicks per UTC hour over the last `hours` hours (the current hour included), from the hourly
 * rollup, every workspace together. Joined through the workspaces so each one's rows come from the
 * (workspace, dimension, bucket) index rather than a scan of the whole rollup.
 */
export async function clicksPerHour(database: Database, hours = 48, now = Date.now()): Promise<HourlyClicks> {
  const HOUR = 3_600_000;
  const end = Math.floor(now / HOUR) * HOUR;
  const start = end - (hours - 1) * HOUR;
  const { rows } = await database.query(
    `select extract(epoch from r.bucket)::bigint * 1000 as at, r.is_bot, sum(r.clicks)::bigint as n
       from organization o
       join click_rollup_hour r on r.workspace_id = o.id
      where r.dimension = $1 and r.bucket >= $2::timestamptz and r.bucket <= $3::timestamptz
      group by r.bucket, r.is_bot`,
    [TOTAL_DIMENSION, new Date(start).toISOString(), new Date(end).toISOString()],
  );
  const byHour = new Map<number, { humans: number; bots: number }>();
  for (const row of rows) {
    const at = Number(row.at);
    const entry = byHour.get(at) ?? { humans: 0, bots: 0 };
    if (row.is_bot === true) entry.bots += Number(row.n);
    else entry.humans += Number(row.n);
    byHour.set(at, entry);
  }
  const result: HourlyClicks["hours"] = [];
  for (let at = start; at <= end; at += HOUR) result.push({ at, ...(byHour.get(at) ?? { humans: 0, bots: 0 }) });
  return { hours: result };
}
