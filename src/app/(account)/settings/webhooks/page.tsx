import type { Metadata } from "next";
import Link from "next/link";
import { MAX_WEBHOOK_ENDPOINTS } from "@/core/webhooks";
import { sessionPrincipal } from "@/server/links/dashboard";
import { listWebhooks } from "@/server/webhooks/service";
import { pageSession } from "../_session";
import { SettingsNav } from "../_nav";
import { WebhookStatus } from "./_status";
import { WebhookForm } from "./_webhook-form";
import { createWebhookAction } from "./actions";
import "./webhooks.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Webhooks" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * The workspace's webhook endpoints: each with its status, and a form to add one (owners and
 * admins; the service refuses anyone else whatever the browser sends).
 */
export default async function WebhooksPage({ searchParams }: { searchParams: SearchParams }) {
  const { session } = await pageSession("/settings/webhooks");
  const params = await searchParams;
  if (!session.workspace) {
    return (
      <>
        <h1>Webhooks</h1>
        <SettingsNav session={session} current="/settings/webhooks" />
        <p className="notice">You do not belong to a workspace.</p>
      </>
    );
  }
  const principal = sessionPrincipal({ ...session, workspace: session.workspace });
  const hooks = await listWebhooks(principal);
  const canWrite = principal.scopes.has("webhooks:write");
  return (
    <>
      <h1>Webhooks of {session.workspace.name}</h1>
      <SettingsNav session={session} current="/settings/webhooks" />
      <p>
        Signpost POSTs signed events to these URLs when links change or get clicked. How to verify the signature and what each event holds:{" "}
        <a href="/docs/api">API reference</a>.
      </p>
      {params.deleted === "1" ? (
        <p role="status" className="form-done">
          Webhook deleted.
        </p>
      ) : null}
      <section className="card" aria-labelledby="hooks-heading">
        <h2 id="hooks-heading" style={{ marginTop: 0 }}>
          Endpoints
        </h2>
        {hooks.length === 0 ? (
          <p>No webhooks yet.{canWrite ? " Add the first one below." : ""}</p>
        ) : (
          <ul className="wh-list">
            {hooks.map((hook) => (
              <li key={hook.id}>
                <div className="wh-row">
                  <Link href={`/settings/webhooks/${hook.id}`} className="wh-url">
                    {hook.url}
                  </Link>
                  <WebhookStatus webhook={hook} />
                </div>
                {hook.description ? <p className="wh-desc">{hook.description}</p> : null}
                {!hook.enabled && hook.disabledReason ? <p className="wh-reason">{hook.disabledReason}</p> : null}
                <p className="wh-events">
                  {hook.events.map((event) => (
                    <code key={event}>{event}</code>
                  ))}
                </p>
              </li>
            ))}
          </ul>
        )}
      </section>
      {canWrite ? (
        <section className="card" aria-labelledby="new-hook-heading">
          <h2 id="new-hook-heading" style={{ marginTop: 0 }}>
            New webhook
          </h2>
          {hooks.length >= MAX_WEBHOOK_ENDPOINTS ? (
            <p className="notice">A workspace can have at most {MAX_WEBHOOK_ENDPOINTS} webhooks; delete one to add another.</p>
          ) : (
            <WebhookForm id="new-hook" action={createWebhookAction} submit="Create webhook" pending="Creating…" showSecret />
          )}
        </section>
      ) : (
        <p className="note">
          You are a {session.workspace.role} here: you can see the webhooks and their delivery logs; owners and admins add and change them.
        </p>
      )}
    </>
  );
}
