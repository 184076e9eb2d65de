import "server-only";
import { and, desc, eq, exists, ilike, or, sql, type SQL } from "drizzle-orm";
import { stringify } from "csv-stringify/sync";
import { LINK_EXPORT_COLUMNS, type ExportLinksQuery } from "@/core/imports";
import type { LinkView } from "@/core/link";
import { authorize, type Principal } from "@/server/auth/principal";
import { getDb } from "@/server/db/client";
import { link, linkTag, tag } from "@/server/db/schema";
import { presentLinks } from "@/server/links/present";

/** Links per database round trip: the export never holds more than one page. */
export const LINK_EXPORT_PAGE = 1_000;

function csvRecord(view: LinkView): string[] {
  return [
    view.id,
    view.domain,
    view.key,
    view.shortLink,
    view.url,
    view.title ?? "",
    view.description ?? "",
    view.tags.map((t) => t.name).join("|"),
    view.comments ?? "",
    view.archived ? "true" : "false",
    view.expiresAt ?? "",
    String(view.clicks),
    view.createdAt,
  ];
}

/**
 * The workspace's links (filtered like the list) as CSV or JSON, newest first, streamed: each pull
 * reads the next page by keyset (created_at, id), so memory stays at one page. The CSV's columns
 * map back onto the generic importer's fields (a round trip); JSON is an array of the API's link
 * objects. Passwords are never exported (not even their hashes).
 */
export async function exportLinks(principal: Principal, query: ExportLinksQuery, options: { pageSize?: number } = {}): Promise<{ stream: ReadableStream<Uint8Array>; filename: string; contentType: string }> {
  authorize(principal, "links:read");
  const pageSize = options.pageSize ?? LINK_EXPORT_PAGE;
  const db = await getDb();
  const conditions: (SQL | undefined)[] = [eq(link.workspaceId, principal.workspaceId)];
  if (query.archived !== "all") conditions.push(eq(link.archived, query.archived === "true"));
  if (query.domain) conditions.push(eq(link.domain, query.domain));
  if (query.q) {
    const pattern = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
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
  const columns = { link, at: sql<string>`to_char(${link.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` };
  // Newest first by (created_at desc, id desc): the (workspace, created_at, id) index read
  // backwards from the last row sent, so a page costs the same however deep it is and however many
  // links share one created_at (an import's all do).
  const page = (after: { at: string; id: string } | null) =>
    db
      .select(columns)
      .from(link)
      .where(and(...conditions, after ? sql`(${link.createdAt}, ${link.id}) < (${after.at}::timestamptz, ${after.id})` : undefined))
      .orderBy(desc(link.createdAt), desc(link.id))
      .limit(pageSize);
  const encoder = new TextEncoder();
  const json = query.format === "json";
  let after: { at: string; id: string } | null = null;
  let count = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const rows = await page(after);
        const views = await presentLinks(db, rows.map((row) => row.link));
        let text: string;
        if (json) {
          text = (count === 0 ? "[" : "") + views.map((view, i) => (count + i === 0 ? "\n" : ",\n") + JSON.stringify(view)).join("");
          if (rows.length < pageSize) text += "\n]\n";
        } else {
          text = stringify(count === 0 ? [[...LINK_EXPORT_COLUMNS], ...views.map(csvRecord)] : views.map(csvRecord), { escape_formulas: true });
        }
        count += views.length;
        if (text) controller.enqueue(encoder.encode(text));
        const last = rows.at(-1);
        if (rows.length < pageSize || !last) controller.close();
        else after = { at: last.at, id: last.link.id };
      },
    },
    { highWaterMark: 0 },
  );
  const day = new Date().toISOString().slice(0, 10);
  return { stream, filename: `signpost-links-${day}.${json ? "json" : "csv"}`, contentType: json ? "application/json; charset=utf-8" : "text/csv; charset=utf-8" };
}
