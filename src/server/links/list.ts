import "server-only";
import { and, asc, desc, eq, exists, ilike, or, sql, type SQL } from "drizzle-orm";
import type { LinkView, ListLinksQuery } from "@/core/link";
import { authorize, type Principal } from "@/server/auth/principal";
import { ApiError } from "@/server/api/errors";
import { getDb } from "@/server/db/client";
import { link, linkTag, tag } from "@/server/db/schema";
import { presentLinks, type LinkRow } from "./present";

const SORT_COLUMNS = {
  createdAt: link.createdAt,
  updatedAt: link.updatedAt,
  clicks: link.clicks,
  key: link.key,
} as const;

type SortValue = string | number;
interface Cursor {
  sort: ListLinksQuery["sort"];
  order: ListLinksQuery["order"];
  value: SortValue;
  id: string;
}

function sortValueOf(row: LinkRow, sort: ListLinksQuery["sort"]): SortValue {
  const value = row[sort];
  return value instanceof Date ? value.toISOString() : value;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.order, cursor.value, cursor.id])).toString("base64url");
}

function decodeCursor(text: string, query: ListLinksQuery): Cursor {
  const invalid = new ApiError("bad_request", "cursor is not one this endpoint issued for this sort and order", "cursor");
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    throw invalid;
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw invalid;
  const [sort, order, value, id] = parsed as unknown[];
  if (sort !== query.sort || order !== query.order || typeof id !== "string") throw invalid;
  const numeric = sort === "clicks";
  if (numeric ? typeof value !== "number" : typeof value !== "string") throw invalid;
  if ((sort === "createdAt" || sort === "updatedAt") && Number.isNaN(Date.parse(value as string))) throw invalid;
  return { sort: query.sort, order: query.order, value: value as SortValue, id };
}

/** `%` and `_` in the search text are literal characters, not wildcards. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * One page of the workspace's links, newest first by default. Keyset pagination on (sort column,
 * id): stable while links are added or removed, and as fast on page 1,000 as on page 1.
 */
export async function listLinks(principal: Principal, query: ListLinksQuery): Promise<{ data: LinkView[]; nextCursor: string | null }> {
  authorize(principal, "links:read");
  const db = await getDb();
  const column = SORT_COLUMNS[query.sort];
  const conditions: (SQL | undefined)[] = [eq(link.workspaceId, principal.workspaceId)];
  if (query.archived !== "all") conditions.push(eq(link.archived, query.archived === "true"));
  if (query.domain) conditions.push(eq(link.domain, query.domain));
  if (query.q) {
    const pattern = likePattern(query.q);
    conditions.push(or(ilike(link.key, pattern), ilike(link.url, pattern), ilike(link.title, pattern)));
  }
  if (query.tag) {
    conditions.push(
      exists(
        db
          .select({ one: sql`1` })
          .from(linkTag)
          .innerJoin(tag, eq(tag.id, linkTag.tagId))
          .where(and(eq(linkTag.linkId, link.id), eq(tag.name, query.tag), eq(tag.workspaceId, principal.workspaceId))),
      ),
    );
  }
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor, query);
    const value = query.sort === "createdAt" || query.sort === "updatedAt" ? sql`${cursor.value}::timestamptz` : sql`${cursor.value}`;
    conditions.push(query.order === "desc" ? sql`(${column}, ${link.id}) < (${value}, ${cursor.id})` : sql`(${column}, ${link.id}) > (${value}, ${cursor.id})`);
  }
  const direction = query.order === "desc" ? desc : asc;
  const rows = await db
    .select()
    .from(link)
    .where(and(...conditions))
    .orderBy(direction(column), direction(link.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > query.limit && last ? encodeCursor({ sort: query.sort, order: query.order, value: sortValueOf(last, query.sort), id: last.id }) : null;
  return { data: await presentLinks(db, page), nextCursor };
}
