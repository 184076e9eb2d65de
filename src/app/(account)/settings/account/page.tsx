import type { Metadata } from "next";
import Link from "next/link";
import { listSessions } from "@/server/auth/accounts";
import { emailDelivery } from "@/server/email/mailer";
import { resendVerificationAction } from "../../actions";
import { AccountForm } from "../../_components/account-form";
import { pageSession } from "../_session";
import { SettingsNav } from "../_nav";
import { changePasswordAction, createWorkspaceAction, revokeSessionAction, signOutEverywhereAction, switchWorkspaceAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Account settings" };

function describeDevice(userAgent: string | null): string {
  if (!userAgent) return "Unknown device";
  const browser = /Firefox\//.test(userAgent) ? "Firefox" : /Edg\//.test(userAgent) ? "Edge" : /Chrome\//.test(userAgent) ? "Chrome" : /Safari\//.test(userAgent) ? "Safari" : "Browser";
  const os = /Windows/.test(userAgent) ? "Windows" : /Mac OS X/.test(userAgent) && !/Mobile/.test(userAgent) ? "macOS" : /Android/.test(userAgent) ? "Android" : /iPhone|iPad/.test(userAgent) ? "iOS" : /Linux/.test(userAgent) ? "Linux" : "";
  return os ? `${browser} on ${os}` : browser;
}

const when = (date: Date) => date.toISOString().slice(0, 16).replace("T", " ") + " UTC";

export default async function AccountSettingsPage() {
  const { session, headers } = await pageSession("/settings/account");
  const sessions = await listSessions(headers);
  return (
    <>
      <h1>Account</h1>
      <SettingsNav session={session} current="/settings/account" />

      <section className="card" aria-labelledby="profile-heading">
        <h2 id="profile-heading" style={{ marginTop: 0 }}>
          {session.user.name}
        </h2>
        <p>
          {session.user.email} —{" "}
          {session.user.emailVerified ? "confirmed" : <strong>not confirmed yet</strong>}
        </p>
        {!session.user.emailVerified && emailDelivery() !== "unconfigured" ? (
          <AccountForm id="resend" label="Send a new confirmation link" action={resendVerificationAction} submit="Send a new confirmation link" pending="Sending…" fields={[]} />
        ) : null}
      </section>

      <section className="card" aria-labelledby="workspaces-heading">
        <h2 id="workspaces-heading" style={{ marginTop: 0 }}>
          Workspaces
        </h2>
        {session.workspaces.length > 1 ? (
          <AccountForm
            id="switch"
            label="Switch workspace"
            inline
            action={switchWorkspaceAction}
            submit="Switch"
            pending="Switching…"
            fields={[
              {
                name: "workspace",
                label: "Current workspace",
                type: "select",
                defaultValue: session.workspace?.id,
                options: session.workspaces.map((w) => ({ value: w.id, label: `${w.name} (${w.role})` })),
              },
            ]}
          />
        ) : session.workspace ? (
          <p>
            You belong to one workspace: <strong>{session.workspace.name}</strong> ({session.workspace.role}).
          </p>
        ) : (
          <p>You do not belong to a workspace yet. Create one, or accept an invitation.</p>
        )}
        <h3>New workspace</h3>
        <AccountForm id="create-workspace" label="Create a workspace" inline action={createWorkspaceAction} submit="Create workspace" pending="Creating…" fields={[{ name: "name", label: "Workspace name" }]} />
      </section>

      <section className="card" aria-labelledby="password-heading">
        <h2 id="password-heading" style={{ marginTop: 0 }}>
          Change password
        </h2>
        <AccountForm
          id="password"
          label="Change password"
          action={changePasswordAction}
          submit="Change password"
          pending="Changing…"
          fields={[
            { name: "currentPassword", label: "Current password", type: "password", autoComplete: "current-password" },
            { name: "newPassword", label: "New password", type: "password", autoComplete: "new-password", hint: "At least 10 characters; passwords found in data breaches are refused." },
            { name: "confirm", label: "New password, again", type: "password", autoComplete: "new-password" },
          ]}
        />
        <p className="note">
          Forgot it? <Link href="/forgot-password">Reset it by email</Link>.
        </p>
      </section>

      <section className="card" aria-labelledby="sessions-heading">
        <h2 id="sessions-heading" style={{ marginTop: 0 }}>
          Where you are signed in
        </h2>
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">IP address</th>
              <th scope="col">Last active</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((row) => (
              <tr key={row.id}>
                <td>
                  {describeDevice(row.userAgent)}
                  {row.current ? " (this device)" : ""}
                </td>
                <td>{row.ipAddress ?? "—"}</td>
                <td>{when(row.updatedAt)}</td>
                <td>
                  <AccountForm
                    id={`session-${row.id}`}
                    label={`Sign out ${describeDevice(row.userAgent)}${row.current ? " (this device)" : ""}`}
                    inline
                    action={revokeSessionAction}
                    hidden={{ sessionId: row.id }}
                    submit="Sign out"
                    pending="Signing out…"
                    fields={[]}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>Sign out everywhere</h3>
        <p>Ends every session, on every device, this one included.</p>
        <AccountForm id="everywhere" label="Sign out everywhere" danger action={signOutEverywhereAction} submit="Sign out everywhere" pending="Signing out…" fields={[]} />
      </section>
    </>
  );
}
