import "server-only";
import { and, asc, desc, eq, gt, or } from "drizzle-orm";
import { stringify } from "csv-stringify/sync";
import type { ImportView, StartImportInput } from "@/core/imports";
import { serverConfig } from "@/config/env";
import { ApiError } from "@/server/api/errors";
import { authorize, type Principal } from "@/server/auth/principal";
import { getDb, type Db } from "@/server/db/client";
import { domain as domainTable, importError, linkImport } from "@/server/db/schema";
import { wakeImportJob } from "@/server/jobs/run-import";

type ImportRow = typeof linkImport.$inferSelect;

export function presentImport(row: ImportRow): ImportView {
  return {
    id: row.id,
    status: row.status,
    format: row.format,
    filename: row.filename,
    sizeBytes: row.sizeBytes,
    header: row.header,
    mapping: row.mapping ?? row.header.map(() => null),
    mode: row.mode,
    domain: row.domain,
    sample: row.sample,
    progress: { rowsRead: row.rowsRead, rowsImported: row.rowsImported, rowsFailed: row.rowsFailed },
    error: row.error,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

async function findImport(db: Db, principal: Principal, id: string): Promise<ImportRow> {
  const [row] = await db
    .select()
    .from(linkImport)
    .where(and(eq(linkImport.id, id), eq(linkImport.workspaceId, principal.workspaceId)))
    .limit(1);
  if (!row) throw new ApiError("not_found", `No import with id '${id}'`);
  return row;
}

export async function getImport(principal: Principal, id: string): Promise<ImportView> {
  authorize(principal, "links:read");
  return presentImport(await findImport(await getDb(), principal, id));
}

/** The workspace's latest imports, newest first. */
export async function listImports(principal: Principal, limit = 20): Promise<ImportView[]> {
  authorize(principal, "links:read");
  const db = await getDb();
  const rows = await db.select().from(linkImport).where(eq(linkImport.workspaceId, principal.workspaceId)).orderBy(desc(linkImport.createdAt)).limit(limit);
  return rows.map(presentImport);
}

/** The mapping step: fixes mapping, mode and default domain, and queues the import job. */
export async function startImport(principal: Principal, id: string, input: StartImportInput): Promise<ImportView> {
  authorize(principal, "links:write");
  const db = await getDb();
  const current = await findImport(db, principal, id);
  if (current.status !== "uploaded") throw new ApiError("conflict", `The import was already started (it is ${current.status})`);
  if (input.mapping.length !== current.header.length) {
    throw new ApiError("validation_failed", `mapping must have one entry per column of the header (${current.header.length})`, "mapping");
  }
  if (input.mapping.includes("tags") && !principal.scopes.has("tags:write")) {
    throw new ApiError("insufficient_scope", "Importing tags can create tags, which needs the 'tags:write' scope", "mapping");
  }
  if (input.domain && !serverConfig().shortDomains.includes(input.domain)) {
    const [owned] = await db
      .select({ host: domainTable.host })
      .from(domainTable)
      .where(and(eq(domainTable.host, input.domain), eq(domainTable.workspaceId, principal.workspaceId)))
      .limit(1);
    if (!owned) throw new ApiError("validation_failed", `domain '${input.domain}' is not one of this workspace's domains`, "domain");
  }
  const [row] = await db
    .update(linkImport)
    .set({ mapping: input.mapping, mode: input.mode, domain: input.domain ?? null, status: "queued", updatedAt: new Date() })
    .where(and(eq(linkImport.id, current.id), eq(linkImport.status, "uploaded")))
    .returning();
  if (!row) throw new ApiError("conflict", "The import was already started");
  await wakeImportJob(row.id);
  return presentImport(row);
}

const REPORT_PAGE = 2_000;

/**
 * The error report as CSV, streamed by keyset pages: row, column, code, message, then the row's
 * original cells under the file's own header, so the report can be fixed and imported again.
 */
export async function importErrorReport(principal: Principal, id: string): Promise<{ stream: ReadableStream<Uint8Array>; filename: string }> {
  authorize(principal, "links:read");
  const db = await getDb();
  const job = await findImport(db, principal, id);
  const encoder = new TextEncoder();
  const width = job.header.length;
  let after: { row: number; seq: number } | null = null;
  let first = true;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const rows = await db
          .select()
          .from(importError)
          .where(and(eq(importError.importId, job.id), after ? or(gt(importError.row, after.row), and(eq(importError.row, after.row), gt(importError.seq, after.seq))) : undefined))
          .orderBy(asc(importError.row), asc(importError.seq))
          .limit(REPORT_PAGE);
        const records = rows.map((row) => [String(row.row), row.column ?? "", row.code, row.message, ...Array.from({ length: Math.max(width, row.values.length) }, (_, i) => row.values[i] ?? "")]);
        const text = stringify(first ? [["row", "column", "code", "message", ...job.header], ...records] : records, { escape_formulas: true });
        first = false;
        if (text) controller.enqueue(encoder.encode(text));
        const last = rows.at(-1);
        if (rows.length < REPORT_PAGE || !last) controller.close();
        else after = { row: last.row, seq: last.seq };
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, filename: `signpost-import-${job.id}-errors.csv` };
}
