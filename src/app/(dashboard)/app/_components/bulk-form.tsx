"use client";

import { ConfirmDialog, submitConfirmed } from "@/app/_components/confirm-dialog";
import { useActionState, useEffect, useRef, useState, type ReactNode } from "react";
import { bulkLinksAction, type BulkState } from "../actions";

const IDLE: BulkState = { status: "idle" };

/**
 * The list's bulk form: row checkboxes (rendered by the page inside `children`), archive,
 * unarchive and delete. Delete asks first in an AlertDialog; without JavaScript the action sends
 * people to a confirm page instead. Works as a plain form post when scripts are off.
 */
export function BulkForm({ back, hasRows, children }: { back: string; hasRows: boolean; children: ReactNode }) {
  const [state, action, pending] = useActionState(bulkLinksAction, IDLE);
  const form = useRef<HTMLFormElement>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const confirmed = useRef<HTMLInputElement>(null);
  const [asking, setAsking] = useState(0);
  const [selected, setSelected] = useState(0);

  const count = () => form.current?.querySelectorAll<HTMLInputElement>('input[name="ids"]:checked').length ?? 0;
  useEffect(() => {
    // React resets the form after a successful action; the count follows the reset.
    const element = form.current;
    if (!element) return;
    const later = () => setTimeout(() => setSelected(count()));
    element.addEventListener("reset", later);
    return () => element.removeEventListener("reset", later);
  }, []);

  return (
    <form
      ref={form}
      action={action}
      className="bulk"
      aria-label="Links"
      onChange={() => setSelected(count())}
    >
      <input type="hidden" name="return" value={back} />
      <input ref={confirmed} type="hidden" name="confirmed" value="" />
      <div className="bulk-bar" role="group" aria-label="With the selected links" hidden={!hasRows}>
        <span className="bulk-count" aria-live="polite">
          {selected > 0 ? `${selected} selected` : "Select links to archive or delete them"}
        </span>
        <button type="submit" name="op" value="archive" className="secondary small" disabled={pending}>
          Archive
        </button>
        <button type="submit" name="op" value="unarchive" className="secondary small" disabled={pending}>
          Unarchive
        </button>
        <button
          ref={deleteButton}
          type="submit"
          name="op"
          value="delete"
          className="danger small"
          disabled={pending}
          onClick={(event) => {
            if (confirmed.current?.value === "yes") return;
            event.preventDefault();
            const n = count();
            if (n === 0) {
              form.current?.requestSubmit(event.currentTarget);
              return;
            }
            setAsking(n);
          }}
        >
          Delete
        </button>
      </div>
      {state.status !== "idle" ? (
        <p key={state.message} role={state.status === "error" ? "alert" : "status"} className={state.status === "error" ? "form-error" : "form-done"}>
          {state.message}
        </p>
      ) : null}
      {children}
      <ConfirmDialog
        open={asking > 0}
        onOpenChange={(open) => !open && setAsking(0)}
        title={`Delete ${asking} link${asking === 1 ? "" : "s"}?`}
        description={`The short link${asking === 1 ? " stops" : "s stop"} working at once and ${asking === 1 ? "its" : "their"} click history is deleted. This cannot be undone; archive instead to stop them but keep their history.`}
        onConfirm={() => submitConfirmed(form, confirmed, deleteButton)}
      />
    </form>
  );
}

/** Ticks or clears every row's checkbox in the bulk form. */
export function SelectAll() {
  const box = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const form = box.current?.form;
    if (!form) return;
    const sync = () => {
      const boxes = [...form.querySelectorAll<HTMLInputElement>('input[name="ids"]')];
      const ticked = boxes.filter((b) => b.checked).length;
      if (!box.current) return;
      box.current.checked = boxes.length > 0 && ticked === boxes.length;
      box.current.indeterminate = ticked > 0 && ticked < boxes.length;
    };
    const later = () => setTimeout(sync);
    sync();
    form.addEventListener("change", sync);
    form.addEventListener("reset", later);
    return () => {
      form.removeEventListener("change", sync);
      form.removeEventListener("reset", later);
    };
  });
  return (
    <input
      ref={box}
      type="checkbox"
      aria-label="Select all links on this page"
      onChange={(event) => {
        const form = event.currentTarget.form;
        if (!form) return;
        const checked = event.currentTarget.checked;
        // A click per box fires the events a person's click would, so the count follows.
        for (const b of form.querySelectorAll<HTMLInputElement>('input[name="ids"]')) if (b.checked !== checked) b.click();
      }}
    />
  );
}
