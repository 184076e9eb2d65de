import "server-only";
import { inArray, sql } from "drizzle-orm";
import { COUNTED_REASONS, type ClickEvent } from "@/core/link";
import { getDb } from "@/server/db/client";
import { click, link } from "@/server/db/schema";

export interface IngestResult {
  accepted: number;
  duplicates: number;
  unknownLinks: number;
}

/**
 * Stores a batch of clicks and bumps each link's human click counter, in one transaction, so a
 * batch is either wholly recorded or not at all. Idempotent by click id: a batch re-sent after a
 * timeout changes nothing. Clicks for links deleted meanwhile are dropped and counted.
 */
export async function recordClicks(events: ClickEvent[]): Promise<IngestResult> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    const linkIds = [...new Set(events.map((e) => e.linkId))];
    const known = await tx
      .select({ id: link.id, workspaceId: link.workspaceId })
      .from(link)
      .where(inArray(link.id, linkIds));
    const workspaceOf = new Map(known.map((row) => [row.id, row.workspaceId]));
    // The workspace comes from our own table, never from the event.
    const rows = events
      .filter((e) => workspaceOf.has(e.linkId))
      .map((e) => ({
        id: e.id,
        linkId: e.linkId,
        workspaceId: workspaceOf.get(e.linkId)!,
        clickedAt: new Date(e.at),
        url: e.url,
        isBot: e.isBot,
        country: e.country,
        userAgent: e.userAgent,
        referrer: e.referrer,
        region: e.region ?? null,
        city: e.city ?? null,
        device: e.device ?? null,
        os: e.os ?? null,
        browser: e.browser ?? null,
        language: e.language ?? null,
        visitorId: e.visitorId ?? null,
        reason: e.reason ?? null,
        ruleIndex: e.ruleIndex ?? null,
        variantIndex: e.variantIndex ?? null,
      }));
    const inserted = rows.length
      ? await tx.insert(click).values(rows).onConflictDoNothing({ target: click.id }).returning({ linkId: click.linkId, clickedAt: click.clickedAt, isBot: click.isBot, reason: click.reason })
      : [];

    const perLink = new Map<string, { n: number; last: Date }>();
    for (const row of inserted) {
      // People reaching a destination count; bots, password forms, expired pages do not.
      if (row.isBot || (row.reason !== null && !(COUNTED_REASONS as readonly string[]).includes(row.reason))) continue;
      const entry = perLink.get(row.linkId) ?? { n: 0, last: row.clickedAt };
      entry.n += 1;
      if (row.clickedAt > entry.last) entry.last = row.clickedAt;
      perLink.set(row.linkId, entry);
    }
    if (perLink.size > 0) {
      const ids = [...perLink.keys()].sort();
      // Lock the links in one global order (by id) so concurrent batches cannot deadlock — "no key
      // update", the lock an UPDATE takes, which the click rows' foreign-key checks do not block — then
      // bump every counter in one statement: two round trips per batch, however many links.
      await tx.execute(sql`select id from ${link} where id in ${ids} order by id for no key update`);
      const values = sql.join(
        ids.map((id) => sql`(${id}, ${perLink.get(id)!.n}::bigint, ${perLink.get(id)!.last.toISOString()}::timestamptz)`),
        sql`, `,
      );
      await tx.execute(sql`
        update ${link} set
          clicks = ${link.clicks} + batch.n,
          last_clicked_at = greatest(${link.lastClickedAt}, batch.last)
        from (values ${values}) as batch(id, n, last)
        where ${link.id} = batch.id`);
    }
    return {
      accepted: inserted.length,
      duplicates: rows.length - inserted.length,
      unknownLinks: events.length - rows.length,
    };
  });
}
