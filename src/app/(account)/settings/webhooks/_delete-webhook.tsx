"use client";

import { useActionState, useRef, useState } from "react";
import { ConfirmDialog, submitConfirmed } from "@/app/_components/confirm-dialog";
import type { FormState } from "../../_components/form-state";
import { webhookOperationAction } from "./actions";

const IDLE: FormState = { status: "idle" };

/**
 * Delete, asked first in an AlertDialog. Without JavaScript the form posts without `confirmed`
 * and the action sends people to the page's confirm step instead.
 */
export function DeleteWebhook({ webhookId, url }: { webhookId: string; url: string }) {
  const [state, action, pending] = useActionState(webhookOperationAction, IDLE);
  const form = useRef<HTMLFormElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const confirmed = useRef<HTMLInputElement>(null);
  const [asking, setAsking] = useState(false);
  return (
    <form ref={form} action={action} aria-label="Delete this webhook" className="inline">
      <input type="hidden" name="id" value={webhookId} />
      <input type="hidden" name="op" value="delete" />
      <input ref={confirmed} type="hidden" name="confirmed" value="" />
      {state.status === "error" ? (
        <p className="form-error" role="alert">
          {state.message}
        </p>
      ) : null}
      <button
        ref={button}
        type="submit"
        className="danger"
        disabled={pending}
        onClick={(event) => {
          if (confirmed.current?.value === "yes") return;
          event.preventDefault();
          setAsking(true);
        }}
      >
        {pending ? "Deleting…" : "Delete webhook"}
      </button>
      <ConfirmDialog
        open={asking}
        onOpenChange={setAsking}
        title="Delete this webhook?"
        description={
          <>
            Signpost stops sending events to <strong className="wh-break">{url}</strong> and its delivery log is deleted. This cannot be undone; switch it off instead to pause it.
          </>
        }
        onConfirm={() => submitConfirmed(form, confirmed, button)}
      />
    </form>
  );
}
