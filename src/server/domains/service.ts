import "server-only";
import { enforcePlanLimit } from "@/server/billing/limits";
import { and, asc, count, eq, isNotNull, isNull, lt, ne, or, sql } from "drizzle-orm";
import { challengeName, normalizeHost, type CreateDomainInput, type DomainView } from "@/core/domains";
import { serverConfig } from "@/config/env";
import { ApiError } from "@/server/api/errors";
import { authorize, type Principal } from "@/server/auth/principal";
import { getDb, type Db } from "@/server/db/client";
import { domain, link } from "@/server/db/schema";
import { deleteLinksOnDomain } from "@/server/links/service";
import { checkDomainDns, type DnsSettings } from "./dns-check";

type DomainRow = typeof domain.$inferSelect;

const newId = () => `dom_${crypto.randomUUID().replaceAll("-", "")}`;

/** DNS_SERVERS and DOMAIN_TARGET. */
export function dnsSettings(): DnsSettings {
  const config = serverConfig();
  return { servers: config.dnsServers, target: config.domainTarget };
}

function presentTarget(target: readonly string[]): DomainView["target"] {
  if (target.length === 0) return null;
  const isName = target.length === 1 && /[a-z]/.test(target[0]!) && !target[0]!.includes(":");
  return isName ? { type: "CNAME", value: target[0]! } : { type: "A/AAAA", value: target.join(", ") };
}

export function presentDomain(row: DomainRow): DomainView {
  return {
    id: row.id,
    host: row.host,
    status: row.verifiedAt ? "verified" : "pending",
    verifiedAt: row.verifiedAt?.toISOString() ?? null,
    verification: { type: "TXT", name: challengeName(row.host), value: row.token },
    target: presentTarget(serverConfig().domainTarget),
    checkedAt: row.checkedAt?.toISOString() ?? null,
    checkError: row.checkError,
    pointsHere: row.pointsHere,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The host to store, or a 422 on `host` naming what is wrong with it. */
function acceptableHost(input: string): string {
  const checked = normalizeHost(input);
  if (!checked.ok) throw new ApiError("validation_failed", `host ${checked.problem}`, "host");
  const config = serverConfig();
  const withoutPort = (host: string) => host.replace(/:\d+$/, "");
  if ([config.appHost, config.originHost].map(withoutPort).includes(checked.host)) {
    throw new ApiError("validation_failed", `host '${checked.host}' is this instance's own app host and cannot be a custom domain`, "host");
  }
  if (config.shortDomains.map(withoutPort).includes(checked.host)) {
    throw new ApiError("validation_failed", `host '${checked.host}' is already a short domain of this instance (SHORT_DOMAINS), available to every workspace`, "host");
  }
  return checked.host;
}

async function findDomain(db: Db, principal: Principal, id: string): Promise<DomainRow> {
  const [row] = await db
    .select()
    .from(domain)
    .where(and(eq(domain.id, id), eq(domain.workspaceId, principal.workspaceId)))
    .limit(1);
  if (!row) throw new ApiError("not_found", `No domain with id '${id}'`);
  return row;
}

/** Serialises changes to one host across workspaces (adding, verifying), so the checks hold. */
const lockHost = (tx: Db, host: string) => tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`domain:${host}`}))`);

async function verifiedElsewhere(tx: Db, workspaceId: string, host: string): Promise<boolean> {
  const [row] = await tx
    .select({ id: domain.id })
    .from(domain)
    .where(and(eq(domain.host, host), isNotNull(domain.verifiedAt), ne(domain.workspaceId, workspaceId)))
    .limit(1);
  return Boolean(row);
}

const takenError = (host: string) => new ApiError("domain_taken", `host '${host}' is already verified by another workspace`, "host");

export async function listDomains(principal: Principal): Promise<DomainView[]> {
  authorize(principal, "domains:read");
  const db = await getDb();
  const rows = await db.select().from(domain).where(eq(domain.workspaceId, principal.workspaceId)).orderBy(asc(domain.host));
  return rows.map(presentDomain);
}

/** The workspace's verified custom hosts, for the link editor and the links list's filter. */
export async function verifiedHosts(db: Db, workspaceId: string): Promise<string[]> {
  const rows = await db
    .select({ host: domain.host })
    .from(domain)
    .where(and(eq(domain.workspaceId, workspaceId), isNotNull(domain.verifiedAt)))
    .orderBy(asc(domain.host));
  return rows.map((row) => row.host);
}

/** How many links (archived ones too) each of the workspace's hosts carries, for the settings page. */
export async function linkCountsByHost(principal: Principal): Promise<Map<string, number>> {
  authorize(principal, "domains:read");
  const db = await getDb();
  const rows = await db
    .select({ host: link.domain, n: count() })
    .from(link)
    .innerJoin(domain, and(eq(domain.host, link.domain), eq(domain.workspaceId, link.workspaceId)))
    .where(eq(link.workspaceId, principal.workspaceId))
    .groupBy(link.domain);
  return new Map(rows.map((row) => [row.host, Number(row.n)]));
}

export async function getDomain(principal: Principal, id: string): Promise<DomainView> {
  authorize(principal, "domains:read");
  return presentDomain(await findDomain(await getDb(), principal, id));
}

/**
 * Adds a pending custom domain. Refused: a malformed host, the app host, a SHORT_DOMAINS host
 * (422); a host this workspace has already (409 `conflict`) or that another workspace verified
 * (409 `domain_taken`). Another workspace's *pending* claim does not block: proving control wins.
 */
export async function addDomain(principal: Principal, input: CreateDomainInput): Promise<DomainView> {
  authorize(principal, "domains:write");
  const host = acceptableHost(input.host);
  const db = await getDb();
  const row = await db.transaction(async (tx) => {
    await lockHost(tx, host);
    const [own] = await tx
      .select({ id: domain.id })
      .from(domain)
      .where(and(eq(domain.workspaceId, principal.workspaceId), eq(domain.host, host)))
      .limit(1);
    if (own) throw new ApiError("conflict", `host '${host}' is already one of this workspace's domains`, "host");
    if (await verifiedElsewhere(tx, principal.workspaceId, host)) throw takenError(host);
    await enforcePlanLimit(tx, principal.workspaceId, "domains");
    const [created] = await tx.insert(domain).values({ id: newId(), workspaceId: principal.workspaceId, host }).returning();
    return created!;
  });
  return presentDomain(row);
}

/** Records one DNS check of `row`; verifies it when the TXT record holds its token and nobody else has it. */
async function recordCheck(db: Db, row: DomainRow): Promise<{ row: DomainRow; taken: boolean }> {
  const check = await checkDomainDns(row.host, row.token, dnsSettings());
  return db.transaction(async (tx) => {
    await lockHost(tx, row.host);
    const taken = check.verified && !row.verifiedAt && (await verifiedElsewhere(tx, row.workspaceId, row.host));
    const [updated] = await tx
      .update(domain)
      .set({
        checkedAt: new Date(),
        pointsHere: check.pointsHere,
        checkError: taken ? "Another workspace has already verified this host" : check.error,
        // Verification is proof of control at one moment; a later failed check is reported, not revoked.
        ...(check.verified && !row.verifiedAt && !taken ? { verifiedAt: new Date() } : {}),
      })
      .where(eq(domain.id, row.id))
      .returning();
    if (!updated) throw new ApiError("not_found", `No domain with id '${row.id}'`);
    return { row: updated, taken };
  });
}

/**
 * For a TLS terminator that issues certificates on demand (Caddy's `on_demand_tls { ask … }`):
 * whether `host` is a short domain of this instance or a verified custom domain. Anything else is
 * refused, so nobody can make the proxy request certificates for arbitrary names.
 */
export async function isServedDomain(host: string): Promise<boolean> {
  const checked = normalizeHost(host);
  if (!checked.ok) return false;
  if (serverConfig().shortDomains.some((short) => short.replace(/:\d+$/, "") === checked.host)) return true;
  const db = await getDb();
  const [row] = await db
    .select({ id: domain.id })
    .from(domain)
    .where(and(eq(domain.host, checked.host), isNotNull(domain.verifiedAt)))
    .limit(1);
  return Boolean(row);
}

/** "Verify now": checks DNS at once and answers the domain as it is afterwards. */
export async function verifyDomain(principal: Principal, id: string): Promise<DomainView> {
  authorize(principal, "domains:write");
  const db = await getDb();
  const checked = await recordCheck(db, await findDomain(db, principal, id));
  if (checked.taken) throw takenError(checked.row.host);
  return presentDomain(checked.row);
}

/**
 * Removes a custom domain. While links live on it: 409 unless `force`, which deletes those links
 * (and their click history) in the same transaction.
 */
export async function deleteDomain(principal: Principal, id: string, force: boolean): Promise<{ deletedLinks: number }> {
  authorize(principal, "domains:write");
  if (force) authorize(principal, "links:write");
  const db = await getDb();
  const current = await findDomain(db, principal, id);
  const { deletedLinks, announce } = await db.transaction(async (tx) => {
    const [{ n }] = (await tx
      .select({ n: count() })
      .from(link)
      .where(and(eq(link.workspaceId, principal.workspaceId), eq(link.domain, current.host)))) as [{ n: number }];
    if (n > 0 && !force) {
      throw new ApiError("conflict", `${n} link${n === 1 ? "" : "s"} still use${n === 1 ? "s" : ""} ${current.host}; delete or move them first, or pass ?force=true to delete them with the domain`);
    }
    const removed = n > 0 ? await deleteLinksOnDomain(tx, principal.workspaceId, current.host) : { count: 0, announce: async () => {} };
    await tx.delete(domain).where(eq(domain.id, current.id));
    return { deletedLinks: removed.count, announce: removed.announce };
  });
  await announce();
  return { deletedLinks };
}

/**
 * The periodic re-check (src/server/jobs/recheck-domains.ts): pending domains added in the last 30
 * days (so creating the record is enough, no click needed) and verified ones not checked for a day
 * (to report a removed record or a host that moved away).
 */
export async function recheckDomains(db: Db, options: { limit?: number; pendingYoungerThanDays?: number } = {}): Promise<{ checked: number; verified: number }> {
  const dayAgo = new Date(Date.now() - 86_400_000);
  const pendingSince = new Date(Date.now() - (options.pendingYoungerThanDays ?? 30) * 86_400_000);
  const due = await db
    .select()
    .from(domain)
    .where(
      or(
        and(isNull(domain.verifiedAt), sql`${domain.createdAt} > ${pendingSince}`),
        and(isNotNull(domain.verifiedAt), or(isNull(domain.checkedAt), lt(domain.checkedAt, dayAgo))),
      ),
    )
    .orderBy(sql`${domain.checkedAt} asc nulls first`)
    .limit(options.limit ?? 200);
  let verified = 0;
  for (const row of due) {
    try {
      const after = await recordCheck(db, row);
      if (!row.verifiedAt && after.row.verifiedAt) verified++;
    } catch (error) {
      // Deleted meanwhile: nothing to record.
      if (!(error instanceof ApiError && error.code === "not_found")) throw error;
    }
  }
  return { checked: due.length, verified };
}
