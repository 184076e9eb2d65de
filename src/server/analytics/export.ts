import "server-only";
import { sql } from "drizzle-orm";
import { stringify } from "csv-stringify/sync";
import { EXPORT_COLUMNS, resolveRange, type ExportQuery } from "@/core/analytics";
import { ApiError } from "@/server/api/errors";
import { click, link } from "@/server/db/schema";
import { resolveScope, type AnalyticsContext } from "./queries";
import { queryRows, scopeCondition, timestamp } from "./sql";

/** Rows per database round trip: one page is all the export ever holds in memory. */
export const EXPORT_PAGE_SIZE = 5_000;

interface ExportRow {
  id: string;
  link_id: string;
  domain: string;
  key: string;
  clicked_at: string;
  /** clicked_at at full (microsecond) precision, for the keyset cursor. */
  cursor_at: string;
  url: string;
  country: string | null;
  region: string | null;
  city: string | null;
  device: string | null;
  os: string | null;
  browser: string | null;
  referrer: string | null;
  language: string | null;
  reason: string | null;
  rule_index: number | null;
  variant_index: number | null;
  is_bot: boolean;
}

type ExportRecord = { [K in (typeof EXPORT_COLUMNS)[number]]: string };

function exportRecord(row: ExportRow): ExportRecord {
  return {
    id: row.id,
    link_id: row.link_id,
    domain: row.domain,
    key: row.key,
    clicked_at: row.clicked_at,
    url: row.url,
    country: row.country ?? "",
    // ISO 3166-2 like the top endpoint's region values ("US-CA"), not the bare subdivision code.
    region: row.region ? (row.country ? `${row.country}-${row.region}` : row.region) : "",
    city: row.city ?? "",
    device: row.device ?? "",
    os: row.os ?? "",
    browser: row.browser ?? "",
    referrer: row.referrer ?? "",
    language: row.language ?? "",
    reason: row.reason ?? "",
    rule: row.rule_index === null ? "" : String(row.rule_index),
    variant: row.variant_index === null ? "" : String(row.variant_index),
    is_bot: row.is_bot ? "true" : "false",
  };
}

/**
 * Every stored click of the scope in `[start, end)` as CSV, oldest first, streamed: each pull
 * reads the next page by keyset (clicked_at, id), so memory stays at one page however many rows
 * there are, and a slow client slows the reads instead of filling a buffer. Unlike the counts, the
 * export has every stored click, whatever its reason (password forms, expired pages…), with the
 * reason in its column; bots only with `includeBots`. Cells are formula-escaped (a leading = + - @
 * gets a quote) because referrers and cities come from request headers.
 *
 * Not exported: IP addresses (never stored), user agents and visitor ids (each a fingerprint of a
 * person; the counts above are what they are for). Clicks older than CLICK_RETENTION_DAYS are
 * pruned from the raw table and so are not in an export.
 */
export async function exportClicks(
  ctx: AnalyticsContext,
  query: ExportQuery,
  options: { pageSize?: number } = {},
): Promise<{ stream: ReadableStream<Uint8Array>; filename: string }> {
  const pageSize = options.pageSize ?? EXPORT_PAGE_SIZE;
  const range = resolveRange(query, ctx.now ?? Date.now());
  if (!range.ok) throw new ApiError("validation_failed", range.message, range.field);
  const { start, end } = range.value;
  // Checked before the first byte: once the stream has started, an error can only cut it short.
  const scope = await resolveScope(ctx, query);
  const where = sql`${scopeCondition("c", scope)} and c.clicked_at >= ${timestamp(start)} and c.clicked_at < ${timestamp(end)}${query.includeBots ? sql`` : sql` and not c.is_bot`}`;

  const page = (after: { at: string; id: string } | null) =>
    queryRows<ExportRow>(
      ctx.db,
      sql`select c.id::text as id, c.link_id, l.domain, l.key,
            to_char(c.clicked_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as clicked_at,
            to_char(c.clicked_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at,
            c.url, c.country, c.region, c.city, c.device, c.os, c.browser, c.referrer, c.language, c.reason,
            c.rule_index, c.variant_index, c.is_bot
          from ${click} c join ${link} l on l.id = c.link_id
          where ${where}${
            after
              ? // Spelled so the (…, clicked_at) indexes bound the scan; id breaks ties within an instant.
                sql` and c.clicked_at >= ${after.at}::timestamptz and (c.clicked_at > ${after.at}::timestamptz or c.id > ${after.id}::uuid)`
              : sql``
          }
          order by c.clicked_at, c.id
          limit ${pageSize}`,
    );

  const encoder = new TextEncoder();
  let after: { at: string; id: string } | null = null;
  let first = true;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const rows = await page(after);
        const text = stringify(rows.map(exportRecord), { header: first, columns: [...EXPORT_COLUMNS], escape_formulas: true });
        first = false;
        if (text) controller.enqueue(encoder.encode(text));
        const last = rows.at(-1);
        if (rows.length < pageSize || !last) controller.close();
        else after = { at: last.cursor_at, id: last.id };
      },
    },
    // Read a page only when the consumer has taken the previous one.
    { highWaterMark: 0 },
  );
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { stream, filename: `signpost-clicks-${day(start)}-to-${day(end)}.csv` };
}
