import type { Metadata } from "next";
import Link from "next/link";
import { ROLES, type Role } from "@/core/scopes";
import { listMembers } from "@/server/auth/accounts";
import { can } from "@/server/auth/permissions";
import { emailDelivery, EMAIL_NOT_CONFIGURED_MESSAGE } from "@/server/email/mailer";
import { AccountForm } from "../../_components/account-form";
import { pageSession } from "../_session";
import { SettingsNav } from "../_nav";
import { cancelInvitationAction, changeRoleAction, deleteWorkspaceAction, inviteAction, removeMemberAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Workspace members" };

const ROLE_HELP: Record<Role, string> = {
  owner: "everything, including deleting the workspace and managing owners",
  admin: "everything except deleting the workspace and managing owners",
  member: "create and edit links and tags; read analytics",
  viewer: "read only",
};

export default async function MembersPage() {
  const { session, headers } = await pageSession("/settings/members");
  if (!session.workspace) {
    return (
      <>
        <h1>Members</h1>
        <SettingsNav session={session} current="/settings/members" />
        <p className="notice">
          You do not belong to a workspace. <Link href="/settings/account">Create one</Link>.
        </p>
      </>
    );
  }
  const { current, members, invitations } = await listMembers(headers);
  const role = current.workspace.role;
  const manage = can(role, "members:manage");
  const roleOptions = ROLES.filter((r) => r !== "owner" || can(role, "owners:manage")).map((r) => ({ value: r, label: r }));
  return (
    <>
      <h1>Members of {current.workspace.name}</h1>
      <SettingsNav session={session} current="/settings/members" />

      <section className="card" aria-labelledby="members-heading">
        <h2 id="members-heading" style={{ marginTop: 0 }}>
          Members
        </h2>
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              {manage ? (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {members.map((m) => {
              const editable = manage && m.userId !== current.user.id && (m.role !== "owner" || can(role, "owners:manage"));
              return (
                <tr key={m.id}>
                  <td>
                    {m.name}
                    {m.userId === current.user.id ? " (you)" : ""}
                  </td>
                  <td>{m.email}</td>
                  <td>
                    {editable ? (
                      <AccountForm
                        id={`role-${m.id}`}
                        label={`Role of ${m.email}`}
                        inline
                        action={changeRoleAction}
                        hidden={{ memberId: m.id }}
                        submit="Change"
                        pending="Saving…"
                        fields={[{ name: "role", label: `Role of ${m.email}`, type: "select", hideLabel: true, defaultValue: m.role, options: roleOptions }]}
                      />
                    ) : (
                      m.role
                    )}
                  </td>
                  {manage ? (
                    <td>
                      {editable ? (
                        <AccountForm
                          id={`remove-${m.id}`}
                          label={`Remove ${m.email}`}
                          inline
                          danger
                          action={removeMemberAction}
                          hidden={{ memberId: m.id }}
                          submit="Remove"
                          pending="Removing…"
                          fields={[]}
                        />
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
        <details>
          <summary>What each role can do</summary>
          <ul>
            {ROLES.map((r) => (
              <li key={r}>
                <strong>{r}</strong>: {ROLE_HELP[r]}
              </li>
            ))}
          </ul>
        </details>
      </section>

      {manage ? (
        <section className="card" aria-labelledby="invite-heading">
          <h2 id="invite-heading" style={{ marginTop: 0 }}>
            Invite someone
          </h2>
          {emailDelivery() === "unconfigured" ? (
            <p className="notice" role="status">
              {EMAIL_NOT_CONFIGURED_MESSAGE}
            </p>
          ) : (
            <AccountForm
              id="invite"
              label="Invite someone"
              action={inviteAction}
              submit="Send invitation"
              pending="Sending…"
              fields={[
                { name: "email", label: "Email", type: "email", autoComplete: "off" },
                { name: "role", label: "Role", type: "select", defaultValue: "member", options: roleOptions },
              ]}
            />
          )}
          {invitations.length > 0 ? (
            <>
              <h3>Pending invitations</h3>
              <table className="list">
                <thead>
                  <tr>
                    <th scope="col">Email</th>
                    <th scope="col">Role</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Link</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {invitations.map((inv) => (
                    <tr key={inv.id}>
                      <td>{inv.email}</td>
                      <td>{inv.role}</td>
                      <td>{inv.expiresAt.toISOString().slice(0, 10)}</td>
                      <td>
                        <code>{inv.url}</code>
                      </td>
                      <td>
                        <AccountForm
                          id={`cancel-${inv.id}`}
                          label={`Cancel the invitation for ${inv.email}`}
                          inline
                          action={cancelInvitationAction}
                          hidden={{ invitationId: inv.id }}
                          submit="Cancel"
                          pending="Cancelling…"
                          fields={[]}
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p className="note">Only the invited address can accept: the link alone is not enough.</p>
            </>
          ) : null}
        </section>
      ) : null}

      {can(role, "workspace:delete") ? (
        <section className="card" aria-labelledby="delete-heading">
          <h2 id="delete-heading" style={{ marginTop: 0 }}>
            Delete this workspace
          </h2>
          <p>Deletes {current.workspace.name} with all its links, tags, analytics, API keys and invitations. This cannot be undone.</p>
          <AccountForm
            id="delete-workspace"
            label="Delete this workspace"
            danger
            action={deleteWorkspaceAction}
            submit="Delete workspace"
            pending="Deleting…"
            fields={[{ name: "confirm", label: `Type “${current.workspace.name}” to confirm`, autoComplete: "off" }]}
          />
        </section>
      ) : null}
    </>
  );
}
