import "server-only";
import { listLinksQuerySchema, type ListLinksQuery } from "@/core/link";
import { serverConfig } from "@/config/env";
import { ApiError } from "@/server/api/errors";
import { memberPrincipal, type Principal } from "@/server/auth/principal";
import type { CurrentSession, Membership } from "@/server/auth/session";
import { getDb } from "@/server/db/client";
import { verifiedHosts } from "@/server/domains/service";
import { deleteLinks, updateLinks } from "./service";

/**
 * The links dashboard's logic outside React: the list's URL state, the principal of a signed-in
 * member, and the bulk operations its server actions run. Every write goes through the links
 * service, whose `authorize` refuses a viewer whatever the page showed.
 */

/** The principal of a session in its active workspace: its role's scopes, nothing more. */
export function sessionPrincipal(session: CurrentSession & { workspace: Membership }): Principal {
  return memberPrincipal(session.user.id, session.workspace.id, session.workspace.role);
}

export const PAGE_SIZE = 25;

/** The list's state as the URL carries it (`/app?q=…&tag=…&archived=all&sort=clicks&order=desc`). */
export interface ListState {
  q: string;
  tag: string;
  domain: string;
  archived: "active" | "archived" | "all";
  sort: ListLinksQuery["sort"];
  order: ListLinksQuery["order"];
  /** The next page's cursor (rows after it) … */
  cursor: string;
  /** … or the previous page's (rows before it); at most one of the two is set. */
  before: string;
}

export const DEFAULT_STATE: ListState = { q: "", tag: "", domain: "", archived: "active", sort: "createdAt", order: "desc", cursor: "", before: "" };

const ARCHIVED_PARAM = { active: "false", archived: "true", all: "all" } as const;
const SORT_PARAM = { created: "createdAt", updated: "updatedAt", clicks: "clicks", key: "key" } as const;

type Params = Record<string, string | string[] | undefined>;
const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? "";

/**
 * The URL's search params as list state. Each param is checked on its own against the API's
 * schema; one that does not pass falls back to its default instead of failing the page.
 */
export function parseListState(params: Params): ListState {
  const state = { ...DEFAULT_STATE };
  const shape = listLinksQuerySchema.shape;
  const check = (key: "q" | "tag" | "domain" | "cursor" | "before", value: string) => {
    const parsed = shape[key].safeParse(value);
    return { success: parsed.success, data: parsed.success && typeof parsed.data === "string" ? parsed.data : "" };
  };
  const q = check("q", first(params.q));
  if (q.success && q.data) state.q = q.data;
  const tag = check("tag", first(params.tag));
  if (tag.success && tag.data) state.tag = tag.data;
  const domain = check("domain", first(params.domain));
  if (domain.success && domain.data) state.domain = domain.data;
  const archived = first(params.archived);
  if (Object.hasOwn(ARCHIVED_PARAM, archived)) state.archived = archived as ListState["archived"];
  const sort = first(params.sort);
  if (Object.hasOwn(SORT_PARAM, sort)) state.sort = SORT_PARAM[sort as keyof typeof SORT_PARAM];
  const order = first(params.order);
  if (order === "asc" || order === "desc") state.order = order;
  const cursor = check("cursor", first(params.cursor));
  if (cursor.success && cursor.data) state.cursor = cursor.data;
  const before = check("before", first(params.before));
  if (before.success && before.data && !state.cursor) state.before = before.data;
  return state;
}

/** The links service's query for a list state. */
export function listQuery(state: ListState, limit = PAGE_SIZE): ListLinksQuery {
  return {
    limit,
    archived: ARCHIVED_PARAM[state.archived],
    sort: state.sort,
    order: state.order,
    ...(state.q ? { q: state.q } : {}),
    ...(state.tag ? { tag: state.tag } : {}),
    ...(state.domain ? { domain: state.domain } : {}),
    ...(state.cursor ? { cursor: state.cursor } : {}),
    ...(state.before ? { before: state.before } : {}),
  };
}

const SORT_NAME = Object.fromEntries(Object.entries(SORT_PARAM).map(([name, column]) => [column, name])) as Record<ListState["sort"], string>;

/**
 * `/app?…` for a list state: defaults are left out, so the plain list is just `/app`. A change
 * that names one page cursor (`cursor: ""` for the first page) drops the other.
 */
export function listHref(state: ListState, changes: Partial<ListState> = {}): string {
  const paging = "cursor" in changes ? { before: "" } : "before" in changes ? { cursor: "" } : {};
  const next = { ...state, ...paging, ...changes };
  const params = new URLSearchParams();
  if (next.q) params.set("q", next.q);
  if (next.tag) params.set("tag", next.tag);
  if (next.domain) params.set("domain", next.domain);
  if (next.archived !== DEFAULT_STATE.archived) params.set("archived", next.archived);
  if (next.sort !== DEFAULT_STATE.sort) params.set("sort", SORT_NAME[next.sort]);
  if (next.order !== DEFAULT_STATE.order) params.set("order", next.order);
  if (next.cursor) params.set("cursor", next.cursor);
  else if (next.before) params.set("before", next.before);
  const search = params.toString();
  return search ? `/app?${search}` : "/app";
}

/** Whether the state narrows the list (search or filters), as opposed to paging or sorting it. */
export function isFiltered(state: ListState): boolean {
  return Boolean(state.q || state.tag || state.domain || state.archived !== DEFAULT_STATE.archived);
}

/** A path the bulk actions may send people back to: the list itself, never elsewhere. */
export function safeListReturn(raw: string): string {
  if (!raw.startsWith("/app")) return "/app";
  const url = new URL(raw, "https://signpost.invalid");
  if (url.origin !== "https://signpost.invalid" || url.pathname !== "/app") return "/app";
  return `${url.pathname}${url.search}`;
}

/** The short domains a workspace's links can live on: the instance's and its own verified ones. */
export async function workspaceDomains(principal: Principal): Promise<string[]> {
  const own = await verifiedHosts(await getDb(), principal.workspaceId);
  return [...new Set([...serverConfig().shortDomains, ...own])];
}

export const BULK_OPERATIONS = ["archive", "unarchive", "delete"] as const;
export type BulkOperation = (typeof BULK_OPERATIONS)[number];

export function isBulkOperation(value: string): value is BulkOperation {
  return (BULK_OPERATIONS as readonly string[]).includes(value);
}

/** Why a bulk operation changed nothing. */
export type BulkRefusal = "empty" | "forbidden" | "not_found" | "invalid";
export type BulkResult = { ok: true; count: number; message: string } | { ok: false; reason: BulkRefusal; message: string };

/** What to tell people when a bulk operation is refused (also for the no-JS confirm page). */
export function refusalMessage(reason: BulkRefusal, role?: string | null): string {
  switch (reason) {
    case "empty":
      return "Select at least one link first.";
    case "forbidden":
      return `Your role in this workspace${role ? ` (${role})` : ""} can read links but not change them. Ask an owner or admin for the member role.`;
    case "not_found":
      return "One of the selected links no longer exists, so nothing was changed. Reload the list and try again.";
    case "invalid":
      return "That selection cannot be changed in one go, so nothing was changed.";
  }
}

const plural = (n: number) => `${n} link${n === 1 ? "" : "s"}`;

/**
 * Archives, unarchives or deletes the chosen links all-or-nothing (the service runs each in one
 * transaction: one link that is gone or in another workspace and nothing changes). Refusals come
 * back as a message for the page; anything else is a bug and is thrown.
 */
export async function runBulk(principal: Principal, operation: BulkOperation, ids: string[]): Promise<BulkResult> {
  const unique = [...new Set(ids.filter((id) => id.length > 0))];
  const refuse = (reason: BulkRefusal): BulkResult => ({ ok: false, reason, message: refusalMessage(reason, principal.role) });
  if (unique.length === 0) return refuse("empty");
  try {
    if (operation === "delete") {
      const count = await deleteLinks(principal, unique);
      return { ok: true, count, message: `Deleted ${plural(count)}.` };
    }
    const archived = operation === "archive";
    const updated = await updateLinks(principal, unique.map((id) => ({ id, archived })));
    return { ok: true, count: updated.length, message: `${archived ? "Archived" : "Unarchived"} ${plural(updated.length)}.` };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.code === "insufficient_scope") return refuse("forbidden");
    if (error.code === "not_found") return refuse("not_found");
    return refuse("invalid");
  }
}
