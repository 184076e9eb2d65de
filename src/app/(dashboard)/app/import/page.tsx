import type { Metadata } from "next";
import Link from "next/link";
import { pageSession } from "@/app/(account)/settings/_session";
import { can } from "@/server/auth/permissions";
import { listImports } from "@/server/imports/service";
import { sessionPrincipal, workspaceDomains } from "@/server/links/dashboard";
import { ImportWizard } from "./import-wizard";
import "./import.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Import links" };

const DATE = new Intl.DateTimeFormat("en", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
const NUMBER = new Intl.NumberFormat("en");

/** Upload → map the columns → import (a background job) with progress, and the latest imports. */
export default async function ImportPage() {
  const { session } = await pageSession("/app/import");
  if (!session.workspace) {
    return (
      <>
        <h1>Import links</h1>
        <p className="notice">
          You do not belong to a workspace yet. <Link href="/settings/account">Create one</Link> first.
        </p>
      </>
    );
  }
  const principal = sessionPrincipal({ ...session, workspace: session.workspace });
  const [recent, domains] = await Promise.all([listImports(principal, 10), workspaceDomains(principal)]);
  return (
    <>
      <div className="page-head">
        <h1>Import links</h1>
        <Link href="/app">Back to links</Link>
      </div>
      {can(session.workspace.role, "links:write") ? (
        <ImportWizard domains={domains} canTag={principal.scopes.has("tags:write")} />
      ) : (
        <p className="notice">You are a viewer in {session.workspace.name}: you cannot import links.</p>
      )}
      {recent.length > 0 ? (
        <section className="imports-recent" aria-labelledby="recent-imports">
          <h2 id="recent-imports">Recent imports</h2>
          <table className="links-table">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Status</th>
                <th scope="col">Imported</th>
                <th scope="col">Failed</th>
                <th scope="col">Uploaded (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {recent.map((job) => (
                <tr key={job.id}>
                  <td className="col-link">
                    <div className="dest">{job.filename ?? job.id}</div>
                  </td>
                  <td data-label="Status">
                    <span className={`import-status import-${job.status}`}>{job.status}</span>
                  </td>
                  <td data-label="Imported">{NUMBER.format(job.progress.rowsImported)}</td>
                  <td data-label="Failed">
                    {job.progress.rowsFailed > 0 ? (
                      <a href={`/api/v1/imports/${job.id}/errors`} download>
                        {NUMBER.format(job.progress.rowsFailed)} (report)
                      </a>
                    ) : (
                      "0"
                    )}
                  </td>
                  <td className="col-created" data-label="Uploaded">
                    {DATE.format(new Date(job.createdAt))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </>
  );
}
