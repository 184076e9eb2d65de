import Link from "next/link";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ApiError } from "@/server/api/errors";
import { can } from "@/server/auth/permissions";
import { getLink } from "@/server/links/service";
import { pageSession } from "../../../../(account)/settings/_session";
import { formFromLink } from "../_editor/form-model";
import { LinkEditor } from "../_editor/link-editor";
import { CopyShortLink, LinkActions, QrPanel } from "../_editor/link-extras";
import { sessionPrincipal } from "@/server/links/dashboard";
import { editorOptions } from "../_editor/save";
import "../_editor/editor.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Edit link" };

export default async function EditLinkPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ created?: string }> }) {
  const { id } = await params;
  const { created } = await searchParams;
  const { session } = await pageSession(`/app/links/${encodeURIComponent(id)}`);
  if (!session.workspace) notFound();
  const principal = sessionPrincipal({ ...session, workspace: session.workspace });
  const link = await getLink(principal, id).catch((error: unknown) => {
    if (error instanceof ApiError && error.code === "not_found") notFound();
    throw error;
  });
  const { domains, tags } = await editorOptions(principal);
  const canEdit = can(session.workspace.role, "links:write");
  const clicks = new Intl.NumberFormat("en").format(link.clicks);
  return (
    <div className="le-page">
      <h1>Edit link</h1>
      {created ? (
        <p className="le-done" role="status">
          Link created. Share it, or keep refining it below.
        </p>
      ) : null}
      <section className="le-summary" aria-label="Short link">
        <div className="le-summary-link">
          <a href={link.shortLink} data-testid="short-link" rel="noreferrer" target="_blank">
            {link.shortLink.replace(/^https?:\/\//, "")}
          </a>
          <CopyShortLink shortLink={link.shortLink} />
        </div>
        <dl className="le-stats">
          <div>
            <dt>Clicks</dt>
            <dd data-testid="click-count">
              <Link href={`/app/analytics?link=${encodeURIComponent(link.id)}`} aria-label={`${clicks} clicks: see analytics`}>
                {clicks}
              </Link>
            </dd>
          </div>
          <div>
            <dt>Status</dt>
            <dd>{link.archived ? "Archived" : link.disabled ? "Disabled" : "Active"}</dd>
          </div>
        </dl>
      </section>
      <LinkEditor
        key={link.id}
        linkId={link.id}
        initial={formFromLink(link)}
        domains={domains.includes(link.domain) ? domains : [link.domain, ...domains]}
        tags={tags.map((tag) => tag.name)}
        readOnly={!canEdit}
        saved={{ key: link.key, domain: link.domain }}
      />
      <QrPanel linkId={link.id} linkKey={link.key} />
      <LinkActions linkId={link.id} archived={link.archived} canEdit={canEdit} />
    </div>
  );
}
