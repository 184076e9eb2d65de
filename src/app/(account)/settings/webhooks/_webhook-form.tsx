"use client";

import { WEBHOOK_EVENTS } from "@/core/webhooks";
import { AccountForm } from "../../_components/account-form";
import type { FormState } from "../../_components/form-state";

const EVENT_HINTS: Record<(typeof WEBHOOK_EVENTS)[number], string> = {
  "link.created": "a link was created",
  "link.updated": "a link was changed, archived or unarchived",
  "link.deleted": "a link was deleted",
  "link.clicked": "clicks were recorded (batched, up to 500 per event)",
  "import.completed": "a bulk import finished (one event for all its links)",
};

/**
 * An endpoint's URL, description and events: the create form on /settings/webhooks and the edit
 * form on an endpoint's page. The server action answers with errors next to their field (the SSRF
 * guard's refusal under the URL); ticked events survive a refused post.
 */
export function WebhookForm(props: {
  id: string;
  action: (state: FormState, form: FormData) => Promise<FormState>;
  submit: string;
  pending: string;
  webhookId?: string;
  defaults?: { url: string; description: string; events: string[] };
  showSecret?: boolean;
}) {
  return (
    <AccountForm
      id={props.id}
      label={props.submit}
      action={props.action}
      submit={props.submit}
      pending={props.pending}
      hidden={props.webhookId ? { id: props.webhookId } : undefined}
      detailAs={props.showSecret ? "key" : "text"}
      fields={[
        {
          name: "url",
          label: "Endpoint URL",
          type: "text",
          autoComplete: "url",
          defaultValue: props.defaults?.url,
          hint: "Where Signpost POSTs events (https recommended). Addresses on private networks are refused unless the instance allows them.",
        },
        { name: "description", label: "Description (optional)", required: false, defaultValue: props.defaults?.description, hint: "What receives them, e.g. “CRM sync”." },
      ]}
    >
      {(state) => {
        const error = state.status === "error" ? state.fields.events : undefined;
        const kept = state.status === "error" ? state.values.events?.split(",").filter(Boolean) : undefined;
        const checked = kept ?? props.defaults?.events ?? ["link.created"];
        const errorId = `${props.id}-events-error`;
        return (
          <fieldset aria-describedby={error ? errorId : undefined} aria-invalid={error ? true : undefined}>
            <legend>Events</legend>
            {WEBHOOK_EVENTS.map((event) => (
              <label key={event} className="checkbox">
                <input type="checkbox" name="events" value={event} defaultChecked={checked.includes(event)} />
                <span>
                  <code>{event}</code> <span className="note">— {EVENT_HINTS[event]}</span>
                </span>
              </label>
            ))}
            {error ? (
              <span id={errorId} className="field-error">
                {error}
              </span>
            ) : null}
          </fieldset>
        );
      }}
    </AccountForm>
  );
}
