import "server-only";
import { logger } from "@/server/observability/logger";
import { and, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import { serverConfig } from "@/config/env";
import type { Db } from "@/server/db/client";
import { member, organization, user, webhookAttempt, webhookDelivery, webhookEndpoint } from "@/server/db/schema";
import { sendEmail } from "@/server/email/mailer";
import { webhookDisabledEmail } from "@/server/email/templates";
import { fetchGuarded, OutboundError, type OutboundPolicy } from "@/server/net/outbound";
import { SIGNATURE_HEADER, signWebhook } from "./sign";

/**
 * Delivering one webhook delivery: a signed POST through the outbound guard (no redirects
 * followed), logged per attempt; on failure a retry with exponential backoff, and after the last
 * retry the delivery fails for good. An endpoint whose deliveries fail for good `disableAfter`
 * times in a row is switched off and its workspace's owners are emailed.
 */
export interface DeliveryOptions {
  policy: OutboundPolicy;
  /** Attempts per delivery, the first included. Default 10 (about 8.5 hours of retries). */
  maxAttempts?: number;
  /** Delay before attempt `n + 1` after `n` failed (ms). Default 30 s × 2^(n−1), ±10 % jitter. */
  backoffMs?: (failedAttempts: number) => number;
  /** Deliveries failed for good in a row that switch an endpoint off. Default 5. */
  disableAfter?: number;
  timeoutMs?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 10;
export const DEFAULT_DISABLE_AFTER = 5;
/** How long an attempt may hold a delivery before the sweep considers its worker dead. */
const LEASE_MS = 2 * 60_000;
const RESPONSE_LOG_BYTES = 1024;

export function defaultBackoffMs(failedAttempts: number): number {
  const base = 30_000 * 2 ** (failedAttempts - 1);
  return Math.round(base * (0.9 + Math.random() * 0.2));
}

export type AttemptOutcome = { outcome: "succeeded" | "failed" | "skipped" } | { outcome: "retrying"; nextAttemptAt: Date };

/** Makes the next attempt of a due delivery; "skipped" when it is not due or another worker has it. */
export async function attemptDelivery(db: Db, deliveryId: string, options: DeliveryOptions): Promise<AttemptOutcome> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  // Claim: take the attempt and a lease in one statement, so two workers never send it together.
  const [claimed] = await db
    .update(webhookDelivery)
    .set({ attempts: sql`${webhookDelivery.attempts} + 1`, nextAttemptAt: new Date(Date.now() + LEASE_MS) })
    .where(
      and(
        eq(webhookDelivery.id, deliveryId),
        inArray(webhookDelivery.status, ["pending", "retrying"]),
        or(isNull(webhookDelivery.nextAttemptAt), lte(webhookDelivery.nextAttemptAt, sql`now()`)),
      ),
    )
    .returning();
  if (!claimed) return { outcome: "skipped" };
  const [endpoint] = await db.select().from(webhookEndpoint).where(eq(webhookEndpoint.id, claimed.endpointId)).limit(1);
  if (!endpoint) return { outcome: "skipped" }; // deleted meanwhile: its deliveries went with it

  if (!endpoint.enabled && claimed.eventType !== "ping") {
    await db.update(webhookDelivery).set({ status: "failed", nextAttemptAt: null, finishedAt: new Date(), attempts: claimed.attempts - 1 }).where(eq(webhookDelivery.id, claimed.id));
    return { outcome: "failed" };
  }

  const body = JSON.stringify(claimed.payload);
  const started = performance.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  let responseBody: string | null = null;
  try {
    const response = await fetchGuarded(
      endpoint.url,
      options.policy,
      { timeoutMs: options.timeoutMs ?? 10_000, maxBytes: RESPONSE_LOG_BYTES, maxRedirects: 0, accept: "*/*", userAgent: "Signpost-Webhooks/1.0" },
      {
        method: "POST",
        body,
        followRedirects: false,
        headers: {
          "content-type": "application/json",
          [SIGNATURE_HEADER]: signWebhook(endpoint.secret, body, Math.floor(Date.now() / 1000)),
          "signpost-event": claimed.eventType,
          "signpost-event-id": claimed.eventId,
          "signpost-delivery": claimed.id,
        },
      },
    );
    statusCode = response.status;
    responseBody = response.body.toString("utf8") || null;
    if (statusCode < 200 || statusCode > 299) error = `answered ${statusCode}`;
  } catch (caught) {
    if (!(caught instanceof OutboundError)) throw caught;
    error = `${caught.code}: ${caught.message}`;
  }
  const durationMs = Math.round(performance.now() - started);
  const succeeded = error === null;
  const finalFailure = !succeeded && claimed.attempts >= maxAttempts;
  const nextAttemptAt = succeeded || finalFailure ? null : new Date(Date.now() + (options.backoffMs ?? defaultBackoffMs)(claimed.attempts));

  const disabled = await db.transaction(async (tx) => {
    await tx.insert(webhookAttempt).values({ deliveryId: claimed.id, attempt: claimed.attempts, statusCode, error, durationMs, responseBody: responseBody?.slice(0, RESPONSE_LOG_BYTES) ?? null });
    await tx
      .update(webhookDelivery)
      .set({ status: succeeded ? "succeeded" : finalFailure ? "failed" : "retrying", nextAttemptAt, finishedAt: nextAttemptAt ? null : new Date() })
      .where(eq(webhookDelivery.id, claimed.id));
    if (succeeded) {
      await tx.update(webhookEndpoint).set({ consecutiveFailures: 0 }).where(eq(webhookEndpoint.id, endpoint.id));
      return false;
    }
    if (!finalFailure || claimed.eventType === "ping") return false;
    const [updated] = await tx
      .update(webhookEndpoint)
      .set({ consecutiveFailures: sql`${webhookEndpoint.consecutiveFailures} + 1` })
      .where(eq(webhookEndpoint.id, endpoint.id))
      .returning({ failures: webhookEndpoint.consecutiveFailures });
    if (!updated || updated.failures < (options.disableAfter ?? DEFAULT_DISABLE_AFTER)) return false;
    const switchedOff = await tx
      .update(webhookEndpoint)
      .set({ enabled: false, disabledReason: `${updated.failures} deliveries in a row failed; last: ${error}`.slice(0, 500), updatedAt: new Date() })
      .where(and(eq(webhookEndpoint.id, endpoint.id), eq(webhookEndpoint.enabled, true)))
      .returning({ id: webhookEndpoint.id });
    return switchedOff.length > 0 ? updated.failures : false;
  });
  if (disabled !== false) await notifyOwners(db, endpoint, disabled, error!);
  return succeeded ? { outcome: "succeeded" } : finalFailure ? { outcome: "failed" } : { outcome: "retrying", nextAttemptAt: nextAttemptAt! };
}

/** Emails every owner of the workspace that the endpoint was switched off. Failures are logged. */
async function notifyOwners(db: Db, endpoint: { id: string; workspaceId: string; url: string }, failures: number, lastError: string): Promise<void> {
  const { workspaceId, url } = endpoint;
  const owners = await db
    .select({ email: user.email, workspace: organization.name })
    .from(member)
    .innerJoin(user, eq(user.id, member.userId))
    .innerJoin(organization, eq(organization.id, member.organizationId))
    .where(and(eq(member.organizationId, workspaceId), eq(member.role, "owner")));
  // The endpoint's settings page: its reason, the Switch on button and the log to replay from.
  const settingsUrl = `${serverConfig().appUrl}/settings/webhooks/${endpoint.id}`;
  for (const owner of owners) {
    try {
      await sendEmail({ to: owner.email, ...webhookDisabledEmail({ workspace: owner.workspace, url, failures, lastError, settingsUrl }) });
    } catch (error) {
      logger().error({ workspaceId, error: String(error) }, "could not email an owner about a disabled webhook");
    }
  }
}

/** Deliveries that are due and not held by a live attempt: what the sweep (re)queues. */
export async function dueDeliveries(db: Db, limit = 500): Promise<string[]> {
  const rows = await db
    .select({ id: webhookDelivery.id })
    .from(webhookDelivery)
    .where(and(inArray(webhookDelivery.status, ["pending", "retrying"]), lte(webhookDelivery.nextAttemptAt, sql`now()`)))
    .orderBy(webhookDelivery.nextAttemptAt)
    .limit(limit);
  return rows.map((row) => row.id);
}
