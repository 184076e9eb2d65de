import "server-only";
import { and, eq, inArray } from "drizzle-orm";
import type { CreateLinkInput } from "@/core/link";
import { isReservedKey } from "@/core/reserved";
import { generateSlug } from "@/core/slug";
import { enforcePlanLimit } from "@/server/billing/limits";
import type { Db } from "@/server/db/client";
import { link, linkTag, tag } from "@/server/db/schema";

/** One valid row, ready to become a link. */
export interface LinkToWrite {
  /** Row number in the file (header = 1), for the error report. */
  row: number;
  input: CreateLinkInput;
  /** The resolved host: the row's domain or the import's default. */
  domain: string;
  createdAt: Date | null;
}

export interface WriteOwner {
  workspaceId: string;
  userId: string | null;
}

const GENERATED_KEY_ATTEMPTS = 8;

const newId = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;

function generatedKey(attempt: number): string {
  let key: string;
  do key = generateSlug(attempt < 4 ? 7 : 9);
  while (isReservedKey(key));
  return key;
}

/**
 * The one place an import creates links, and where they count against the plan's link limit. Inserts the batch in
 * the caller's transaction with one statement per attempt; a row whose own key is taken is handed
 * back in `taken`, a row without a key gets a generated one (retried on a collision). Tags are
 * created as needed. Imported links are not queued for metadata fetching (they bring their own
 * titles, and a 100,000-row import must not fetch 100,000 pages) and get no per-link webhook
 * event (the import's `import.completed` event stands for them).
 */
export async function insertImportedLinks(tx: Db, owner: WriteOwner, rows: LinkToWrite[]): Promise<{ created: { id: string; domain: string; key: string }[]; taken: LinkToWrite[] }> {
  const created: { id: string; domain: string; key: string; row: LinkToWrite }[] = [];
  const taken: LinkToWrite[] = [];
  let pending = rows;
  const now = new Date();
  for (let attempt = 0; pending.length > 0 && attempt < GENERATED_KEY_ATTEMPTS; attempt++) {
    const values = pending.map((row) => ({
      id: newId("lnk"),
      workspaceId: owner.workspaceId,
      domain: row.domain,
      key: row.input.key ?? generatedKey(attempt),
      url: row.input.url,
      title: row.input.title ?? null,
      description: row.input.description ?? null,
      comments: row.input.comments ?? null,
      expiresAt: row.input.expiresAt ? new Date(row.input.expiresAt) : null,
      createdBy: owner.userId,
      createdAt: row.createdAt ?? now,
      updatedAt: now,
    }));
    const inserted = await tx
      .insert(link)
      .values(values)
      .onConflictDoNothing({ target: [link.domain, link.key] })
      .returning({ id: link.id, domain: link.domain, key: link.key });
    const ids = new Set(inserted.map((row) => row.id));
    const retry: LinkToWrite[] = [];
    for (const [index, value] of values.entries()) {
      const row = pending[index]!;
      if (ids.has(value.id)) created.push({ id: value.id, domain: value.domain, key: value.key, row });
      else if (row.input.key) taken.push(row);
      else retry.push(row);
    }
    pending = retry;
  }
  // Eight collisions in a row for a random key: the key space of that domain is nearly full.
  taken.push(...pending);
  // Imported links count against the plan's monthly link limit like any other (402 past it: the
  // job stops with the plan's message; all-or-nothing rolls the whole import back).
  await enforcePlanLimit(tx, owner.workspaceId, "links", created.length);
  await tagLinks(tx, owner.workspaceId, created.filter((entry) => entry.row.input.tags?.length).map((entry) => ({ linkId: entry.id, names: entry.row.input.tags! })));
  return { created: created.map(({ id, domain, key }) => ({ id, domain, key })), taken };
}

async function tagLinks(tx: Db, workspaceId: string, links: { linkId: string; names: string[] }[]): Promise<void> {
  if (links.length === 0) return;
  const names = [...new Set(links.flatMap((entry) => entry.names))];
  await tx
    .insert(tag)
    .values(names.map((name) => ({ id: newId("tag"), workspaceId, name })))
    .onConflictDoNothing({ target: [tag.workspaceId, tag.name] });
  const rows = await tx
    .select({ id: tag.id, name: tag.name })
    .from(tag)
    .where(and(eq(tag.workspaceId, workspaceId), inArray(tag.name, names)));
  const ids = new Map(rows.map((row) => [row.name, row.id]));
  const pairs = links.flatMap((entry) => entry.names.map((name) => ({ linkId: entry.linkId, tagId: ids.get(name)! })));
  await tx.insert(linkTag).values(pairs).onConflictDoNothing();
}

/** Which of these (domain, key) pairs are already links, as `domain/key` strings. */
export async function takenKeys(db: Db, pairs: { domain: string; key: string }[]): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const wanted = new Set(pairs.map((pair) => `${pair.domain}/${pair.key}`));
  // Two "= any" lists use the (domain, key) index; a list of row constructors would plan as a long OR.
  const rows = await db
    .select({ domain: link.domain, key: link.key })
    .from(link)
    .where(and(inArray(link.domain, [...new Set(pairs.map((pair) => pair.domain))]), inArray(link.key, pairs.map((pair) => pair.key))));
  return new Set(rows.map((row) => `${row.domain}/${row.key}`).filter((pair) => wanted.has(pair)));
}
