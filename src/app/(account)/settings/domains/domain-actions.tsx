"use client";

import { useActionState, useRef, useState } from "react";
import { ConfirmDialog, submitConfirmed } from "@/app/_components/confirm-dialog";
import { IDLE } from "../../_components/form-state";
import { deleteDomainAction, verifyDomainAction } from "./actions";

function Message({ state }: { state: ReturnType<typeof useActionState<typeof IDLE, FormData>>[0] }) {
  if (state.status === "idle") return null;
  return (
    <p key={state.message} role={state.status === "error" ? "alert" : "status"} className={state.status === "error" ? "form-error" : "form-done"}>
      {state.message}
    </p>
  );
}

/**
 * "Verify now" and "Delete" for one domain. Delete asks in an AlertDialog (and, when links use the
 * domain, whether to delete them too); without JavaScript the action sends people to the page's
 * confirm step instead. Both work as plain form posts.
 */
export function DomainActions({ id, host, links, verified }: { id: string; host: string; links: number; verified: boolean }) {
  const [verifyState, verify, verifying] = useActionState(verifyDomainAction, IDLE);
  const [deleteState, remove, deleting] = useActionState(deleteDomainAction, IDLE);
  const [asking, setAsking] = useState(false);
  const [force, setForce] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const confirmed = useRef<HTMLInputElement>(null);
  const forceInput = useRef<HTMLInputElement>(null);

  return (
    <div className="domain-actions">
      <div className="domain-buttons">
        <form action={verify}>
          <input type="hidden" name="domainId" value={id} />
          <button type="submit" className={verified ? "secondary small" : "small"} disabled={verifying} aria-label={`Verify ${host} now`}>
            {verifying ? "Checking…" : verified ? "Check again" : "Verify now"}
          </button>
        </form>
        <form ref={form} action={remove}>
          <input type="hidden" name="domainId" value={id} />
          <input ref={confirmed} type="hidden" name="confirmed" value="" />
          <input ref={forceInput} type="hidden" name="force" value="" />
          <button
            type="submit"
            className="danger small"
            disabled={deleting}
            aria-label={`Delete ${host}`}
            onClick={(event) => {
              if (confirmed.current?.value === "yes") return;
              event.preventDefault();
              setForce(false);
              setAsking(true);
            }}
          >
            Delete
          </button>
        </form>
      </div>
      <Message state={verifyState} />
      <Message state={deleteState} />
      <ConfirmDialog
        open={asking}
        onOpenChange={setAsking}
        title={`Delete ${host}?`}
        description={
          links === 0
            ? "No links use it. You can add it again later, but it will need a new TXT record."
            : `${links} link${links === 1 ? " uses" : "s use"} it. A domain with links can only be deleted together with them: they stop working at once and their click history is deleted.`
        }
        confirmDisabled={links > 0 && !force}
        onConfirm={() => {
          if (forceInput.current) forceInput.current.value = force ? "on" : "";
          submitConfirmed(form, confirmed);
        }}
      >
        {links > 0 ? (
          <label className="checkbox">
            <input type="checkbox" checked={force} onChange={(event) => setForce(event.currentTarget.checked)} />
            Also delete its {links} link{links === 1 ? "" : "s"}
          </label>
        ) : null}
      </ConfirmDialog>
    </div>
  );
}
