import type { WebhookView } from "@/core/webhooks";

/** An endpoint's state in words: on, off by hand, or off because deliveries kept failing. */
export function WebhookStatus({ webhook }: { webhook: WebhookView }) {
  if (webhook.enabled) {
    return (
      <span className="wh-status wh-on">
        Active{webhook.consecutiveFailures > 0 ? ` · ${webhook.consecutiveFailures} failed in a row` : ""}
      </span>
    );
  }
  return <span className="wh-status wh-off">{webhook.disabledReason ? "Switched off by Signpost" : "Switched off"}</span>;
}
