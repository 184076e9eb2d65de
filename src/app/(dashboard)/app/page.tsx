import { Plus } from "lucide-react";
import type { Metadata } from "next";
import Form from "next/form";
import Link from "next/link";
import { pageSession } from "@/app/(account)/settings/_session";
import type { LinkView } from "@/core/link";
import { serverConfig } from "@/config/env";
import { ApiError } from "@/server/api/errors";
import { can } from "@/server/auth/permissions";
import {
  DEFAULT_STATE,
  isFiltered,
  listHref,
  listQuery,
  parseListState,
  sessionPrincipal,
  workspaceDomains,
  type ListState,
} from "@/server/links/dashboard";
import { listLinks } from "@/server/links/list";
import { listTags } from "@/server/links/tags";
import { BulkForm, SelectAll } from "./_components/bulk-form";
import { CopyButton } from "./_components/copy-button";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Links" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const DATE = new Intl.DateTimeFormat("en", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
const NUMBER = new Intl.NumberFormat("en");

const SORT_LABELS: [ListState["sort"], string][] = [
  ["createdAt", "Created"],
  ["updatedAt", "Updated"],
  ["clicks", "Clicks"],
  ["key", "Short link"],
];

/** Downloads of the links the list shows (its filters, every page), and where the clicks export lives. */
function ExportMenu({ query }: { query: { q?: string; tag?: string; domain?: string; archived: string } }) {
  const href = (format: "csv" | "json") => {
    const params = new URLSearchParams({ format, archived: query.archived });
    for (const name of ["q", "tag", "domain"] as const) if (query[name]) params.set(name, query[name]);
    return `/api/v1/links/export?${params}`;
  };
  return (
    <details className="export-menu">
      <summary className="button secondary">Export</summary>
      <div className="menu" role="menu">
        <a className="menu-item" role="menuitem" href={href("csv")} download>
          Links as CSV
        </a>
        <a className="menu-item" role="menuitem" href={href("json")} download>
          Links as JSON
        </a>
        <Link className="menu-item" role="menuitem" href="/app/analytics">
          Clicks as CSV (Analytics)
        </Link>
      </div>
    </details>
  );
}

const shortText = (shortLink: string) => shortLink.replace(/^https?:\/\//, "");

export default async function LinksPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const state = parseListState(params);
  const here = listHref(state);
  const { session } = await pageSession(here);
  if (!session.workspace) {
    return (
      <>
        <h1>Links</h1>
        <p className="notice">
          You do not belong to a workspace yet. <Link href="/settings/account">Create one</Link> or accept an invitation to see its links.
        </p>
      </>
    );
  }
  const principal = sessionPrincipal({ ...session, workspace: session.workspace });
  const canWrite = can(session.workspace.role, "links:write");

  let page: { data: LinkView[]; nextCursor: string | null; prevCursor: string | null } = { data: [], nextCursor: null, prevCursor: null };
  let staleCursor = false;
  try {
    page = await listLinks(principal, listQuery(state));
  } catch (error) {
    if (!(error instanceof ApiError && (error.field === "cursor" || error.field === "before"))) throw error;
    staleCursor = true;
  }
  const [tags, domains] = await Promise.all([listTags(principal), workspaceDomains(principal)]);
  const workspaceEmpty =
    page.data.length === 0 && !staleCursor && !isFiltered(state) && !state.cursor && !state.before && (await listLinks(principal, { ...listQuery(DEFAULT_STATE, 1), archived: "all" })).data.length === 0;
  const deleted = Number(typeof params.deleted === "string" ? params.deleted : NaN);

  return (
    <>
      <div className="page-head">
        <h1>Links</h1>
        <div className="head-actions">
          <ExportMenu query={listQuery(state)} />
          {canWrite ? (
            <Link href="/app/import" className="button secondary">
              Import
            </Link>
          ) : null}
          {canWrite ? (
            <Link href="/app/links/new" className="button">
              <Plus aria-hidden size={18} /> New link
            </Link>
          ) : null}
        </div>
      </div>
      {!canWrite ? (
        <p className="notice">You are a viewer in {session.workspace.name}: you can see every link and its clicks, but not change them.</p>
      ) : null}
      {Number.isSafeInteger(deleted) && deleted > 0 ? (
        <p role="status" className="form-done">
          Deleted {deleted} link{deleted === 1 ? "" : "s"}.
        </p>
      ) : null}

      {workspaceEmpty ? (
        <FirstLink canWrite={canWrite} domain={domains[0]!} appUrl={serverConfig().appUrl} />
      ) : (
        <>
          <Filters state={state} tags={tags.map((t) => t.name)} domains={domains} />
          {staleCursor ? (
            <div className="empty">
              <h2>This page of results is out of date</h2>
              <p>The list changed order since this address was made.</p>
              <Link href={listHref(state, { cursor: "" })}>Go to the first page</Link>
            </div>
          ) : canWrite ? (
            // The form stays when the page empties, so its result ("Archived 1 link.") still shows.
            <BulkForm back={here} hasRows={page.data.length > 0}>
              {page.data.length === 0 ? <NoMatches state={state} /> : <LinksTable links={page.data} state={state} selectable />}
            </BulkForm>
          ) : page.data.length === 0 ? (
            <NoMatches state={state} />
          ) : (
            <LinksTable links={page.data} state={state} selectable={false} />
          )}
          <Pager state={state} nextCursor={page.nextCursor} prevCursor={page.prevCursor} />
        </>
      )}
    </>
  );
}

function Filters({ state, tags, domains }: { state: ListState; tags: string[]; domains: string[] }) {
  const changed = isFiltered(state) || state.sort !== DEFAULT_STATE.sort || state.order !== DEFAULT_STATE.order;
  return (
    <Form action="/app" className="filters" role="search" aria-label="Filter links">
      <label className="filter-q">
        Search
        <input type="search" name="q" defaultValue={state.q} placeholder="Short link, destination or title" maxLength={200} />
      </label>
      {tags.length > 0 ? (
        <label>
          Tag
          <select name="tag" defaultValue={state.tag}>
            <option value="">Any tag</option>
            {tags.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {domains.length > 1 ? (
        <label>
          Domain
          <select name="domain" defaultValue={state.domain}>
            <option value="">Any domain</option>
            {domains.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label>
        Show
        <select name="archived" defaultValue={state.archived}>
          <option value="active">Active</option>
          <option value="archived">Archived</option>
          <option value="all">All</option>
        </select>
      </label>
      <label>
        Sort by
        <select name="sort" defaultValue={{ createdAt: "created", updatedAt: "updated", clicks: "clicks", key: "key" }[state.sort]}>
          {SORT_LABELS.map(([sort, label]) => (
            <option key={sort} value={{ createdAt: "created", updatedAt: "updated", clicks: "clicks", key: "key" }[sort]}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Order
        <select name="order" defaultValue={state.order}>
          <option value="desc">Descending</option>
          <option value="asc">Ascending</option>
        </select>
      </label>
      <div className="filter-actions">
        <button type="submit">Apply</button>
        {changed ? <Link href="/app">Clear</Link> : null}
      </div>
    </Form>
  );
}

function SortHeader({ state, sort, label }: { state: ListState; sort: ListState["sort"]; label: string }) {
  const active = state.sort === sort;
  const order = active && state.order === "desc" ? "asc" : "desc";
  return (
    <th scope="col" aria-sort={active ? (state.order === "desc" ? "descending" : "ascending") : undefined}>
      <Link href={listHref(state, { sort, order, cursor: "" })}>
        {label}
        {active ? <span aria-hidden>{state.order === "desc" ? " ↓" : " ↑"}</span> : null}
        <span className="sr-only">{active ? `, sorted ${state.order === "desc" ? "descending" : "ascending"}` : ""}</span>
      </Link>
    </th>
  );
}

function LinksTable({ links, state, selectable }: { links: LinkView[]; state: ListState; selectable: boolean }) {
  return (
    <table className="links-table">
      <thead>
        <tr>
          {selectable ? (
            <th scope="col" className="col-select">
              <SelectAll />
            </th>
          ) : null}
          <SortHeader state={state} sort="key" label="Short link" />
          <th scope="col">Tags</th>
          <SortHeader state={state} sort="clicks" label="Clicks" />
          <SortHeader state={state} sort="createdAt" label="Created" />
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {links.map((l) => {
          const short = shortText(l.shortLink);
          return (
            <tr key={l.id} data-link-id={l.id}>
              {selectable ? (
                <td className="col-select">
                  <input type="checkbox" name="ids" value={l.id} aria-label={`Select ${short}`} />
                </td>
              ) : null}
              <td className="col-link">
                <div className="short">
                  <code>{short}</code>
                  <CopyButton text={l.shortLink} label={`Copy ${short}`} />
                  {l.archived ? <span className="badge">Archived</span> : null}
                </div>
                <div className="dest" title={l.url}>
                  {l.title ? <span className="dest-title">{l.title} · </span> : null}
                  {l.url}
                </div>
              </td>
              <td className="col-tags" data-label="Tags">
                {l.tags.length > 0 ? (
                  <ul className="tags">
                    {l.tags.map((t) => (
                      <li key={t.id}>
                        <Link href={listHref(state, { tag: t.name, cursor: "" })} className={`tag tag-${t.color}`} title={`Only links tagged ${t.name}`}>
                          {t.name}
                        </Link>
                      </li>
                    ))}
                  </ul>
                ) : (
                  <span className="none">—</span>
                )}
              </td>
              <td className="col-clicks" data-label="Clicks">
                <Link href={`/app/analytics?link=${encodeURIComponent(l.id)}`} aria-label={`${NUMBER.format(l.clicks)} clicks on ${shortText(l.shortLink)}: see analytics`}>
                  {NUMBER.format(l.clicks)}
                </Link>
              </td>
              <td className="col-created" data-label="Created">
                <time dateTime={l.createdAt}>{DATE.format(new Date(l.createdAt))}</time>
              </td>
              <td className="col-edit">
                <Link href={`/app/links/${encodeURIComponent(l.id)}`} aria-label={`Open ${short}`}>
                  Open
                </Link>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** First / previous / next: the previous page is the keyset read backwards from this page's first row. */
function Pager({ state, nextCursor, prevCursor }: { state: ListState; nextCursor: string | null; prevCursor: string | null }) {
  const paged = Boolean(state.cursor || state.before);
  if (!paged && !nextCursor && !prevCursor) return null;
  return (
    <nav aria-label="Pages" className="pager">
      <span className="pager-back">
        {paged ? <Link href={listHref(state, { cursor: "" })}>« First page</Link> : null}
        {prevCursor ? (
          <Link href={listHref(state, { before: prevCursor })} rel="prev">
            ← Previous page
          </Link>
        ) : null}
      </span>
      {nextCursor ? (
        <Link href={listHref(state, { cursor: nextCursor })} rel="next">
          Next page →
        </Link>
      ) : null}
    </nav>
  );
}

function NoMatches({ state }: { state: ListState }) {
  if (!isFiltered(state)) {
    return (
      <div className="empty" role="status">
        <h2>No active links</h2>
        <p>Every link in this workspace is archived. Archived links answer “not found” but keep their settings and click history; unarchive one to bring it back.</p>
        <p className="empty-actions">
          <Link href={listHref(state, { archived: "archived", cursor: "" })} className="button secondary">
            Show archived links
          </Link>
        </p>
      </div>
    );
  }
  const what = [state.q ? `“${state.q}”` : null, state.tag ? `tag ${state.tag}` : null, state.domain ? `domain ${state.domain}` : null].filter(Boolean).join(", ");
  return (
    <div className="empty" role="status">
      <h2>No links match{what ? ` ${what}` : ""}</h2>
      <p>
        {state.archived === "archived"
          ? "No archived link matches. Archived links answer “not found” until you unarchive them."
          : state.archived === "active" && isFiltered(state)
            ? "Archived links are not searched unless you show them too."
            : "Try other words, or another tag or domain."}
      </p>
      <p className="empty-actions">
        <Link href={listHref(DEFAULT_STATE, { sort: state.sort, order: state.order })} className="button secondary">
          Clear filters
        </Link>
        {state.archived === "active" ? <Link href={listHref(state, { archived: "all", cursor: "" })}>Search archived links too</Link> : null}
      </p>
    </div>
  );
}

function FirstLink({ canWrite, domain, appUrl }: { canWrite: boolean; domain: string; appUrl: string }) {
  return (
    <section className="empty first" aria-labelledby="first-heading">
      <h2 id="first-heading">Create your first short link</h2>
      <p>
        A short link is a short address on your domain, like <code>{domain}/launch</code>, that sends each visitor on to a longer destination. Signpost counts every click,
        and can route visitors by country, device or language, or split them between A/B variants.
      </p>
      {canWrite ? (
        <>
          <Link href="/app/links/new" className="button">
            <Plus aria-hidden size={18} /> Create your first link
          </Link>
          <h3>Or with the API</h3>
          <p>
            Make a key under <Link href="/settings/api-keys">Settings → API keys</Link>, then:
          </p>
          <pre>{`curl -X POST ${appUrl}/api/v1/links \\
  -H "Authorization: Bearer $SIGNPOST_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"url":"https://example.com/launch","key":"launch"}'`}</pre>
        </>
      ) : (
        <p>This workspace has no links yet. You are a viewer here: ask an owner or admin to create one, or for the member role.</p>
      )}
    </section>
  );
}
