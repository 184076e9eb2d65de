"use client";

import { useActionState, useEffect, useRef, type ReactNode } from "react";
import { CopyButton } from "@/app/(dashboard)/app/_components/copy-button";
import type { FormState } from "./form-state";

export interface FieldSpec {
  name: string;
  label: string;
  type?: "text" | "email" | "password" | "checkbox" | "select";
  /** For selects: value and label of each option. */
  options?: { value: string; label: string }[];
  /** Visually hidden label (still read by screen readers), for compact table forms. */
  hideLabel?: boolean;
  autoComplete?: string;
  hint?: string;
  required?: boolean;
  defaultValue?: string;
}

function Field({ spec, state, autoFocus, idPrefix }: { spec: FieldSpec; state: FormState; autoFocus: boolean; idPrefix: string }) {
  const error = state.status === "error" ? state.fields[spec.name] : undefined;
  const kept = state.status === "error" ? state.values[spec.name] : undefined;
  const inputId = `${idPrefix}${spec.name}`;
  const errorId = `${inputId}-error`;
  const hintId = `${inputId}-hint`;
  const describedBy = [error ? errorId : null, spec.hint ? hintId : null].filter(Boolean).join(" ") || undefined;
  if (spec.type === "checkbox") {
    return (
      <label className="checkbox">
        <input name={spec.name} type="checkbox" value="on" defaultChecked={spec.defaultValue === "on"} aria-describedby={describedBy} />
        {spec.label}
      </label>
    );
  }
  // The label holds only the field's name; hint and error are its description (aria-describedby).
  const common = {
    id: inputId,
    name: spec.name,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": describedBy,
    autoFocus,
  } as const;
  return (
    <div className="field">
      <label htmlFor={inputId} className={spec.hideLabel ? "sr-only" : undefined}>
        {spec.label}
      </label>
      {spec.type === "select" ? (
        <select {...common} defaultValue={kept ?? spec.defaultValue}>
          {(spec.options ?? []).map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      ) : (
        <input
          {...common}
          type={spec.type ?? "text"}
          autoComplete={spec.autoComplete}
          // Passwords are never echoed back.
          defaultValue={spec.type === "password" ? undefined : (kept ?? spec.defaultValue)}
          required={spec.required ?? true}
        />
      )}
      {spec.hint ? (
        <span id={hintId} className="note">
          {spec.hint}
        </span>
      ) : null}
      {error ? (
        <span id={errorId} className="field-error">
          {error}
        </span>
      ) : null}
    </div>
  );
}

/**
 * A server-action form that works with and without client JavaScript: without JS the browser
 * posts it and the page re-renders with the action's answer; errors are tied to their fields
 * (aria-describedby) and the first invalid field takes focus (server-rendered autofocus, and a
 * focus call when JS re-renders in place).
 */
export function AccountForm(props: {
  action: (state: FormState, form: FormData) => Promise<FormState>;
  fields: FieldSpec[];
  hidden?: Record<string, string>;
  submit: string;
  pending: string;
  /** After success the form is replaced by its message; `detail` shown as text or as a secret key. */
  detailAs?: "text" | "key";
  /** A link offered after success. */
  doneLink?: { href: string; label: string };
  danger?: boolean;
  /** Prefixes element ids, for pages with several forms; also the form's id. */
  id?: string;
  /** Accessible name of the form (pages with several forms). */
  label?: string;
  /** Extra inputs (e.g. a fieldset of checkboxes) placed before the submit button; a function gets the state (errors, kept values). */
  children?: ReactNode | ((state: FormState) => ReactNode);
  /** Shown next to the form's message when it fails, for errors not tied to a field. */
  inline?: boolean;
}) {
  const [state, action, pending] = useActionState(props.action, { status: "idle" } as FormState);
  const formRef = useRef<HTMLFormElement>(null);
  // The first invalid field: a spec'd one, else one of the children's (e.g. a checkbox group).
  const invalid = state.status === "error" ? (props.fields.find((f) => state.fields[f.name])?.name ?? Object.keys(state.fields)[0]) : undefined;

  useEffect(() => {
    if (state.status !== "error") return;
    const target = invalid ? formRef.current?.querySelector<HTMLElement>(`[name="${invalid}"]`) : formRef.current?.querySelector<HTMLElement>("[role=alert]");
    target?.focus();
  }, [state, invalid]);

  if (state.status === "done") {
    const doneLink = state.link ?? props.doneLink;
    return (
      <div role="status">
        <p className="form-done">{state.message}</p>
        {state.detail ? (
          props.detailAs === "key" ? (
            <p className="secret-line">
              <code className="key" data-testid="secret-key">
                {state.detail}
              </code>
              <CopyButton text={state.detail} label="Copy the secret" />
            </p>
          ) : (
            <p>{state.detail}</p>
          )
        ) : null}
        {doneLink ? (
          <p>
            <a className="button" href={doneLink.href}>
              {doneLink.label}
            </a>
          </p>
        ) : null}
      </div>
    );
  }

  return (
    <form action={action} ref={formRef} id={props.id} aria-label={props.label} className={props.inline ? "inline" : "stack"} noValidate>
      {state.status === "error" ? (
        <p className="form-error" role="alert" tabIndex={-1}>
          {state.message}
        </p>
      ) : null}
      {Object.entries(props.hidden ?? {}).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {props.fields.map((spec) => (
        <Field key={spec.name} spec={spec} state={state} autoFocus={spec.name === invalid} idPrefix={props.id ? `${props.id}-` : ""} />
      ))}
      {typeof props.children === "function" ? props.children(state) : props.children}
      <div>
        <button type="submit" disabled={pending} className={props.danger ? "danger" : undefined}>
          {pending ? props.pending : props.submit}
        </button>
      </div>
    </form>
  );
}
