import "server-only";
import { and, eq } from "drizzle-orm";
import { createLinkSchema, type CreateLinkInput, type EdgeLink } from "@/core/link";
import { isReservedKey } from "@/core/reserved";
import { generateSlug } from "@/core/slug";
import { serverConfig } from "@/config/env";
import { authorize, type Principal } from "@/server/auth/principal";
import { ApiError } from "@/server/api/errors";
import { getDb } from "@/server/db/client";
import { domain as domainTable, link } from "@/server/db/schema";

export { createLinkSchema };

type LinkRow = typeof link.$inferSelect;

/** The API's view of a link. */
export function presentLink(row: LinkRow) {
  const config = serverConfig();
  const scheme = row.domain === config.appHost ? new URL(config.appUrl).protocol : "https:";
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    domain: row.domain,
    key: row.key,
    shortLink: `${scheme}//${row.domain}/${row.key}`,
    url: row.url,
    title: row.title,
    description: row.description,
    archived: row.archived,
    version: row.version,
    clicks: row.clicks,
    lastClickedAt: row.lastClickedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export type LinkView = ReturnType<typeof presentLink>;

function newLinkId(): string {
  return `lnk_${crypto.randomUUID().replaceAll("-", "")}`;
}

/** The domain a new link lands on: the first configured short domain unless one is named. */
async function resolveDomain(principal: Principal, requested: string | undefined): Promise<string> {
  const config = serverConfig();
  if (!requested) return config.shortDomains[0]!;
  if (config.shortDomains.includes(requested)) return requested;
  const db = await getDb();
  const [owned] = await db
    .select({ host: domainTable.host })
    .from(domainTable)
    .where(and(eq(domainTable.host, requested), eq(domainTable.workspaceId, principal.workspaceId)))
    .limit(1);
  if (!owned) throw new ApiError("validation_failed", `domain '${requested}' is not one of this workspace's domains`, "domain");
  return owned.host;
}

const GENERATED_KEY_ATTEMPTS = 8;

/** A random slug that is not a reserved word; longer after a few collisions. */
function generateFreeCandidate(attempt: number): string {
  let key: string;
  do key = generateSlug(attempt < 4 ? 7 : 9);
  while (isReservedKey(key));
  return key;
}

/** Creates a link; a taken slug is a 409 on `key`, a generated one is retried until free. */
export async function createLink(principal: Principal, input: CreateLinkInput): Promise<LinkView> {
  authorize(principal, "links:write");
  const db = await getDb();
  const host = await resolveDomain(principal, input.domain);
  const attempts = input.key ? 1 : GENERATED_KEY_ATTEMPTS;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const [row] = await db
      .insert(link)
      .values({
        id: newLinkId(),
        workspaceId: principal.workspaceId,
        domain: host,
        key: input.key ?? generateFreeCandidate(attempt),
        url: input.url,
        createdBy: principal.userId,
      })
      .onConflictDoNothing({ target: [link.domain, link.key] })
      .returning();
    if (row) return presentLink(row);
  }
  if (input.key) throw new ApiError("key_taken", `key '${input.key}' is already in use on ${host}`, "key");
  throw new ApiError("conflict", "Could not find a free key; try again or choose one");
}

/** A link of the principal's workspace; any other workspace's link is reported as not found. */
export async function getLink(principal: Principal, id: string): Promise<LinkView> {
  authorize(principal, "links:read");
  const db = await getDb();
  const [row] = await db
    .select()
    .from(link)
    .where(and(eq(link.id, id), eq(link.workspaceId, principal.workspaceId)))
    .limit(1);
  if (!row) throw new ApiError("not_found", `No link with id '${id}'`);
  return presentLink(row);
}

/** What the edge needs to redirect, looked up by host and slug (internal protocol). */
export async function lookupLinkForEdge(host: string, key: string): Promise<EdgeLink | null> {
  const db = await getDb();
  const [row] = await db
    .select({
      id: link.id,
      workspaceId: link.workspaceId,
      domain: link.domain,
      key: link.key,
      url: link.url,
      version: link.version,
      archived: link.archived,
    })
    .from(link)
    .where(and(eq(link.domain, host.toLowerCase()), eq(link.key, key)))
    .limit(1);
  if (!row || row.archived) return null;
  const { archived: _archived, ...edgeLink } = row;
  return edgeLink;
}
