import "server-only";
import { Readable } from "node:stream";
import { parse } from "csv-parse";
import { and, asc, eq, gte, sql } from "drizzle-orm";
import { isLoopDestination } from "@/core/destination";
import { rowToLink, type ImportField, type RowProblem } from "@/core/imports";
import { serverConfig } from "@/config/env";
import type { Db } from "@/server/db/client";
import { domain as domainTable, importError, importFileChunk, linkImport } from "@/server/db/schema";
import { publishLinkChanges } from "@/server/events/link-changes";
import { recordLinkChanges } from "@/server/events/link-feed";
import { recordWebhookEvents, wakeDeliveries } from "@/server/webhooks/service";
import { insertImportedLinks, takenKeys, type LinkToWrite } from "./write";

/** Rows checked and written together: one key lookup and one insert per batch. */
export const IMPORT_BATCH_ROWS = 1_000;
/** Stored chunks read per query (of 256 KiB each). */
const CHUNKS_PER_READ = 4;

type ImportRow = typeof linkImport.$inferSelect;

/** The stored file, chunk by chunk, a few chunks per query: memory stays at one read. */
async function* storedFile(db: Db, importId: string): AsyncGenerator<Buffer> {
  for (let from = 0; ; from += CHUNKS_PER_READ) {
    const rows = await db
      .select({ data: importFileChunk.data })
      .from(importFileChunk)
      .where(and(eq(importFileChunk.importId, importId), gte(importFileChunk.seq, from), sql`${importFileChunk.seq} < ${from + CHUNKS_PER_READ}`))
      .orderBy(asc(importFileChunk.seq));
    for (const row of rows) yield row.data;
    if (rows.length < CHUNKS_PER_READ) return;
  }
}

/** The file's records after the header, in batches, each record with its row number (header = 1). */
async function* recordBatches(db: Db, job: ImportRow): AsyncGenerator<{ row: number; cells: string[] }[]> {
  const parser = Readable.from(storedFile(db, job.id)).pipe(
    parse({ bom: true, delimiter: job.delimiter, relax_column_count: true, skip_empty_lines: true, from: 2 }),
  );
  let batch: { row: number; cells: string[] }[] = [];
  let row = 1;
  for await (const cells of parser as AsyncIterable<string[]>) {
    batch.push({ row: ++row, cells });
    if (batch.length >= IMPORT_BATCH_ROWS) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

interface Checker {
  /** `db`: the connection to look keys up on (the import's transaction, when inside one). */
  check(db: Db, batch: { row: number; cells: string[] }[]): Promise<{ valid: LinkToWrite[]; problems: ProblemRow[] }>;
  /** Report entries for rows whose key was taken between the check and the insert. */
  raced(batch: { row: number; cells: string[] }[], taken: LinkToWrite[]): ProblemRow[];
}

type ProblemRow = { row: number; cells: string[]; problems: RowProblem[] };

/** Row checks: the link rules, keys repeated in the file, keys already taken, domains, loops. */
async function rowChecker(db: Db, job: ImportRow): Promise<Checker> {
  const config = serverConfig();
  const own = await db.select({ host: domainTable.host, workspaceId: domainTable.workspaceId }).from(domainTable);
  const shortHosts = [...config.shortDomains, ...own.map((row) => row.host)];
  const allowed = new Set([...config.shortDomains, ...own.filter((row) => row.workspaceId === job.workspaceId).map((row) => row.host)]);
  const fallback = job.domain ?? config.shortDomains[0]!;
  const mapping = job.mapping as (ImportField | null)[];
  const columnOf = (field: ImportField) => job.header[mapping.indexOf(field)] ?? null;
  const keyColumn = columnOf("key") ?? columnOf("shortUrl");
  const seen = new Set<string>();
  return {
    async check(db, batch) {
      const problems: ProblemRow[] = [];
      const candidates: LinkToWrite[] = [];
      for (const { row, cells } of batch) {
        const result = rowToLink(cells, mapping, job.header);
        if (Array.isArray(result)) {
          problems.push({ row, cells, problems: result });
          continue;
        }
        const host = result.input.domain ?? fallback;
        if (!allowed.has(host)) {
          problems.push({ row, cells, problems: [{ column: columnOf("domain"), code: "unknown_domain", message: `'${host}' is not one of this workspace's domains` }] });
        } else if (isLoopDestination(result.input.url, shortHosts)) {
          problems.push({ row, cells, problems: [{ column: columnOf("url"), code: "loop_destination", message: "points at a short link host of this instance, which would loop" }] });
        } else if (result.input.key && seen.has(`${host}/${result.input.key}`)) {
          problems.push({ row, cells, problems: [{ column: keyColumn, code: "duplicate_key", message: `'${result.input.key}' appears earlier in the file` }] });
        } else {
          if (result.input.key) seen.add(`${host}/${result.input.key}`);
          candidates.push({ row, input: result.input, domain: host, createdAt: result.createdAt });
        }
      }
      const taken = await takenKeys(db, candidates.filter((c) => c.input.key).map((c) => ({ domain: c.domain, key: c.input.key! })));
      const valid: LinkToWrite[] = [];
      for (const candidate of candidates) {
        if (candidate.input.key && taken.has(`${candidate.domain}/${candidate.input.key}`)) {
          const cells = batch.find((entry) => entry.row === candidate.row)!.cells;
          problems.push({ row: candidate.row, cells, problems: [takenProblem(candidate, keyColumn)] });
        } else valid.push(candidate);
      }
      problems.sort((a, b) => a.row - b.row);
      return { valid, problems };
    },
    raced(batch, taken) {
      const cellsOf = new Map(batch.map((entry) => [entry.row, entry.cells]));
      return taken.map((entry) => ({ row: entry.row, cells: cellsOf.get(entry.row) ?? [], problems: [takenProblem(entry, keyColumn)] }));
    },
  };
}

function takenProblem(candidate: LinkToWrite, column: string | null): RowProblem {
  return { column, code: "key_taken", message: `'${candidate.input.key ?? ""}' is already in use on ${candidate.domain}` };
}

async function recordProblems(db: Db, importId: string, entries: ProblemRow[]): Promise<void> {
  const values = entries.flatMap((entry) =>
    entry.problems.map((problem, seq) => ({ importId, row: entry.row, seq, column: problem.column, code: problem.code, message: problem.message, values: entry.cells })),
  );
  for (let start = 0; start < values.length; start += 500) await db.insert(importError).values(values.slice(start, start + 500)).onConflictDoNothing();
}

async function setProgress(db: Db, id: string, fields: Partial<typeof linkImport.$inferInsert>): Promise<void> {
  await db.update(linkImport).set({ ...fields, updatedAt: new Date() }).where(eq(linkImport.id, id));
}

export type ImportOutcome = "completed" | "failed" | "skipped";

export interface ImportHooks {
  /** all_or_nothing: runs after every row passed the check and before the write pass (lets tests take a key in between). */
  beforeWrite?: () => Promise<void>;
}

/**
 * Works one queued import: streams the stored file through csv-parse, checks each row, and writes
 * in batches. skip_invalid: each batch's valid rows are committed as it goes, invalid rows go to
 * the error report. all_or_nothing: a first pass checks every row (progress shows it); only when
 * all are valid does a second pass insert them, in one transaction, so a key taken meanwhile still
 * leaves nothing written. Memory holds one batch and the set of keys seen so far.
 */
export async function runImport(db: Db, importId: string, hooks: ImportHooks = {}): Promise<ImportOutcome> {
  const claimed = await db
    .update(linkImport)
    .set({ status: "validating", startedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(linkImport.id, importId), eq(linkImport.status, "queued")))
    .returning();
  const job = claimed[0];
  if (!job) return "skipped";
  try {
    return job.mode === "skip_invalid" ? await importSkippingInvalid(db, job) : await importAllOrNothing(db, job, hooks);
  } catch (error) {
    await setProgress(db, job.id, { status: "failed", error: `The import stopped: ${(error as Error).message ?? String(error)}`.slice(0, 1000), finishedAt: new Date() });
    await finish(db, job.id);
    return "failed";
  }
}

async function importSkippingInvalid(db: Db, job: ImportRow): Promise<ImportOutcome> {
  await setProgress(db, job.id, { status: "importing" });
  const checker = await rowChecker(db, job);
  const owner = { workspaceId: job.workspaceId, userId: job.createdBy };
  let read = 0;
  let imported = 0;
  let failed = 0;
  for await (const batch of recordBatches(db, job)) {
    const { valid, problems } = await checker.check(db, batch);
    const { created, taken } = valid.length
      ? await db.transaction(async (tx) => {
          const inserted = await insertImportedLinks(tx, owner, valid);
          await recordLinkChanges(tx, inserted.created);
          return inserted;
        })
      : { created: [], taken: [] };
    const raced = checker.raced(batch, taken);
    await recordProblems(db, job.id, [...problems, ...raced]);
    await publishLinkChanges(created);
    read += batch.length;
    imported += created.length;
    failed += problems.length + raced.length;
    await setProgress(db, job.id, { rowsRead: read, rowsImported: imported, rowsFailed: failed });
  }
  await setProgress(db, job.id, { status: "completed", finishedAt: new Date() });
  await finish(db, job.id);
  return "completed";
}

class Rollback extends Error {}

async function importAllOrNothing(db: Db, job: ImportRow, hooks: ImportHooks): Promise<ImportOutcome> {
  const checker = await rowChecker(db, job);
  let read = 0;
  let failed = 0;
  for await (const batch of recordBatches(db, job)) {
    const { problems } = await checker.check(db, batch);
    await recordProblems(db, job.id, problems);
    read += batch.length;
    failed += problems.length;
    await setProgress(db, job.id, { rowsRead: read, rowsFailed: failed });
  }
  if (failed > 0) {
    await setProgress(db, job.id, { status: "failed", error: `${failed} of ${read} rows are invalid; nothing was imported (see the error report)`, finishedAt: new Date() });
    await finish(db, job.id);
    return "failed";
  }
  await setProgress(db, job.id, { status: "importing" });
  await hooks.beforeWrite?.();
  const owner = { workspaceId: job.workspaceId, userId: job.createdBy };
  const writer = await rowChecker(db, job);
  const refs: { domain: string; key: string }[] = [];
  let lost: ProblemRow[] = [];
  try {
    await db.transaction(async (tx) => {
      for await (const batch of recordBatches(tx, job)) {
        // Checked again inside the transaction: a key taken since the first pass rolls everything back.
        const { valid, problems } = await writer.check(tx, batch);
        const { created, taken } = await insertImportedLinks(tx, owner, valid);
        lost = [...problems, ...writer.raced(batch, taken)];
        if (lost.length > 0) throw new Rollback();
        refs.push(...created);
      }
      await recordLinkChanges(tx, refs);
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
    await recordProblems(db, job.id, lost);
    await setProgress(db, job.id, { status: "failed", rowsFailed: lost.length, error: "Keys were taken while the import ran; nothing was imported (see the error report)", finishedAt: new Date() });
    await finish(db, job.id);
    return "failed";
  }
  await setProgress(db, job.id, { status: "completed", rowsImported: refs.length, finishedAt: new Date() });
  for (let start = 0; start < refs.length; start += IMPORT_BATCH_ROWS) await publishLinkChanges(refs.slice(start, start + IMPORT_BATCH_ROWS));
  await finish(db, job.id);
  return "completed";
}

/**
 * After an import ends either way: the stored file is dropped (the report keeps the failed rows'
 * cells), and one `import.completed` webhook event is recorded instead of a `link.created` per row.
 */
async function finish(db: Db, importId: string): Promise<void> {
  await db.delete(importFileChunk).where(eq(importFileChunk.importId, importId));
  const [row] = await db.select().from(linkImport).where(eq(linkImport.id, importId)).limit(1);
  if (!row) return;
  const data = {
    import: { id: row.id, status: row.status, format: row.format, filename: row.filename, rowsRead: row.rowsRead, rowsImported: row.rowsImported, rowsFailed: row.rowsFailed },
  };
  const deliveries = await recordWebhookEvents(db, [{ workspaceId: row.workspaceId, type: "import.completed", data }]);
  await wakeDeliveries(deliveries);
}
