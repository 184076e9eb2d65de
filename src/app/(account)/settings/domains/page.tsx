import type { Metadata } from "next";
import Link from "next/link";
import type { DomainView } from "@/core/domains";
import { CopyButton } from "@/app/(dashboard)/app/_components/copy-button";
import { memberPrincipal } from "@/server/auth/principal";
import { linkCountsByHost, listDomains } from "@/server/domains/service";
import { AccountForm } from "../../_components/account-form";
import { pageSession } from "../_session";
import { SettingsNav } from "../_nav";
import { addDomainAction, deleteDomainAction } from "./actions";
import { DomainActions } from "./domain-actions";
import "./domains.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Domains" };

const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "never");

function DnsRecord({ type, name, value }: { type: string; name: string; value: string }) {
  return (
    <div className="dns-record">
      <p className="dns-type">{type} record</p>
      <dl>
        <dt>Name</dt>
        <dd>
          <code>{name}</code>
          <CopyButton text={name} label={`Copy the ${type} record's name`} />
        </dd>
        <dt>Value</dt>
        <dd>
          <code>{value}</code>
          <CopyButton text={value} label={`Copy the ${type} record's value`} />
        </dd>
      </dl>
    </div>
  );
}

function DomainCard({ domain, links, manage }: { domain: DomainView; links: number; manage: boolean }) {
  const verified = domain.status === "verified";
  return (
    <li className="domain" aria-labelledby={`domain-${domain.id}`}>
      <div className="domain-head">
        <h3 id={`domain-${domain.id}`}>{domain.host}</h3>
        <span className={verified ? "status-badge ok" : "status-badge pending"}>{verified ? "Verified" : "Pending"}</span>
      </div>
      <p className="note">
        {links} link{links === 1 ? "" : "s"} · last checked {when(domain.checkedAt)}
        {verified ? ` · verified ${when(domain.verifiedAt)}` : ""}
        {domain.target && domain.pointsHere !== null ? (domain.pointsHere ? " · points at this instance" : " · does not point at this instance yet") : ""}
      </p>
      {domain.checkError ? (
        <p className="notice">
          {verified ? "Last check: " : "Not verified yet: "}
          {domain.checkError}
        </p>
      ) : null}
      <details open={!verified}>
        <summary>DNS records</summary>
        <p className="note">At your DNS provider, create{domain.target ? " these records" : " this record"}. Keep the TXT record: it is checked again daily.</p>
        <DnsRecord type="TXT" name={domain.verification.name} value={domain.verification.value} />
        {domain.target ? <DnsRecord type={domain.target.type === "CNAME" ? "CNAME" : "A / AAAA"} name={domain.host} value={domain.target.value} /> : null}
        {domain.target ? null : <p className="note">Then point {domain.host} (A/AAAA or CNAME) at the host that serves this Signpost instance.</p>}
      </details>
      {manage ? <DomainActions id={domain.id} host={domain.host} links={links} verified={verified} /> : null}
    </li>
  );
}

/** The delete confirm step for browsers without JavaScript (with it, a dialog asks). */
function ConfirmDelete({ domain, links }: { domain: DomainView; links: number }) {
  return (
    <section className="card" aria-labelledby="confirm-heading">
      <h2 id="confirm-heading" style={{ marginTop: 0 }}>
        Delete {domain.host}?
      </h2>
      <p>{links === 0 ? "No links use it." : `${links} link${links === 1 ? " uses" : "s use"} it: they are deleted with it, with their click history.`}</p>
      <AccountForm
        id="confirm-delete"
        label={`Delete ${domain.host}`}
        action={deleteDomainAction}
        hidden={{ domainId: domain.id, confirmed: "yes", return: "page", ...(links > 0 ? { force: "on" } : {}) }}
        submit={links > 0 ? `Delete the domain and its ${links} link${links === 1 ? "" : "s"}` : "Delete the domain"}
        pending="Deleting…"
        danger
        fields={[]}
      />
      <p>
        <Link href="/settings/domains">Cancel</Link>
      </p>
    </section>
  );
}

export default async function DomainsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { session } = await pageSession("/settings/domains");
  const params = await searchParams;
  if (!session.workspace) {
    return (
      <>
        <h1>Domains</h1>
        <SettingsNav session={session} current="/settings/domains" />
        <p className="notice">You do not belong to a workspace.</p>
      </>
    );
  }
  const principal = memberPrincipal(session.user.id, session.workspace.id, session.workspace.role);
  const [domains, counts] = await Promise.all([listDomains(principal), linkCountsByHost(principal)]);
  const manage = principal.scopes.has("domains:write");
  const deleting = manage ? domains.find((d) => d.id === params.delete) : undefined;
  return (
    <>
      <h1>Domains of {session.workspace.name}</h1>
      <SettingsNav session={session} current="/settings/domains" />
      {deleting ? <ConfirmDelete domain={deleting} links={counts.get(deleting.host) ?? 0} /> : null}
      <section className="card" aria-labelledby="domains-heading">
        <h2 id="domains-heading" style={{ marginTop: 0 }}>
          Custom domains
        </h2>
        {domains.length === 0 ? (
          <div className="empty-domains">
            <p>
              Short links can live on your own domain, like <code>go.yourbrand.com/launch</code>, instead of this instance&apos;s shared one.
            </p>
            <ol>
              <li>Add the domain{manage ? " below" : ""}: a subdomain you do not use for anything else works best.</li>
              <li>Create the DNS TXT record Signpost shows you, and point the domain at this instance.</li>
              <li>Verify it. Then pick it in the link editor&apos;s domain menu.</li>
            </ol>
          </div>
        ) : (
          <ul className="domains">
            {domains.map((domain) => (
              <DomainCard key={domain.id} domain={domain} links={counts.get(domain.host) ?? 0} manage={manage} />
            ))}
          </ul>
        )}
      </section>
      {manage ? (
        <section className="card" aria-labelledby="new-domain-heading">
          <h2 id="new-domain-heading" style={{ marginTop: 0 }}>
            Add a domain
          </h2>
          <AccountForm
            id="new-domain"
            label="Add a domain"
            action={addDomainAction}
            submit="Add domain"
            pending="Adding…"
            fields={[{ name: "host", label: "Domain", hint: "Just the name, e.g. go.example.com: no https://, path or port.", autoComplete: "off" }]}
            doneLink={{ href: "/settings/domains", label: "Add another domain" }}
          />
        </section>
      ) : (
        <p className="note">Only owners and admins add, verify and delete domains.</p>
      )}
    </>
  );
}
