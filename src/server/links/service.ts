import "server-only";
import { and, eq, inArray } from "drizzle-orm";
import { isLoopDestination } from "@/core/destination";
import { hashLinkPassword } from "@/core/link-password";
import { MAX_BULK, keySchema, type CreateLinkInput, type EdgeLink, type LinkView, type UpdateLinkInput } from "@/core/link";
import { isReservedKey } from "@/core/reserved";
import { generateSlug } from "@/core/slug";
import { serverConfig } from "@/config/env";
import { authorize, type Principal } from "@/server/auth/principal";
import { ApiError } from "@/server/api/errors";
import { enforcePlanLimit } from "@/server/billing/limits";
import { getDb, type Db } from "@/server/db/client";
import { isUniqueViolation } from "@/server/db/errors";
import { domain as domainTable, link, linkTag } from "@/server/db/schema";
import { publishLinkChanges, type LinkRef } from "@/server/events/link-changes";
import { recordLinkChanges } from "@/server/events/link-feed";
import { wakeMetadataJobs } from "@/server/jobs/link-metadata";
import { linkEvents, recordWebhookEvents, wakeDeliveries } from "@/server/webhooks/service";
import { presentLinks, type LinkRow } from "./present";
import { ensureTags } from "./tags";

/** Field path of item `index` in a bulk body (`links.3.`), or nothing for a single link. */
type Path = (field: string) => string;
const single: Path = (field) => field;
const item =
  (collection: string, index: number): Path =>
  (field) =>
    `${collection}.${index}.${field}`;

/** Every host a destination must not point at: our short domains and all custom domains. */
async function ownShortHosts(db: Db): Promise<string[]> {
  const custom = await db.select({ host: domainTable.host }).from(domainTable);
  return [...serverConfig().shortDomains, ...custom.map((row) => row.host)];
}

/** The domain a link lands on: the first configured short domain unless one of the workspace's is named. */
async function resolveDomain(db: Db, principal: Principal, requested: string | undefined, path: Path): Promise<string> {
  const config = serverConfig();
  if (!requested) return config.shortDomains[0]!;
  if (config.shortDomains.includes(requested)) return requested;
  const [owned] = await db
    .select({ host: domainTable.host, verifiedAt: domainTable.verifiedAt })
    .from(domainTable)
    .where(and(eq(domainTable.host, requested), eq(domainTable.workspaceId, principal.workspaceId)))
    .limit(1);
  if (!owned) throw new ApiError("validation_failed", `${path("domain")} '${requested}' is not one of this workspace's domains`, path("domain"));
  // Links only on hosts the workspace proved it controls (docs/domains.md, "Verification").
  if (!owned.verifiedAt) throw new ApiError("validation_failed", `${path("domain")} '${requested}' is not verified yet; add its DNS TXT record and verify it first`, path("domain"));
  return owned.host;
}

function checkNoLoops(input: Partial<CreateLinkInput>, shortHosts: string[], path: Path): void {
  const destinations: [string, string | null | undefined][] = [
    ["url", input.url],
    ["expiredUrl", input.expiredUrl],
    ...(input.rules ?? []).map((rule, i): [string, string] => [`rules.${i}.url`, rule.url]),
    ...(input.variants ?? []).map((variant, i): [string, string] => [`variants.${i}.url`, variant.url]),
  ];
  for (const [field, url] of destinations) {
    if (url && isLoopDestination(url, shortHosts)) {
      throw new ApiError("validation_failed", `${path(field)} points at a short link host of this instance, which would loop`, path(field));
    }
  }
}

/**
 * Whether a link's empty preview fields should be filled from its destination page (a background
 * job; LINK_METADATA=off turns it off): when the title or the image is missing.
 */
function wantsMetadata(fields: { title?: string | null; image?: string | null }): boolean {
  return serverConfig().linkMetadata && (!fields.title || !fields.image);
}

const GENERATED_KEY_ATTEMPTS = 8;

/** A random slug that is not a reserved word; longer after a few collisions. */
function generateKeyCandidate(attempt: number): string {
  let key: string;
  do key = generateSlug(attempt < 4 ? 7 : 9);
  while (isReservedKey(key));
  return key;
}

/** Column values for the fields present in `input` (create or update). */
async function columnsOf(input: Partial<CreateLinkInput>): Promise<Partial<typeof link.$inferInsert>> {
  const values: Partial<typeof link.$inferInsert> = {};
  const copy = ["url", "title", "description", "image", "comments", "archived", "disabled", "expiredUrl", "maxClicks", "forwardQuery", "utm", "cloaked", "redirectStatus", "botBehavior", "rules", "variants"] as const;
  for (const field of copy) {
    if (input[field] !== undefined) (values as Record<string, unknown>)[field] = input[field];
  }
  if (input.expiresAt !== undefined) values.expiresAt = input.expiresAt === null ? null : new Date(input.expiresAt);
  if (input.variantsEndAt !== undefined) values.variantsEndAt = input.variantsEndAt === null ? null : new Date(input.variantsEndAt);
  if (input.password !== undefined) values.passwordHash = input.password === null ? null : await hashLinkPassword(input.password);
  return values;
}

async function setTags(db: Db, principal: Principal, linkId: string, names: string[], path: Path): Promise<void> {
  await db.delete(linkTag).where(eq(linkTag.linkId, linkId));
  if (names.length === 0) return;
  const ids = await ensureTags(db, principal, names, path("tags"));
  await db
    .insert(linkTag)
    .values([...new Set(names.map((name) => ids.get(name)!))].map((tagId) => ({ linkId, tagId })))
    .onConflictDoNothing();
}

function newLinkId(): string {
  return `lnk_${crypto.randomUUID().replaceAll("-", "")}`;
}

async function insertOne(
  db: Db,
  principal: Principal,
  input: CreateLinkInput,
  columns: Partial<typeof link.$inferInsert>,
  shortHosts: string[],
  path: Path,
): Promise<LinkRow> {
  checkNoLoops(input, shortHosts, path);
  const host = await resolveDomain(db, principal, input.domain, path);
  const now = new Date();
  const attempts = input.key ? 1 : GENERATED_KEY_ATTEMPTS;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const [row] = await db
      .insert(link)
      .values({
        ...columns,
        id: newLinkId(),
        workspaceId: principal.workspaceId,
        domain: host,
        key: input.key ?? generateKeyCandidate(attempt),
        url: input.url,
        createdBy: principal.userId,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing({ target: [link.domain, link.key] })
      .returning();
    if (row) {
      if (input.tags?.length) await setTags(db, principal, row.id, input.tags, path);
      return row;
    }
  }
  if (input.key) throw new ApiError("key_taken", `${path("key")} '${input.key}' is already in use on ${host}`, path("key"));
  throw new ApiError("conflict", "Could not find a free key; try again or choose one", path("key"));
}

/** Creates links all-or-nothing: any invalid item fails the call and nothing is written. */
export async function createLinks(principal: Principal, inputs: CreateLinkInput[], bulk = true): Promise<LinkView[]> {
  authorize(principal, "links:write");
  if (inputs.length > MAX_BULK) throw new ApiError("payload_too_large", `At most ${MAX_BULK} links per call`, "links");
  // Password hashing is slow by design: done before the transaction opens, not while it holds locks.
  const columns = await Promise.all(inputs.map(async (input) => ({ ...(await columnsOf(input)), metadataStatus: wantsMetadata(input) ? ("pending" as const) : null })));
  const db = await getDb();
  const { views, deliveries } = await db.transaction(async (tx) => {
    await enforcePlanLimit(tx, principal.workspaceId, "links", inputs.length);
    const shortHosts = await ownShortHosts(tx);
    const rows: LinkRow[] = [];
    for (const [index, input] of inputs.entries()) {
      rows.push(await insertOne(tx, principal, input, columns[index]!, shortHosts, bulk ? item("links", index) : single));
    }
    const views = await presentLinks(tx, rows);
    const deliveries = await recordWebhookEvents(tx, linkEvents("link.created", views, principal.workspaceId));
    await recordLinkChanges(tx, views);
    return { views, deliveries };
  });
  await publishLinkChanges(views);
  await wakeDeliveries(deliveries);
  await wakeMetadataJobs(views.filter((_, index) => columns[index]!.metadataStatus === "pending").map((view) => view.id));
  return views;
}

export async function createLink(principal: Principal, input: CreateLinkInput): Promise<LinkView> {
  const [view] = await createLinks(principal, [input], false);
  return view!;
}

async function findOwned(db: Db, principal: Principal, id: string, forUpdate = false): Promise<LinkRow> {
  const query = db
    .select()
    .from(link)
    .where(and(eq(link.id, id), eq(link.workspaceId, principal.workspaceId)))
    .limit(1);
  const [row] = forUpdate ? await query.for("update") : await query;
  if (!row) throw new ApiError("not_found", `No link with id '${id}'`);
  return row;
}

/** A link of the principal's workspace; any other workspace's link is reported as not found. */
export async function getLink(principal: Principal, id: string): Promise<LinkView> {
  authorize(principal, "links:read");
  const db = await getDb();
  const [view] = await presentLinks(db, [await findOwned(db, principal, id)]);
  return view!;
}

async function updateOne(
  db: Db,
  principal: Principal,
  id: string,
  patch: UpdateLinkInput,
  columns: Partial<typeof link.$inferInsert>,
  shortHosts: string[],
  path: Path,
  changed: LinkRef[] = [],
): Promise<LinkRow> {
  const current = await findOwned(db, principal, id, true);
  checkNoLoops(patch, shortHosts, path);
  // Checks that span fields are made on the merged link, so a patch cannot break them.
  const expiredUrl = patch.expiredUrl !== undefined ? patch.expiredUrl : current.expiredUrl;
  if (expiredUrl && isLoopDestination(expiredUrl, shortHosts)) {
    throw new ApiError("validation_failed", `${path("expiredUrl")} points at a short link host of this instance, which would loop`, path("expiredUrl"));
  }
  if (patch.domain !== undefined) columns.domain = await resolveDomain(db, principal, patch.domain, path);
  if (patch.key !== undefined) columns.key = patch.key;
  // A new destination with preview fields still empty: fetch the new page's.
  const refetch =
    patch.url !== undefined &&
    patch.url !== current.url &&
    wantsMetadata({ title: patch.title !== undefined ? patch.title : current.title, image: patch.image !== undefined ? patch.image : current.image });
  if (refetch) Object.assign(columns, { metadataStatus: "pending", metadataError: null });
  let row: LinkRow | undefined;
  try {
    [row] = await db
      .update(link)
      .set({ ...columns, version: current.version + 1, updatedAt: new Date() })
      .where(eq(link.id, current.id))
      .returning();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const key = columns.key ?? current.key;
    throw new ApiError("key_taken", `${path("key")} '${key}' is already in use on ${columns.domain ?? current.domain}`, path("key"));
  }
  if (patch.tags !== undefined) await setTags(db, principal, current.id, patch.tags, path);
  changed.push(current, row!);
  return row!;
}

/** Partial update; bumps `version` so edge caches can tell. */
export async function updateLink(principal: Principal, id: string, patch: UpdateLinkInput): Promise<LinkView> {
  authorize(principal, "links:write");
  const columns = await columnsOf(patch);
  const db = await getDb();
  const changed: LinkRef[] = [];
  const { view, row, deliveries } = await db.transaction(async (tx) => {
    const row = await updateOne(tx, principal, id, patch, columns, await ownShortHosts(tx), single, changed);
    const [view] = await presentLinks(tx, [row]);
    const deliveries = await recordWebhookEvents(tx, linkEvents("link.updated", [view!], principal.workspaceId));
    await recordLinkChanges(tx, changed);
    return { view: view!, row, deliveries };
  });
  await publishLinkChanges(changed);
  await wakeDeliveries(deliveries);
  if (row.metadataStatus === "pending") await wakeMetadataJobs([row.id]);
  return view;
}

/** Updates many links all-or-nothing. */
export async function updateLinks(principal: Principal, patches: (UpdateLinkInput & { id: string })[]): Promise<LinkView[]> {
  authorize(principal, "links:write");
  if (patches.length > MAX_BULK) throw new ApiError("payload_too_large", `At most ${MAX_BULK} links per call`, "links");
  const seen = new Set<string>();
  for (const [index, { id }] of patches.entries()) {
    if (seen.has(id)) throw new ApiError("validation_failed", `links.${index}.id '${id}' appears more than once`, `links.${index}.id`);
    seen.add(id);
  }
  const columns = await Promise.all(patches.map(({ id: _id, ...patch }) => columnsOf(patch)));
  const db = await getDb();
  const changed: LinkRef[] = [];
  const { views, pending, deliveries } = await db.transaction(async (tx) => {
    const shortHosts = await ownShortHosts(tx);
    const rows: LinkRow[] = [];
    for (const [index, { id, ...patch }] of patches.entries()) {
      try {
        rows.push(await updateOne(tx, principal, id, patch, columns[index]!, shortHosts, item("links", index), changed));
      } catch (error) {
        if (error instanceof ApiError && error.code === "not_found") {
          throw new ApiError("not_found", `links.${index}.id: no link with id '${id}'`, `links.${index}.id`);
        }
        throw error;
      }
    }
    const views = await presentLinks(tx, rows);
    const deliveries = await recordWebhookEvents(tx, linkEvents("link.updated", views, principal.workspaceId));
    await recordLinkChanges(tx, changed);
    return { views, deliveries, pending: rows.filter((row) => row.metadataStatus === "pending").map((row) => row.id) };
  });
  await publishLinkChanges(changed);
  await wakeDeliveries(deliveries);
  await wakeMetadataJobs(pending);
  return views;
}

export async function setArchived(principal: Principal, id: string, archived: boolean): Promise<LinkView> {
  return updateLink(principal, id, { archived });
}

/** Deletes a link and its click history. */
export async function deleteLink(principal: Principal, id: string): Promise<void> {
  await deleteLinks(principal, [id], false);
}

/** Deletes links all-or-nothing: one unknown id and nothing is deleted. */
export async function deleteLinks(principal: Principal, ids: string[], bulk = true): Promise<number> {
  authorize(principal, "links:write");
  if (ids.length > MAX_BULK) throw new ApiError("payload_too_large", `At most ${MAX_BULK} ids per call`, "ids");
  const seen = new Map<string, number>();
  for (const [index, id] of ids.entries()) {
    if (seen.has(id)) throw new ApiError("validation_failed", `ids.${index} '${id}' appears more than once`, `ids.${index}`);
    seen.set(id, index);
  }
  const unique = ids;
  const db = await getDb();
  const { deleted, deliveries } = await db.transaction(async (tx) => {
    const deleted = await tx
      .delete(link)
      .where(and(inArray(link.id, unique), eq(link.workspaceId, principal.workspaceId)))
      .returning({ id: link.id, domain: link.domain, key: link.key });
    if (deleted.length !== unique.length) {
      const found = new Set(deleted.map((row) => row.id));
      const index = ids.findIndex((id) => !found.has(id));
      const field = bulk ? `ids.${index}` : undefined;
      throw new ApiError("not_found", `No link with id '${ids[index]}'${bulk ? "; nothing was deleted" : ""}`, field);
    }
    // A deleted link's event names it (id, domain, key); its settings are gone with it.
    const events = deleted.map((row) => ({ workspaceId: principal.workspaceId, type: "link.deleted" as const, data: { link: row } }));
    const deliveries = await recordWebhookEvents(tx, events);
    await recordLinkChanges(tx, deleted);
    return { deleted, deliveries };
  });
  await publishLinkChanges(deleted);
  await wakeDeliveries(deliveries);
  return deleted.length;
}

/**
 * Deletes every link of a workspace on `host` inside `tx` (a custom domain removed with `force`),
 * recording their `link.deleted` webhook events and change-feed rows there too. Call `announce` once
 * `tx` committed: it pushes the evictions to subscribed edge caches and wakes webhook delivery.
 */
export async function deleteLinksOnDomain(tx: Db, workspaceId: string, host: string): Promise<{ count: number; announce: () => Promise<void> }> {
  const deleted = await tx
    .delete(link)
    .where(and(eq(link.workspaceId, workspaceId), eq(link.domain, host)))
    .returning({ id: link.id, domain: link.domain, key: link.key });
  const events = deleted.map((row) => ({ workspaceId, type: "link.deleted" as const, data: { link: row } }));
  const deliveries = await recordWebhookEvents(tx, events);
  await recordLinkChanges(tx, deleted);
  return {
    count: deleted.length,
    announce: async () => {
      await publishLinkChanges(deleted);
      await wakeDeliveries(deliveries);
    },
  };
}

export type Availability = { key: string; domain: string; available: boolean; reason: "taken" | "reserved" | "invalid" | null };

/** Whether `key` can be used on `domain` (the default short domain when absent). */
export async function checkAvailability(principal: Principal, key: string, requestedDomain?: string): Promise<Availability> {
  authorize(principal, "links:read");
  const db = await getDb();
  const host = await resolveDomain(db, principal, requestedDomain, single);
  const parsed = keySchema.safeParse(key);
  if (!parsed.success) {
    return { key, domain: host, available: false, reason: isReservedKey(key.trim()) ? "reserved" : "invalid" };
  }
  const [taken] = await db
    .select({ id: link.id })
    .from(link)
    .where(and(eq(link.domain, host), eq(link.key, parsed.data)))
    .limit(1);
  return { key: parsed.data, domain: host, available: !taken, reason: taken ? "taken" : null };
}

/** What the edge needs to decide, looked up by host and slug (internal protocol). */
export async function lookupLinkForEdge(host: string, key: string): Promise<EdgeLink | null> {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(link)
    .where(and(eq(link.domain, host.toLowerCase()), eq(link.key, key)))
    .limit(1);
  if (!row) return null;
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    domain: row.domain,
    key: row.key,
    url: row.url,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    title: row.title,
    description: row.description,
    image: row.image,
    archived: row.archived,
    disabled: row.disabled,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    expiredUrl: row.expiredUrl,
    maxClicks: row.maxClicks,
    passwordHash: row.passwordHash,
    forwardQuery: row.forwardQuery,
    utm: row.utm ?? null,
    cloaked: row.cloaked,
    redirectStatus: row.redirectStatus as EdgeLink["redirectStatus"],
    botBehavior: row.botBehavior,
    rules: row.rules,
    variants: row.variants,
    variantsEndAt: row.variantsEndAt?.toISOString() ?? null,
  };
}
