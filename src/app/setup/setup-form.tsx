"use client";

import Link from "next/link";
import { useActionState } from "react";
import { setupAction, type SetupState } from "./actions";

function Field(props: { name: string; label: string; type?: string; autoComplete?: string; state: SetupState; hint?: string }) {
  const error = props.state.status === "error" ? props.state.fields[props.name] : undefined;
  const value = props.state.status === "error" ? props.state.values[props.name] : undefined;
  const errorId = `${props.name}-error`;
  return (
    <label>
      {props.label}
      <input
        name={props.name}
        type={props.type ?? "text"}
        autoComplete={props.autoComplete}
        defaultValue={props.type === "password" ? undefined : value}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        required={props.name !== "token"}
      />
      {props.hint && !error ? <span className="note">{props.hint}</span> : null}
      {error ? (
        <span id={errorId} className="field-error">
          {error}
        </span>
      ) : null}
    </label>
  );
}

export function SetupForm({ appUrl, tokenRequired, closed }: { appUrl: string; tokenRequired: boolean; closed: boolean }) {
  const [state, action, pending] = useActionState(setupAction, { status: "idle" } as SetupState);

  if (state.status === "done") {
    return (
      <div className="card" role="status">
        <h2 style={{ marginTop: 0 }}>Your workspace “{state.workspace}” is ready</h2>
        <p>This is your API key. It is shown only once — copy it now and keep it secret.</p>
        <code className="key" data-testid="api-key">
          {state.apiKey}
        </code>
        <h2>Create your first link</h2>
        <pre>{`export SIGNPOST_API_KEY=${state.apiKey}

curl -X POST ${appUrl}/api/v1/links \\
  -H "Authorization: Bearer $SIGNPOST_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"url":"https://example.com","key":"hello"}'`}</pre>
        <p>
          Open <a href={`${appUrl}/hello`}>{`${appUrl}/hello`}</a> to follow it, then see its clicks with{" "}
          <code>{`curl -H "Authorization: Bearer $SIGNPOST_API_KEY" ${appUrl}/api/v1/links/<id>`}</code>.
        </p>
      </div>
    );
  }

  // Checked after the result so the key still shows when the page re-renders without client JS.
  if (closed && state.status === "idle") {
    return (
      <div className="card">
        <h2 style={{ marginTop: 0 }}>Already set up</h2>
        <p>
          This instance has an owner. <Link href="/">Back to the start page</Link>.
        </p>
      </div>
    );
  }

  return (
    <form action={action} className="stack card" noValidate>
      {state.status === "error" ? (
        <p className="form-error" role="alert">
          {state.message}
        </p>
      ) : null}
      <Field name="name" label="Your name" autoComplete="name" state={state} />
      <Field name="email" label="Email" type="email" autoComplete="email" state={state} />
      <Field name="password" label="Password" type="password" autoComplete="new-password" state={state} hint="At least 10 characters." />
      <Field name="workspace" label="Workspace name" state={state} hint="Your team or project, e.g. “Acme Marketing”." />
      {tokenRequired ? <Field name="token" label="Setup token" state={state} hint="The SETUP_TOKEN this instance was started with." /> : null}
      <div>
        <button type="submit" disabled={pending}>
          {pending ? "Creating…" : "Create workspace and API key"}
        </button>
      </div>
    </form>
  );
}
