import "server-only";
import { logger } from "@/server/observability/logger";
import { and, eq, lt, sql } from "drizzle-orm";
import type PgBoss from "pg-boss";
import type { Db } from "@/server/db/client";
import { link } from "@/server/db/schema";
import { publishLinkChanges } from "@/server/events/link-changes";
import { recordLinkChanges } from "@/server/events/link-feed";
import { fetchPageMetadata, type PageMetadata } from "@/server/links/metadata";
import { presentLinks } from "@/server/links/present";
import { linkEvents, recordWebhookEvents, wakeDeliveries } from "@/server/webhooks/service";
import { OutboundError, type OutboundPolicy } from "@/server/net/outbound";

/**
 * Filling a link's empty preview fields from its destination page, in the background: a link is
 * created (or its destination changed) with no title or no image → the row is marked `pending` in
 * the same transaction → a job on this queue fetches the page (SSRF-guarded, bounded) and fills
 * only the fields still empty. The mark lives in the link row, so nothing is lost if the wake-up
 * job is: a sweep every few minutes queues whatever is still pending.
 */
export const LINK_METADATA_QUEUE = "links.fetch-metadata";
export const LINK_METADATA_SWEEP_CRON = "*/5 * * * *";
/** A pending link this old without a job is swept up (younger ones have their wake-up in flight). */
const SWEEP_AFTER_SECONDS = 60;
const SWEEP_BATCH = 200;

export type MetadataJob = { linkId: string } | { sweep: true };

export type MetadataOutcome = "filled" | "failed" | "skipped";

/**
 * One link's fetch. Skipped when it is no longer pending or its destination changed meanwhile (the
 * change queued a fresh job). Refusals and failures are recorded on the link (`metadata_error`),
 * not retried: a page that is down now is best re-checked when someone edits the link.
 */
export async function fillLinkMetadata(db: Db, linkId: string, policy: OutboundPolicy, fetch: typeof fetchPageMetadata = fetchPageMetadata): Promise<MetadataOutcome> {
  const [row] = await db.select({ url: link.url, status: link.metadataStatus }).from(link).where(eq(link.id, linkId)).limit(1);
  if (!row || row.status !== "pending") return "skipped";
  const stillPending = and(eq(link.id, linkId), eq(link.url, row.url), eq(link.metadataStatus, "pending"));

  let page: PageMetadata;
  try {
    page = await fetch(row.url, policy);
  } catch (error) {
    if (!(error instanceof OutboundError)) throw error;
    const updated = await db
      .update(link)
      .set({ metadataStatus: "failed", metadataError: `${error.code}: ${error.message}`.slice(0, 500), metadataCheckedAt: new Date() })
      .where(stillPending)
      .returning({ id: link.id });
    return updated.length > 0 ? "failed" : "skipped";
  }

  // Only empty fields are filled; the version moves (edge caches hold the preview fields) and a
  // `link.updated` webhook event is written (in the same transaction, like every link change) only
  // when one actually was.
  const result = await db.transaction(async (tx) => {
    const [current] = await tx.select().from(link).where(stillPending).for("update");
    if (!current) return null;
    const title = current.title ?? page.title;
    const description = current.description ?? page.description;
    const image = current.image ?? page.image;
    const filled = title !== current.title || description !== current.description || image !== current.image;
    const [updated] = await tx
      .update(link)
      .set({
        title,
        description,
        image,
        version: filled ? current.version + 1 : current.version,
        metadataStatus: "filled",
        metadataError: null,
        metadataCheckedAt: new Date(),
      })
      .where(eq(link.id, linkId))
      .returning();
    const deliveries = filled ? await recordWebhookEvents(tx, linkEvents("link.updated", await presentLinks(tx, [updated!]), updated!.workspaceId)) : [];
    const ref = { domain: updated!.domain, key: updated!.key };
    await recordLinkChanges(tx, [ref]);
    return { ref, deliveries };
  });
  if (!result) return "skipped";
  await publishLinkChanges([result.ref]);
  await wakeDeliveries(result.deliveries);
  return "filled";
}

/** Queues a fetch per pending link older than a minute (lost wake-ups, restarts). Returns how many. */
export async function sweepPendingMetadata(db: Db, boss: Pick<PgBoss, "send">): Promise<number> {
  const rows = await db
    .select({ id: link.id })
    .from(link)
    .where(and(eq(link.metadataStatus, "pending"), lt(link.createdAt, sql`now() - make_interval(secs => ${SWEEP_AFTER_SECONDS})`)))
    .orderBy(link.createdAt)
    .limit(SWEEP_BATCH);
  for (const { id } of rows) await boss.send(LINK_METADATA_QUEUE, { linkId: id }, { singletonKey: id });
  return rows.length;
}

const JOBS_KEY = Symbol.for("signpost.metadata-jobs");
type Holder = { [JOBS_KEY]?: Pick<PgBoss, "send"> | null };

/** The running queue the service wakes (set by the job runner of this process, when it works it). */
export function setMetadataQueue(boss: Pick<PgBoss, "send"> | null): void {
  (globalThis as Holder)[JOBS_KEY] = boss;
}

/**
 * Wakes the metadata worker for these links, after their transaction committed. Best effort: when
 * this process runs no jobs, or the send fails, the sweep picks the links up within minutes.
 */
export async function wakeMetadataJobs(linkIds: readonly string[]): Promise<void> {
  const boss = (globalThis as Holder)[JOBS_KEY];
  if (!boss || linkIds.length === 0) return;
  try {
    for (const id of linkIds) await boss.send(LINK_METADATA_QUEUE, { linkId: id }, { singletonKey: id });
  } catch (error) {
    logger().warn({ error: String(error) }, "could not queue link metadata fetches; the sweep will");
  }
}
