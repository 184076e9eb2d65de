import "server-only";
import { logger } from "@/server/observability/logger";
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { LinkView } from "@/core/link";
import {
  MAX_WEBHOOK_ENDPOINTS,
  type CreateWebhookInput,
  type UpdateWebhookInput,
  type WebhookDeliveryView,
  type WebhookEvent,
  type WebhookView,
} from "@/core/webhooks";
import { serverConfig } from "@/config/env";
import { ApiError } from "@/server/api/errors";
import { authorize, type Principal } from "@/server/auth/principal";
import { getDb, type Db } from "@/server/db/client";
import { webhookAttempt, webhookDelivery, webhookEndpoint } from "@/server/db/schema";
import { checkOutboundTarget, OutboundError, type OutboundPolicy } from "@/server/net/outbound";
import { newWebhookSecret } from "./sign";

type EndpointRow = typeof webhookEndpoint.$inferSelect;
type DeliveryRow = typeof webhookDelivery.$inferSelect;

/** What the outbound guard admits, from OUTBOUND_ALLOWLIST. */
export function outboundPolicy(): OutboundPolicy {
  return { allow: serverConfig().outboundAllowlist };
}

const newId = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;

function present(row: EndpointRow): WebhookView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events as WebhookEvent[],
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    consecutiveFailures: row.consecutiveFailures,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A clear 422 on `url` now, rather than a delivery log full of refusals later. */
async function checkTarget(url: string): Promise<void> {
  try {
    await checkOutboundTarget(url, outboundPolicy());
  } catch (error) {
    if (!(error instanceof OutboundError)) throw error;
    const why = error.code === "forbidden_address" ? `${error.message}; private, loopback and link-local targets need OUTBOUND_ALLOWLIST` : error.message;
    throw new ApiError("validation_failed", `url ${why}`, "url");
  }
}

async function findEndpoint(db: Db, principal: Principal, id: string): Promise<EndpointRow> {
  const [row] = await db
    .select()
    .from(webhookEndpoint)
    .where(and(eq(webhookEndpoint.id, id), eq(webhookEndpoint.workspaceId, principal.workspaceId)))
    .limit(1);
  if (!row) throw new ApiError("not_found", `No webhook with id '${id}'`);
  return row;
}

export async function listWebhooks(principal: Principal): Promise<WebhookView[]> {
  authorize(principal, "webhooks:read");
  const db = await getDb();
  const rows = await db.select().from(webhookEndpoint).where(eq(webhookEndpoint.workspaceId, principal.workspaceId)).orderBy(webhookEndpoint.createdAt, webhookEndpoint.id);
  return rows.map(present);
}

export async function getWebhook(principal: Principal, id: string): Promise<WebhookView> {
  authorize(principal, "webhooks:read");
  return present(await findEndpoint(await getDb(), principal, id));
}

export async function createWebhook(principal: Principal, input: CreateWebhookInput): Promise<WebhookView & { secret: string }> {
  authorize(principal, "webhooks:write");
  await checkTarget(input.url);
  const db = await getDb();
  const row = await db.transaction(async (tx) => {
    // Serialise creations per workspace so the limit holds under concurrent calls.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`webhooks:${principal.workspaceId}`}))`);
    const [{ n }] = (await tx.select({ n: sql<number>`count(*)::int` }).from(webhookEndpoint).where(eq(webhookEndpoint.workspaceId, principal.workspaceId))) as [{ n: number }];
    if (n >= MAX_WEBHOOK_ENDPOINTS) throw new ApiError("conflict", `A workspace can have at most ${MAX_WEBHOOK_ENDPOINTS} webhooks`);
    const [created] = await tx
      .insert(webhookEndpoint)
      .values({
        id: newId("whk"),
        workspaceId: principal.workspaceId,
        url: input.url,
        description: input.description ?? null,
        events: input.events,
        secret: newWebhookSecret(),
        enabled: input.enabled ?? true,
      })
      .returning();
    return created!;
  });
  return { ...present(row), secret: row.secret };
}

export async function updateWebhook(principal: Principal, id: string, patch: UpdateWebhookInput): Promise<WebhookView> {
  authorize(principal, "webhooks:write");
  if (patch.url !== undefined) await checkTarget(patch.url);
  const db = await getDb();
  const current = await findEndpoint(db, principal, id);
  const columns: Partial<typeof webhookEndpoint.$inferInsert> = { updatedAt: new Date() };
  if (patch.url !== undefined) columns.url = patch.url;
  if (patch.events !== undefined) columns.events = patch.events;
  if (patch.description !== undefined) columns.description = patch.description;
  if (patch.enabled !== undefined) {
    columns.enabled = patch.enabled;
    // Switching it back on (or off by hand) clears Signpost's reason and the failure streak.
    columns.disabledReason = null;
    if (patch.enabled && !current.enabled) columns.consecutiveFailures = 0;
  }
  const [row] = await db.update(webhookEndpoint).set(columns).where(eq(webhookEndpoint.id, current.id)).returning();
  return present(row!);
}

export async function rotateWebhookSecret(principal: Principal, id: string): Promise<WebhookView & { secret: string }> {
  authorize(principal, "webhooks:write");
  const db = await getDb();
  const current = await findEndpoint(db, principal, id);
  const [row] = await db.update(webhookEndpoint).set({ secret: newWebhookSecret(), updatedAt: new Date() }).where(eq(webhookEndpoint.id, current.id)).returning();
  return { ...present(row!), secret: row!.secret };
}

export async function deleteWebhook(principal: Principal, id: string): Promise<void> {
  authorize(principal, "webhooks:write");
  const db = await getDb();
  const current = await findEndpoint(db, principal, id);
  await db.delete(webhookEndpoint).where(eq(webhookEndpoint.id, current.id));
}

function presentDelivery(row: DeliveryRow, attempts: (typeof webhookAttempt.$inferSelect)[]): WebhookDeliveryView {
  return {
    id: row.id,
    eventId: row.eventId,
    eventType: row.eventType as WebhookDeliveryView["eventType"],
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
    replayOf: row.replayOf,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    payload: row.payload,
    log: attempts
      .filter((attempt) => attempt.deliveryId === row.id)
      .sort((a, b) => a.attempt - b.attempt)
      .map((attempt) => ({
        attempt: attempt.attempt,
        at: attempt.at.toISOString(),
        statusCode: attempt.statusCode,
        error: attempt.error,
        durationMs: attempt.durationMs,
        responseBody: attempt.responseBody,
      })),
  };
}

/** The endpoint's delivery log, newest first, each delivery with its attempts. */
export async function listDeliveries(principal: Principal, id: string, query: { limit: number; status?: DeliveryRow["status"] }): Promise<WebhookDeliveryView[]> {
  authorize(principal, "webhooks:read");
  const db = await getDb();
  const endpoint = await findEndpoint(db, principal, id);
  const rows = await db
    .select()
    .from(webhookDelivery)
    .where(and(eq(webhookDelivery.endpointId, endpoint.id), query.status ? eq(webhookDelivery.status, query.status) : undefined))
    .orderBy(desc(webhookDelivery.createdAt), desc(webhookDelivery.id))
    .limit(query.limit);
  const attempts = rows.length ? await db.select().from(webhookAttempt).where(inArray(webhookAttempt.deliveryId, rows.map((row) => row.id))) : [];
  return rows.map((row) => presentDelivery(row, attempts));
}

/** Sends a delivery's event again, as a new delivery (its own attempts and log). */
export async function replayDelivery(principal: Principal, id: string, deliveryId: string): Promise<WebhookDeliveryView> {
  authorize(principal, "webhooks:write");
  const db = await getDb();
  const endpoint = await findEndpoint(db, principal, id);
  const [original] = await db
    .select()
    .from(webhookDelivery)
    .where(and(eq(webhookDelivery.id, deliveryId), eq(webhookDelivery.endpointId, endpoint.id)))
    .limit(1);
  if (!original) throw new ApiError("not_found", `No delivery with id '${deliveryId}' for this webhook`, "deliveryId");
  const [row] = await db
    .insert(webhookDelivery)
    .values({
      id: newId("dlv"),
      endpointId: endpoint.id,
      workspaceId: endpoint.workspaceId,
      eventId: original.eventId,
      eventType: original.eventType,
      payload: original.payload,
      nextAttemptAt: new Date(),
      replayOf: original.id,
    })
    .returning();
  await wakeDeliveries([row!.id]);
  return presentDelivery(row!, []);
}

/** A `ping` event to this endpoint (also when disabled: that is how people test a fix). */
export async function sendTestEvent(principal: Principal, id: string): Promise<WebhookDeliveryView> {
  authorize(principal, "webhooks:write");
  const db = await getDb();
  const endpoint = await findEndpoint(db, principal, id);
  const event = eventEnvelope(endpoint.workspaceId, "ping", { webhookId: endpoint.id, message: "A test event from Signpost." });
  const [row] = await db
    .insert(webhookDelivery)
    .values({ id: newId("dlv"), endpointId: endpoint.id, workspaceId: endpoint.workspaceId, eventId: event.id, eventType: "ping", payload: event, nextAttemptAt: new Date() })
    .returning();
  await wakeDeliveries([row!.id]);
  return presentDelivery(row!, []);
}

// ---- Events ------------------------------------------------------------------------------------

export interface EventEnvelope {
  id: string;
  type: WebhookEvent | "ping";
  createdAt: string;
  workspaceId: string;
  data: unknown;
}

function eventEnvelope(workspaceId: string, type: EventEnvelope["type"], data: unknown): EventEnvelope {
  return { id: newId("evt"), type, createdAt: new Date().toISOString(), workspaceId, data };
}

/**
 * Records events for every enabled endpoint of their workspace that subscribes to their type, in
 * the caller's transaction (the outbox: an event exists exactly when the change committed). Returns
 * the new deliveries' ids, to wake the delivery queue once the transaction has committed.
 */
export async function recordWebhookEvents(tx: Db, events: { workspaceId: string; type: WebhookEvent; data: unknown }[]): Promise<string[]> {
  if (events.length === 0) return [];
  const workspaces = [...new Set(events.map((event) => event.workspaceId))];
  const endpoints = await tx
    .select({ id: webhookEndpoint.id, workspaceId: webhookEndpoint.workspaceId, events: webhookEndpoint.events })
    .from(webhookEndpoint)
    .where(and(inArray(webhookEndpoint.workspaceId, workspaces), eq(webhookEndpoint.enabled, true)));
  if (endpoints.length === 0) return [];
  const now = new Date();
  const rows: (typeof webhookDelivery.$inferInsert)[] = [];
  for (const event of events) {
    const targets = endpoints.filter((endpoint) => endpoint.workspaceId === event.workspaceId && endpoint.events.includes(event.type));
    if (targets.length === 0) continue;
    const envelope = eventEnvelope(event.workspaceId, event.type, event.data);
    for (const endpoint of targets) {
      rows.push({ id: newId("dlv"), endpointId: endpoint.id, workspaceId: event.workspaceId, eventId: envelope.id, eventType: event.type, payload: envelope, nextAttemptAt: now });
    }
  }
  if (rows.length === 0) return [];
  await tx.insert(webhookDelivery).values(rows);
  return rows.map((row) => row.id!);
}

/** link.created / link.updated / link.deleted for these links (their views as the API shows them). */
export function linkEvents(type: "link.created" | "link.updated" | "link.deleted", views: LinkView[], workspaceId: string) {
  return views.map((view) => ({ workspaceId, type, data: { link: view } }));
}

/** At most this many clicks per link.clicked event; a bigger ingest round makes several. */
export const CLICKS_PER_EVENT = 500;

// ---- Waking the delivery queue -------------------------------------------------------------------

const QUEUE_KEY = Symbol.for("signpost.webhook-queue");
type Holder = { [QUEUE_KEY]?: ((ids: readonly string[]) => Promise<void>) | null };

/** Set by the job runner of a process that works the delivery queue. */
export function setDeliveryWaker(wake: ((ids: readonly string[]) => Promise<void>) | null): void {
  (globalThis as Holder)[QUEUE_KEY] = wake;
}

/**
 * Wakes the delivery worker after the transaction that recorded these deliveries committed. Best
 * effort: without a running queue here, or when the send fails, the due-deliveries sweep (every
 * minute) sends them.
 */
export async function wakeDeliveries(ids: readonly string[]): Promise<void> {
  const wake = (globalThis as Holder)[QUEUE_KEY];
  if (!wake || ids.length === 0) return;
  try {
    await wake(ids);
  } catch (error) {
    logger().warn({ error: String(error) }, "could not queue webhook deliveries; the sweep will");
  }
}
