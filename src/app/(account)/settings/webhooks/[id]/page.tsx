import type { Metadata } from "next";
import Link from "next/link";
import { ApiError } from "@/server/api/errors";
import { sessionPrincipal } from "@/server/links/dashboard";
import { getWebhook, listDeliveries } from "@/server/webhooks/service";
import { AccountForm } from "../../../_components/account-form";
import { pageSession } from "../../_session";
import { SettingsNav } from "../../_nav";
import { DeleteWebhook } from "../_delete-webhook";
import { DeliveryLog } from "../_delivery-log";
import { WebhookStatus } from "../_status";
import { WebhookForm } from "../_webhook-form";
import { confirmDeleteWebhookAction, updateWebhookAction, webhookOperationAction } from "../actions";
import "@/app/(dashboard)/dashboard.css";
import "../webhooks.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Webhook" };

type Props = { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

/**
 * One endpoint: switch it on or off, send a test ping, rotate its secret, change it, read its
 * delivery log and replay from it, delete it. Every button is a server action that works without
 * JavaScript; viewers and members see the page without them, and the service refuses them anyway.
 */
export default async function WebhookPage({ params, searchParams }: Props) {
  const { id } = await params;
  const query = await searchParams;
  const here = `/settings/webhooks/${encodeURIComponent(id)}`;
  const { session } = await pageSession(here);
  if (!session.workspace) {
    return (
      <>
        <h1>Webhook</h1>
        <SettingsNav session={session} current="/settings/webhooks" />
        <p className="notice">You do not belong to a workspace.</p>
      </>
    );
  }
  const principal = sessionPrincipal({ ...session, workspace: session.workspace });
  let hook: Awaited<ReturnType<typeof getWebhook>>;
  try {
    hook = await getWebhook(principal, id);
  } catch (error) {
    if (!(error instanceof ApiError && error.code === "not_found")) throw error;
    return (
      <>
        <h1>Webhook</h1>
        <SettingsNav session={session} current="/settings/webhooks" />
        <p className="notice">
          There is no webhook with that id in {session.workspace.name}. <Link href="/settings/webhooks">See all webhooks</Link>.
        </p>
      </>
    );
  }
  const deliveries = await listDeliveries(principal, hook.id, { limit: 20 });
  const canWrite = principal.scopes.has("webhooks:write");
  const operation = (op: string, submit: string, pending: string, danger = false) => (
    <AccountForm
      id={`${op}-hook`}
      label={submit}
      inline
      danger={danger}
      action={webhookOperationAction}
      hidden={{ id: hook.id, op }}
      submit={submit}
      pending={pending}
      fields={[]}
      detailAs={op === "rotate" ? "key" : "text"}
    />
  );

  return (
    <>
      <p className="note">
        <Link href="/settings/webhooks">← All webhooks</Link>
      </p>
      <h1 className="wh-title">
        <span className="wh-break">{hook.url}</span>
      </h1>
      <SettingsNav session={session} current="/settings/webhooks" />
      {query.refused === "delete" ? <p className="form-error">Your role in this workspace ({session.workspace.role}) can see webhooks but not delete them.</p> : null}
      <section className="card" aria-labelledby="state-heading">
        <div className="wh-row">
          <h2 id="state-heading" style={{ margin: 0 }}>
            Status
          </h2>
          <WebhookStatus webhook={hook} />
        </div>
        {hook.description ? <p>{hook.description}</p> : null}
        {!hook.enabled && hook.disabledReason ? (
          <p className="notice">
            {hook.disabledReason}. Events that happened while it was off were not queued for it; fix the receiver, switch it back on and replay what you need from the log below.
          </p>
        ) : null}
        <p className="wh-events">
          {hook.events.map((event) => (
            <code key={event}>{event}</code>
          ))}
        </p>
        {canWrite ? (
          <div className="wh-actions">
            {hook.enabled ? operation("disable", "Switch off", "Switching off…") : operation("enable", "Switch on", "Switching on…")}
            {operation("test", "Send test ping", "Sending…")}
          </div>
        ) : (
          <p className="note">You are a {session.workspace.role} here: you can read this webhook and its log; owners and admins change it.</p>
        )}
      </section>

      <section className="card" aria-labelledby="log-heading">
        <div className="wh-row">
          <h2 id="log-heading" style={{ margin: 0 }}>
            Delivery log
          </h2>
          <Link href={here}>Refresh</Link>
        </div>
        <p className="note">The newest 20 deliveries. Failed attempts are retried with backoff (30 s, 1, 2, 4 … minutes), up to 10 attempts.</p>
        <DeliveryLog webhookId={hook.id} deliveries={deliveries} canWrite={canWrite} />
      </section>

      {canWrite ? (
        <>
          <section className="card" aria-labelledby="secret-heading">
            <h2 id="secret-heading" style={{ marginTop: 0 }}>
              Signing secret
            </h2>
            <p>
              Receivers check each request&apos;s <code>signpost-signature</code> with it. Rotating makes a new one and the old one stops working at once, so update your receiver
              right after.
            </p>
            {operation("rotate", "Rotate secret", "Rotating…")}
          </section>

          <section className="card" aria-labelledby="edit-heading">
            <h2 id="edit-heading" style={{ marginTop: 0 }}>
              Settings
            </h2>
            <WebhookForm
              id="edit-hook"
              action={updateWebhookAction}
              submit="Save changes"
              pending="Saving…"
              webhookId={hook.id}
              defaults={{ url: hook.url, description: hook.description ?? "", events: hook.events }}
            />
          </section>

          <section className="card wh-danger" aria-labelledby="delete-heading">
            <h2 id="delete-heading" style={{ marginTop: 0 }}>
              Delete
            </h2>
            {query.confirm === "delete" ? (
              <form action={confirmDeleteWebhookAction} aria-label="Confirm deleting this webhook" className="stack">
                <p role="alert">Delete this webhook? Signpost stops sending events to it and its delivery log is deleted. This cannot be undone.</p>
                <input type="hidden" name="id" value={hook.id} />
                <div className="wh-actions">
                  <button type="submit" className="danger">
                    Delete webhook
                  </button>
                  <Link href={here}>Cancel</Link>
                </div>
              </form>
            ) : (
              <DeleteWebhook webhookId={hook.id} url={hook.url} />
            )}
          </section>
        </>
      ) : null}
    </>
  );
}
