import "server-only";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { TagView } from "@/core/link";
import { TAG_COLORS } from "@/core/link";
import { authorize, type Principal } from "@/server/auth/principal";
import { ApiError } from "@/server/api/errors";
import { getDb, type Db } from "@/server/db/client";
import { isUniqueViolation } from "@/server/db/errors";
import { link, linkTag, tag } from "@/server/db/schema";
import { publishLinkChanges, type LinkRef } from "@/server/events/link-changes";
import { recordLinkChanges } from "@/server/events/link-feed";

type TagRow = typeof tag.$inferSelect;
type TagColor = (typeof TAG_COLORS)[number];

function presentTag(row: TagRow): TagView {
  return { id: row.id, name: row.name, color: row.color as TagColor, createdAt: row.createdAt.toISOString() };
}

function newTagId(): string {
  return `tag_${crypto.randomUUID().replaceAll("-", "")}`;
}

/**
 * Ids of the workspace's tags with these names, creating the missing ones (inside the caller's
 * transaction). Naming an existing tag needs only the link scope; creating one needs `tags:write`.
 */
export async function ensureTags(db: Db, principal: Principal, names: string[], field: string): Promise<Map<string, string>> {
  const workspaceId = principal.workspaceId;
  const unique = [...new Set(names)];
  const existing = await db
    .select({ id: tag.id, name: tag.name })
    .from(tag)
    .where(and(eq(tag.workspaceId, workspaceId), inArray(tag.name, unique)));
  const ids = new Map(existing.map((row) => [row.name, row.id]));
  const missing = unique.filter((name) => !ids.has(name));
  if (missing.length === 0) return ids;
  if (!principal.scopes.has("tags:write")) {
    throw new ApiError("insufficient_scope", `Creating the tag '${missing[0]}' needs the 'tags:write' scope`, field);
  }
  await db
    .insert(tag)
    .values(missing.map((name) => ({ id: newTagId(), workspaceId, name })))
    .onConflictDoNothing({ target: [tag.workspaceId, tag.name] });
  const created = await db
    .select({ id: tag.id, name: tag.name })
    .from(tag)
    .where(and(eq(tag.workspaceId, workspaceId), inArray(tag.name, missing)));
  for (const row of created) ids.set(row.name, row.id);
  return ids;
}

export async function listTags(principal: Principal): Promise<TagView[]> {
  authorize(principal, "tags:read");
  const db = await getDb();
  const rows = await db.select().from(tag).where(eq(tag.workspaceId, principal.workspaceId)).orderBy(asc(tag.name));
  return rows.map(presentTag);
}

async function findTag(db: Db, principal: Principal, id: string): Promise<TagRow> {
  const [row] = await db
    .select()
    .from(tag)
    .where(and(eq(tag.id, id), eq(tag.workspaceId, principal.workspaceId)))
    .limit(1);
  if (!row) throw new ApiError("not_found", `No tag with id '${id}'`);
  return row;
}

export async function getTag(principal: Principal, id: string): Promise<TagView> {
  authorize(principal, "tags:read");
  return presentTag(await findTag(await getDb(), principal, id));
}

function nameTaken(name: string): ApiError {
  return new ApiError("conflict", `A tag named '${name}' already exists`, "name");
}

export async function createTag(principal: Principal, input: { name: string; color?: TagColor }): Promise<TagView> {
  authorize(principal, "tags:write");
  const db = await getDb();
  const [row] = await db
    .insert(tag)
    .values({ id: newTagId(), workspaceId: principal.workspaceId, name: input.name, color: input.color ?? "gray" })
    .onConflictDoNothing({ target: [tag.workspaceId, tag.name] })
    .returning();
  if (!row) throw nameTaken(input.name);
  return presentTag(row);
}

/** Bumps the version of every link carrying `tagId`: their API view changed. */
async function touchLinksOf(db: Db, tagId: string): Promise<LinkRef[]> {
  return db
    .update(link)
    .set({ version: sql`${link.version} + 1`, updatedAt: new Date() })
    .where(inArray(link.id, db.select({ id: linkTag.linkId }).from(linkTag).where(eq(linkTag.tagId, tagId))))
    .returning({ domain: link.domain, key: link.key });
}

export async function updateTag(principal: Principal, id: string, patch: { name?: string; color?: TagColor }): Promise<TagView> {
  authorize(principal, "tags:write");
  const db = await getDb();
  const { view, touched } = await db.transaction(async (tx) => {
    await findTag(tx, principal, id);
    try {
      const [row] = await tx.update(tag).set(patch).where(eq(tag.id, id)).returning();
      const touched = await touchLinksOf(tx, id);
      await recordLinkChanges(tx, touched);
      return { view: presentTag(row!), touched };
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken(patch.name ?? "");
      throw error;
    }
  });
  await publishLinkChanges(touched);
  return view;
}

/** Deletes a tag; links keep everything else. */
export async function deleteTag(principal: Principal, id: string): Promise<void> {
  authorize(principal, "tags:write");
  const db = await getDb();
  const touched = await db.transaction(async (tx) => {
    await findTag(tx, principal, id);
    const touched = await touchLinksOf(tx, id);
    await tx.delete(tag).where(eq(tag.id, id));
    await recordLinkChanges(tx, touched);
    return touched;
  });
  await publishLinkChanges(touched);
}
