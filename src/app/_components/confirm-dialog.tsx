"use client";

import { AlertDialog } from "radix-ui";
import type { ReactNode, RefObject } from "react";

/**
 * The one "are you sure?" dialog of the dashboard (Radix AlertDialog: focus trapped, Escape and
 * Cancel close it, focus returns to the button that opened it). The forms that use it also work
 * without JavaScript: they post without `confirmed` and the server answers with a confirm step.
 */
export function ConfirmDialog(props: {
  open: boolean;
  onOpenChange(open: boolean): void;
  title: ReactNode;
  description: ReactNode;
  /** Extra controls between the description and the buttons (e.g. "also delete its links"). */
  children?: ReactNode;
  confirmLabel?: string;
  confirmDisabled?: boolean;
  onConfirm(): void;
}) {
  return (
    <AlertDialog.Root open={props.open} onOpenChange={props.onOpenChange}>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="dialog-overlay" />
        <AlertDialog.Content className="dialog">
          <AlertDialog.Title>{props.title}</AlertDialog.Title>
          <AlertDialog.Description>{props.description}</AlertDialog.Description>
          {props.children}
          <div className="dialog-actions">
            <AlertDialog.Cancel className="secondary">Cancel</AlertDialog.Cancel>
            <AlertDialog.Action className="danger" disabled={props.confirmDisabled} onClick={props.onConfirm}>
              {props.confirmLabel ?? "Delete"}
            </AlertDialog.Action>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}

/**
 * Submits `form` once as confirmed: its hidden `confirmed` input says "yes" for this one post (the
 * submit button's click handler lets a confirmed post through instead of asking again).
 */
export function submitConfirmed(form: RefObject<HTMLFormElement | null>, confirmed: RefObject<HTMLInputElement | null>, submitter?: RefObject<HTMLButtonElement | null>): void {
  if (!confirmed.current || (submitter && !submitter.current)) return;
  confirmed.current.value = "yes";
  form.current?.requestSubmit(submitter?.current ?? undefined);
  confirmed.current.value = "";
}
