import type { Metadata } from "next";
import { can } from "@/server/auth/permissions";
import { pageSession } from "../../../../(account)/settings/_session";
import { emptyForm } from "../_editor/form-model";
import { LinkEditor } from "../_editor/link-editor";
import { sessionPrincipal } from "@/server/links/dashboard";
import { editorOptions } from "../_editor/save";
import "../_editor/editor.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "New link" };

export default async function NewLinkPage() {
  const { session } = await pageSession("/app/links/new");
  if (!session.workspace) {
    return (
      <div className="le-page">
        <h1>New link</h1>
        <p className="notice">You do not belong to a workspace yet.</p>
      </div>
    );
  }
  const principal = sessionPrincipal({ ...session, workspace: session.workspace });
  const { domains, tags } = await editorOptions(principal);
  const readOnly = !can(session.workspace.role, "links:write");
  return (
    <div className="le-page">
      <h1>New link</h1>
      <p className="le-lede">In {session.workspace.name}. Only the destination is required; everything else has a sensible default.</p>
      <LinkEditor linkId={null} initial={emptyForm(domains[0]!)} domains={domains} tags={tags.map((tag) => tag.name)} readOnly={readOnly} />
    </div>
  );
}
