import "server-only";
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import busboy from "busboy";
import { parse } from "csv-parse/sync";
import { eq } from "drizzle-orm";
import { detectDelimiter, detectFormat, IMPORT_MAX_BYTES } from "@/core/imports";
import { ApiError } from "@/server/api/errors";
import { authorize, type Principal } from "@/server/auth/principal";
import { getDb, type Db } from "@/server/db/client";
import { importFileChunk, linkImport } from "@/server/db/schema";

/** Bytes per stored chunk: large enough for few rows, small enough that a reader holds little. */
export const IMPORT_CHUNK_BYTES = 256 * 1024;
/** How much of the file's start is kept to detect the format and show sample rows. */
const PREFIX_BYTES = 64 * 1024;
const SAMPLE_ROWS = 5;
const SAMPLE_CELL_CHARS = 200;

/** The file part of a request: a multipart form's first file, or the raw body (text/csv). */
async function fileStream(request: Request): Promise<{ stream: Readable; filename: string | null }> {
  if (!request.body) throw new ApiError("validation_failed", "The request has no file", "file");
  const type = request.headers.get("content-type") ?? "";
  const body = Readable.fromWeb(request.body as unknown as NodeWebStream<Uint8Array>);
  if (!/^multipart\/form-data/i.test(type)) {
    const filename = request.headers.get("x-filename");
    return { stream: body, filename: filename ? filename.slice(0, 255) : null };
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: { "content-type": type }, limits: { files: 1 } });
  } catch {
    throw new ApiError("bad_request", "The multipart body has no boundary", "file");
  }
  return new Promise((resolve, reject) => {
    parser.on("file", (_name, stream, info) => resolve({ stream, filename: info.filename ? info.filename.slice(0, 255) : null }));
    parser.on("error", (error) => reject(new ApiError("bad_request", `The multipart body could not be read: ${String((error as Error).message ?? error)}`, "file")));
    parser.on("finish", () => reject(new ApiError("validation_failed", "The form has no file; send it in a file field", "file")));
    body.on("error", reject);
    body.pipe(parser);
  });
}

/** Stores the stream in chunks as it arrives; returns the size and the first PREFIX_BYTES. */
async function storeChunks(db: Db, importId: string, stream: Readable): Promise<{ size: number; prefix: Buffer }> {
  let size = 0;
  let seq = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const prefixParts: Buffer[] = [];
  let prefixBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const data = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await db.insert(importFileChunk).values({ importId, seq: seq++, data });
  };
  for await (const part of stream) {
    const buffer = Buffer.isBuffer(part) ? part : Buffer.from(part as Uint8Array);
    size += buffer.length;
    if (size > IMPORT_MAX_BYTES) {
      stream.destroy();
      throw new ApiError("payload_too_large", `The file is larger than ${IMPORT_MAX_BYTES / 1024 / 1024} MB`, "file");
    }
    if (prefixBytes < PREFIX_BYTES) {
      prefixParts.push(buffer);
      prefixBytes += buffer.length;
    }
    // Stored chunks are exactly IMPORT_CHUNK_BYTES (the last one less), however the body arrives.
    for (let offset = 0; offset < buffer.length; ) {
      const piece = buffer.subarray(offset, offset + IMPORT_CHUNK_BYTES - pendingBytes);
      pending.push(piece);
      pendingBytes += piece.length;
      offset += piece.length;
      if (pendingBytes >= IMPORT_CHUNK_BYTES) await flush();
    }
  }
  await flush();
  return { size, prefix: Buffer.concat(prefixParts).subarray(0, PREFIX_BYTES) };
}

/** Header, separator and sample rows from the start of the file. */
export function inspectPrefix(prefix: Buffer, complete: boolean): { header: string[]; sample: string[][]; delimiter: "," | ";" | "\t" } {
  let text = prefix.toString("utf8").replace(/^\uFEFF/, "");
  // A cut file ends inside a record: parse only up to its last full line.
  if (!complete) text = text.slice(0, Math.max(0, text.lastIndexOf("\n")));
  const firstLine = text.split(/\r?\n/, 1)[0] ?? "";
  if (firstLine.trim() === "") throw new ApiError("validation_failed", "The file is empty or its first line (the header) is blank", "file");
  if (firstLine.includes("\u0000")) throw new ApiError("validation_failed", "The file is not text (CSV in UTF-8 is expected)", "file");
  const delimiter = detectDelimiter(firstLine);
  let records: string[][];
  try {
    records = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, to: SAMPLE_ROWS + 1 }) as string[][];
  } catch (error) {
    throw new ApiError("validation_failed", `The file is not CSV that can be read: ${(error as Error).message}`, "file");
  }
  const [header = [], ...rows] = records;
  return {
    header: header.map((name, index) => name.trim() || `column ${index + 1}`),
    sample: rows.map((row) => row.map((cell) => cell.slice(0, SAMPLE_CELL_CHARS))),
    delimiter,
  };
}

const newImportId = () => `imp_${crypto.randomUUID().replaceAll("-", "")}`;

/**
 * Takes an uploaded file (multipart or raw body) into the database without holding it in memory,
 * then detects its format from the header. Nothing is imported yet: the import waits for a mapping
 * (startImport). A failed upload leaves nothing behind.
 */
export async function receiveImportFile(principal: Principal, request: Request): Promise<string> {
  authorize(principal, "links:write");
  const declared = Number(request.headers.get("content-length"));
  if (declared > IMPORT_MAX_BYTES + 64 * 1024) throw new ApiError("payload_too_large", `The file is larger than ${IMPORT_MAX_BYTES / 1024 / 1024} MB`, "file");
  const { stream, filename } = await fileStream(request);
  const db = await getDb();
  const id = newImportId();
  await db.insert(linkImport).values({ id, workspaceId: principal.workspaceId, createdBy: principal.userId, filename, format: "generic", header: [] });
  try {
    const { size, prefix } = await storeChunks(db, id, stream);
    const { header, sample, delimiter } = inspectPrefix(prefix, size <= prefix.length);
    const { format, mapping } = detectFormat(header);
    await db.update(linkImport).set({ sizeBytes: size, header, sample, delimiter, format, mapping, updatedAt: new Date() }).where(eq(linkImport.id, id));
    return id;
  } catch (error) {
    await db.delete(linkImport).where(eq(linkImport.id, id));
    throw error;
  }
}
