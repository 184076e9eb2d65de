import "server-only";
import { and, asc, desc, eq, exists, ilike, or, sql, type SQL } from "drizzle-orm";
import type { LinkView, ListLinksQuery } from "@/core/link";
import { SLUG_PATTERN } from "@/core/slug";
import { authorize, type Principal } from "@/server/auth/principal";
import { ApiError } from "@/server/api/errors";
import { getDb, type Db } from "@/server/db/client";
import { link, linkTag, tag } from "@/server/db/schema";
import { presentLinks } from "./present";

const SORT_COLUMNS = {
  createdAt: link.createdAt,
  updatedAt: link.updatedAt,
  clicks: link.clicks,
  key: link.key,
} as const;

type SortValue = string | number;
export interface Cursor {
  sort: ListLinksQuery["sort"];
  order: ListLinksQuery["order"];
  value: SortValue;
  id: string;
}

/** Whether a sort's column is a timestamp (its cursor value is text at microsecond precision). */
const isTimestampSort = (sort: ListLinksQuery["sort"]) => sort === "createdAt" || sort === "updatedAt";

/** Timestamps travel at Postgres' full (microsecond) precision: a JS Date would round them. */
const timestampText = (column: typeof link.createdAt) => sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.order, cursor.value, cursor.id])).toString("base64url");
}

function decodeCursor(text: string, query: ListLinksQuery, field: "cursor" | "before"): Cursor {
  const invalid = new ApiError("bad_request", `${field} is not one this endpoint issued for this sort and order`, field);
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
 * The query behind one page of links: the workspace's links matching the filters, strictly beyond
 * `from` (after it, or before it when `backwards`), in the list's order, at most `limit` rows.
 * Every sort has an index (workspace_id, column, id) in one direction, so the position is an index
 * bound (a row comparison) and a page reads about `limit` entries, forwards or backwards, however
 * deep it is (tests/integration/links-list-plan.test.ts checks the plans).
 */
export function linkPageQuery(db: Db, principal: Principal, query: ListLinksQuery, from: Cursor | null, backwards: boolean, limit: number) {
  const column = SORT_COLUMNS[query.sort];
  const timestampSort = isTimestampSort(query.sort);
  const conditions = filterConditions(db, principal, query);
  // Backwards reads the rows before `from` nearest first (the reversed order); the caller flips them.
  const direction = (query.order === "desc") !== backwards ? desc : asc;
  return db
    .select({ link, sortText: timestampSort ? timestampText(column as typeof link.createdAt) : sql<null>`null` })
    .from(link)
    .where(and(...conditions, from ? beyond(query, from, backwards ? "before" : "after") : undefined))
    .orderBy(direction(column), direction(link.id))
    .limit(limit);
}

/** The list's filters (workspace, archived, domain, search text, tag) as conditions on `link`. */
function filterConditions(db: Db, principal: Principal, query: ListLinksQuery): (SQL | undefined)[] {
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
  return conditions;
}

/** Rows strictly after (in the list's order) or before a position. */
function beyond(query: ListLinksQuery, position: Cursor, side: "after" | "before"): SQL {
  const column = SORT_COLUMNS[query.sort];
  const value = isTimestampSort(query.sort) ? sql`${position.value}::timestamptz` : sql`${position.value}`;
  const greater = (query.order === "asc") === (side === "after");
  return greater ? sql`(${column}, ${link.id}) > (${value}, ${position.id})` : sql`(${column}, ${link.id}) < (${value}, ${position.id})`;
}

/**
 * One page of the workspace's links, newest first by default. Keyset pagination on (sort column,
 * id): stable while links are added or removed, and as fast on page 1,000 as on page 1.
 * `cursor` pages forwards (the rows after it), `before` backwards (the rows before it, still in
 * the list's order); each page says whether there is a next and a previous one.
 */
export async function listLinks(
  principal: Principal,
  query: ListLinksQuery,
): Promise<{ data: LinkView[]; nextCursor: string | null; prevCursor: string | null }> {
  authorize(principal, "links:read");
  if (query.cursor && query.before) throw new ApiError("bad_request", "pass cursor (next page) or before (previous page), not both", "before");
  const db = await getDb();
  const timestampSort = isTimestampSort(query.sort);
  const backwards = Boolean(query.before);
  const from = query.before ? decodeCursor(query.before, query, "before") : query.cursor ? decodeCursor(query.cursor, query, "cursor") : null;
  const rows = await linkPageQuery(db, principal, query, from, backwards, query.limit + 1);
  const more = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  if (backwards) page.reverse();
  const positionOf = (row: (typeof rows)[number]): Cursor => ({
    sort: query.sort,
    order: query.order,
    value: timestampSort ? row.sortText! : (row.link[query.sort as "clicks" | "key"] as SortValue),
    id: row.link.id,
  });
  /** Whether any row lies beyond `row` on `side`: one indexed probe, so the pager never offers an empty page. */
  const anyBeyond = async (row: (typeof rows)[number] | undefined, side: "after" | "before") =>
    row !== undefined &&
    (await db.select({ one: sql`1` }).from(link).where(and(...filterConditions(db, principal, query), beyond(query, positionOf(row), side))).limit(1)).length > 0;
  const firstRow = page[0];
  const lastRow = page.at(-1);
  const hasNext = backwards ? await anyBeyond(lastRow, "after") : more;
  const hasPrev = backwards ? more : from !== null && (await anyBeyond(firstRow, "before"));
  return {
    data: await presentLinks(db, page.map((row) => row.link)),
    nextCursor: hasNext && lastRow ? encodeCursor(positionOf(lastRow)) : null,
    prevCursor: hasPrev && firstRow ? encodeCursor(positionOf(firstRow)) : null,
  };
}
