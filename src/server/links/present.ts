import "server-only";
import { eq, inArray } from "drizzle-orm";
import type { LinkView, TagView } from "@/core/link";
import { serverConfig } from "@/config/env";
import type { Db } from "@/server/db/client";
import { link, linkTag, tag } from "@/server/db/schema";

export type LinkRow = typeof link.$inferSelect;
type LinkTagView = Pick<TagView, "id" | "name" | "color">;

/** The short URL of a link: the app's scheme on the app host, https on every other short host. */
export function shortLinkOf(domain: string, key: string): string {
  const config = serverConfig();
  const scheme = domain === config.appHost ? new URL(config.appUrl).protocol : "https:";
  return `${scheme}//${domain}/${key}`;
}

/** The API's view of a link. Never includes the password hash. */
export function presentLink(row: LinkRow, tags: LinkTagView[]): LinkView {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    domain: row.domain,
    key: row.key,
    shortLink: shortLinkOf(row.domain, row.key),
    url: row.url,
    title: row.title,
    description: row.description,
    image: row.image,
    tags,
    comments: row.comments,
    archived: row.archived,
    disabled: row.disabled,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    expiredUrl: row.expiredUrl,
    maxClicks: row.maxClicks,
    hasPassword: row.passwordHash !== null,
    forwardQuery: row.forwardQuery,
    utm: row.utm ?? null,
    cloaked: row.cloaked,
    redirectStatus: row.redirectStatus,
    botBehavior: row.botBehavior,
    rules: row.rules,
    variants: row.variants,
    variantsEndAt: row.variantsEndAt?.toISOString() ?? null,
    version: row.version,
    clicks: row.clicks,
    lastClickedAt: row.lastClickedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Presents many links with their tags, in one query for all the tags. */
export async function presentLinks(db: Db, rows: LinkRow[]): Promise<LinkView[]> {
  if (rows.length === 0) return [];
  const tagRows = await db
    .select({ linkId: linkTag.linkId, id: tag.id, name: tag.name, color: tag.color })
    .from(linkTag)
    .innerJoin(tag, eq(tag.id, linkTag.tagId))
    .where(
      inArray(
        linkTag.linkId,
        rows.map((row) => row.id),
      ),
    )
    .orderBy(tag.name);
  const byLink = new Map<string, LinkTagView[]>();
  for (const { linkId, ...view } of tagRows) {
    const list = byLink.get(linkId) ?? [];
    list.push(view as LinkTagView);
    byLink.set(linkId, list);
  }
  return rows.map((row) => presentLink(row, byLink.get(row.id) ?? []));
}
