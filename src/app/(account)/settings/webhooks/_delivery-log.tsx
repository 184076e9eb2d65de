import type { WebhookDeliveryView } from "@/core/webhooks";
import { AccountForm } from "../../_components/account-form";
import { webhookOperationAction } from "./actions";

/** A server-rendered time, in UTC so it reads the same without JavaScript and never shifts. */
const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
const STATUS_LABEL: Record<WebhookDeliveryView["status"], string> = { pending: "Pending", retrying: "Retrying", succeeded: "Delivered", failed: "Failed" };

/**
 * The endpoint's newest deliveries: event, status, every attempt (status code or error, duration),
 * the next retry, and Replay (a new delivery of the same event) for members who may.
 */
export function DeliveryLog({ webhookId, deliveries, canWrite }: { webhookId: string; deliveries: WebhookDeliveryView[]; canWrite: boolean }) {
  if (deliveries.length === 0) return <p>No deliveries yet. Send a test ping, or change a link, to see one here.</p>;
  return (
    <ol className="wh-log">
      {deliveries.map((delivery) => (
        <li key={delivery.id} className="wh-delivery" aria-labelledby={`dlv-${delivery.id}`}>
          <div className="wh-row">
            <h3 id={`dlv-${delivery.id}`}>
              <code>{delivery.eventType}</code> <span className={`wh-status wh-${delivery.status}`}>{STATUS_LABEL[delivery.status]}</span>
            </h3>
            {canWrite ? (
              <AccountForm
                id={`replay-${delivery.id}`}
                label={`Replay ${delivery.eventType} of ${utc(delivery.createdAt)}`}
                inline
                action={webhookOperationAction}
                hidden={{ id: webhookId, op: "replay", deliveryId: delivery.id }}
                submit="Replay"
                pending="Queuing…"
                fields={[]}
              />
            ) : null}
          </div>
          <p className="wh-meta">
            {utc(delivery.createdAt)} · {delivery.attempts} attempt{delivery.attempts === 1 ? "" : "s"}
            {delivery.nextAttemptAt && delivery.status !== "succeeded" && delivery.status !== "failed" ? <> · next try {utc(delivery.nextAttemptAt)}</> : null}
            {delivery.replayOf ? <> · replay of {delivery.replayOf}</> : null}
          </p>
          {delivery.log.length > 0 ? (
            <div className="wh-attempts">
              <table className="list">
                <caption className="sr-only">Attempts of this delivery</caption>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">At</th>
                    <th scope="col">Answer</th>
                    <th scope="col">Took</th>
                  </tr>
                </thead>
                <tbody>
                  {delivery.log.map((attempt) => (
                    <tr key={attempt.attempt}>
                      <td>{attempt.attempt}</td>
                      <td>{utc(attempt.at)}</td>
                      <td className={attempt.error ? "wh-fail" : "wh-ok"}>{attempt.statusCode !== null ? `HTTP ${attempt.statusCode}` : attempt.error}</td>
                      <td>{attempt.durationMs} ms</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
