import type { Metadata } from "next";
import Link from "next/link";
import { pageSession } from "@/app/(account)/settings/_session";
import { ApiError } from "@/server/api/errors";
import { can } from "@/server/auth/permissions";
import { refusalMessage, safeListReturn, sessionPrincipal, type BulkRefusal } from "@/server/links/dashboard";
import { getLink } from "@/server/links/service";
import { confirmDeleteAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Delete links" };

const REFUSALS: readonly BulkRefusal[] = ["empty", "forbidden", "not_found", "invalid"];

/** The confirm step of a bulk delete for browsers without JavaScript (with it, a dialog asks). */
export default async function ConfirmDeletePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const ids = [...new Set([params.ids ?? []].flat())].slice(0, 100);
  const back = safeListReturn(typeof params.return === "string" ? params.return : "/app");
  const here = `/app/delete?${new URLSearchParams([...ids.map((id) => ["ids", id]), ["return", back]])}`;
  const { session } = await pageSession(here);
  if (!session.workspace) {
    return (
      <>
        <h1>Delete links</h1>
        <p className="notice">
          You do not belong to a workspace. <Link href="/settings/account">Create one</Link>.
        </p>
      </>
    );
  }
  const principal = sessionPrincipal({ ...session, workspace: session.workspace });
  const links = await Promise.all(
    ids.map((id) =>
      getLink(principal, id).catch((error: unknown) => {
        if (error instanceof ApiError && error.code === "not_found") return null;
        throw error;
      }),
    ),
  );
  const found = links.filter((l) => l !== null);
  const refused = typeof params.refused === "string" && (REFUSALS as readonly string[]).includes(params.refused) ? (params.refused as BulkRefusal) : null;
  const canWrite = can(session.workspace.role, "links:write");
  return (
    <>
      <h1>
        Delete {found.length} link{found.length === 1 ? "" : "s"}?
      </h1>
      {refused ? (
        <p role="alert" className="form-error">
          {refusalMessage(refused, session.workspace.role)}
        </p>
      ) : null}
      {found.length < ids.length ? <p className="notice">Some of the chosen links no longer exist.</p> : null}
      {found.length > 0 ? (
        <ul className="confirm-list">
          {found.map((l) => (
            <li key={l.id}>
              <code>{l.shortLink.replace(/^https?:\/\//, "")}</code> → <span className="dest">{l.url}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <p>The short links stop working at once and their click history is deleted. This cannot be undone; archive instead to stop them but keep their history.</p>
      {canWrite ? (
        <form action={confirmDeleteAction} className="confirm-actions">
          {ids.map((id) => (
            <input key={id} type="hidden" name="ids" value={id} />
          ))}
          <input type="hidden" name="return" value={back} />
          <button type="submit" className="danger" disabled={found.length === 0}>
            Delete {found.length === 1 ? "it" : `all ${found.length}`}
          </button>
          <Link href={back}>Cancel</Link>
        </form>
      ) : (
        <p className="notice">
          {refusalMessage("forbidden", session.workspace.role)} <Link href={back}>Back to the links</Link>
        </p>
      )}
    </>
  );
}
