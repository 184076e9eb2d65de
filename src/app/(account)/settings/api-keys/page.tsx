import type { Metadata } from "next";
import { SCOPES } from "@/core/scopes";
import { listApiKeys } from "@/server/auth/accounts";
import { can } from "@/server/auth/permissions";
import { AccountForm } from "../../_components/account-form";
import { pageSession } from "../_session";
import { SettingsNav } from "../_nav";
import { createApiKeyAction, revokeApiKeyAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "API keys" };

const day = (date: Date | null) => (date ? date.toISOString().slice(0, 10) : "—");

export default async function ApiKeysPage() {
  const { session, headers } = await pageSession("/settings/api-keys");
  if (!session.workspace) {
    return (
      <>
        <h1>API keys</h1>
        <SettingsNav session={session} current="/settings/api-keys" />
        <p className="notice">You do not belong to a workspace.</p>
      </>
    );
  }
  const keys = await listApiKeys(headers);
  const manage = can(session.workspace.role, "apiKeys:manage");
  return (
    <>
      <h1>API keys of {session.workspace.name}</h1>
      <SettingsNav session={session} current="/settings/api-keys" />
      <section className="card" aria-labelledby="keys-heading">
        <h2 id="keys-heading" style={{ marginTop: 0 }}>
          Keys
        </h2>
        {keys.length === 0 ? (
          <p>No keys yet.</p>
        ) : (
          <table className="list">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Starts with</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                {manage ? (
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.id}>
                  <td>{key.name ?? "—"}</td>
                  <td>
                    <code>{key.start}…</code>
                  </td>
                  <td>{key.scopes.join(", ")}</td>
                  <td>{day(key.createdAt)}</td>
                  <td>{key.expiresAt ? day(key.expiresAt) : "never"}</td>
                  {manage ? (
                    <td>
                      <AccountForm
                        id={`revoke-${key.id}`}
                        label={`Revoke ${key.name ?? key.start}`}
                        inline
                        danger
                        action={revokeApiKeyAction}
                        hidden={{ keyId: key.id }}
                        submit="Revoke"
                        pending="Revoking…"
                        fields={[]}
                      />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {manage ? (
        <section className="card" aria-labelledby="new-key-heading">
          <h2 id="new-key-heading" style={{ marginTop: 0 }}>
            New key
          </h2>
          <AccountForm
            id="new-key"
            label="New key"
            action={createApiKeyAction}
            submit="Create key"
            pending="Creating…"
            fields={[
              { name: "name", label: "Name", hint: "What uses it, e.g. “CI deploys”." },
              {
                name: "expiresInDays",
                label: "Expires",
                type: "select",
                defaultValue: "never",
                options: [
                  { value: "never", label: "Never" },
                  { value: "30", label: "In 30 days" },
                  { value: "90", label: "In 90 days" },
                  { value: "365", label: "In a year" },
                ],
              },
            ]}
            detailAs="key"
          >
            <fieldset aria-describedby="scopes-hint">
              <legend>Scopes</legend>
              <p id="scopes-hint" className="note">
                What the key may do. Choose the fewest that work.
              </p>
              {SCOPES.map((scope) => (
                <label key={scope} className="checkbox">
                  <input type="checkbox" name="scopes" value={scope} defaultChecked={scope.endsWith(":read")} />
                  {scope}
                </label>
              ))}
            </fieldset>
          </AccountForm>
        </section>
      ) : (
        <p className="note">Only owners and admins create and revoke keys.</p>
      )}
    </>
  );
}
