import "server-only";
import { and, asc, desc, eq, exists, ilike, or, sql, type SQL } from "drizzle-orm";
import type { LinkView, ListLinksQuery } from "@/core/link";
import { SLUG_PATTERN } from "@/core/slug";
import { authorize, type Principal } from "@/server/auth/principal";
import { ApiError } from "@/server/api/errors";
import { getDb } from "@/server/db/client";
import { link, linkTag, tag } from "@/server/db/schema";
import { presentLinks } from "./present";

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

/** Timestamps travel at Postgres' full (microsecond) precision: a JS Date would round them. */
const timestampText = (column: typeof link.createdAt) => sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

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
  if (sort !== query.sort || order !== query.order || typeof id !== "string" || !/^[A-Za-z0-9_]{1,100}$/.test(id)) throw invalid;
  // Exactly what encodeCursor writes, so nothing Postgres would refuse gets through.
  const valid =
    sort === "clicks"
      ? Number.isSafeInteger(value) && (value as number) >= 0
      : sort === "key"
        ? typeof value === "string" && SLUG_PATTERN.test(value)
        : typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(value) && isRealDate(value);
  if (!valid) throw invalid;
  return { sort: query.sort, order: query.order, value: value as SortValue, id };
}

/** A calendar date-time in 1970..9999 whose fields survive a round trip (no 2025-02-30). */
function isRealDate(value: string): boolean {
  const date = new Date(value);
  const year = date.getUTCFullYear();
  return !Number.isNaN(date.getTime()) && year >= 1970 && year <= 9999 && date.toISOString().slice(0, 23) === value.slice(0, 23);
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
  const timestampSort = query.sort === "createdAt" || query.sort === "updatedAt";
  const rows = await db
    .select({ link, sortText: timestampSort ? timestampText(column as typeof link.createdAt) : sql<null>`null` })
    .from(link)
    .where(and(...conditions))
    .orderBy(direction(column), direction(link.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > query.limit && last
      ? encodeCursor({
          sort: query.sort,
          order: query.order,
          value: timestampSort ? last.sortText! : (last.link[query.sort as "clicks" | "key"] as SortValue),
          id: last.link.id,
        })
      : null;
  return { data: await presentLinks(db, page.map((row) => row.link)), nextCursor };
}
