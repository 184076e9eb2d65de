// `npm run bench:import` — a generated 100,000-row CSV through the bulk importer in-process, as a
// worker runs it, then the same links exported again (CSV and JSON):
//
//   upload   the file streamed (never whole in memory) into the database in chunks, format detected
//   import   the job: streamed out of the database through csv-parse, checked, written in batches
//   export   GET /api/v1/links/export's stream, read to the end (CSV, then JSON)
//
// Prints each phase's time, rows/s and the process's peak RSS and JS heap during it (sampled every
// 20 ms, plus the RSS before the phase; run with --expose-gc, as the npm script does, to start
// each phase from a collected heap). Embedded PGlite by default (a temporary data dir); with DATABASE_URL a
// bench database is created on that server and dropped after.
//
//   npm run bench:import [-- --rows 100000 --mode skip_invalid]
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:import
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { eq, sql } from "drizzle-orm";
// @ts-expect-error -- plain ESM script without types
import { admin, withDatabase } from "./lib/bench.mjs";

const { values: args } = parseArgs({
  options: { rows: { type: "string", default: "100000" }, mode: { type: "string", default: "all_or_nothing" } },
});
const ROWS = Number(args.rows);
const MODE = args.mode as "all_or_nothing" | "skip_invalid";

const dataDir = mkdtempSync(path.join(tmpdir(), "signpost-bench-import-"));
const benchDb = `bench_import_${process.pid}`;
const databaseUrl = process.env.DATABASE_URL;
// Configuration comes from the environment, read once: set it before the app's modules load.
process.env.SIGNPOST_SECRET ??= "bench-secret-0123456789abcdef0123456789abcdef";
process.env.DATA_DIR = dataDir;
process.env.LOG_LEVEL ??= "warn";
if (databaseUrl) {
  await admin(`create database ${benchDb}`);
  process.env.DATABASE_URL = withDatabase(databaseUrl, benchDb);
}

const { memberPrincipal } = await import("@/server/auth/principal");
const { getDatabase } = await import("@/server/db/client");
const { link, linkImport } = await import("@/server/db/schema");
const { exportLinks } = await import("@/server/exports/links");
const { runImport } = await import("@/server/imports/run");
const { startImport } = await import("@/server/imports/service");
const { receiveImportFile } = await import("@/server/imports/upload");
const { runFirstSetup } = await import("@/server/setup/service");

/** Peak RSS while `fn` runs (sampled), and how long it took. */
async function measure<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: number; startRssMb: number; peakRssMb: number; peakHeapMb: number }> {
  global.gc?.();
  const startRss = process.memoryUsage().rss;
  let peak = startRss;
  let peakHeap = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    const usage = process.memoryUsage();
    peak = Math.max(peak, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  }, 20);
  const started = performance.now();
  try {
    const result = await fn();
    const end = process.memoryUsage();
    peak = Math.max(peak, end.rss);
    peakHeap = Math.max(peakHeap, end.heapUsed);
    return { result, seconds: (performance.now() - started) / 1000, startRssMb: startRss / 2 ** 20, peakRssMb: peak / 2 ** 20, peakHeapMb: peakHeap / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

/** The CSV, generated as it is read: the upload side never holds the file either. */
function generatedCsv(rows: number): { stream: ReadableStream<Uint8Array>; bytes: () => number } {
  const encoder = new TextEncoder();
  let next = 0;
  let bytes = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      let text = next === 0 ? "url,key,title,tags,createdAt\n" : "";
      const end = Math.min(rows, next + 2_000);
      for (; next < end; next++) {
        text += `https://example.com/articles/${next}?utm_source=newsletter,bench-${next},"Article ${next}, part ${next % 7}",${next % 3 === 0 ? "news|weekly" : "blog"},2024-01-01T00:00:00Z\n`;
      }
      const chunk = encoder.encode(text);
      bytes += chunk.length;
      controller.enqueue(chunk);
      if (next >= rows) controller.close();
    },
  });
  return { stream, bytes: () => bytes };
}

async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  let bytes = 0;
  const reader = stream.getReader();
  for (let part = await reader.read(); !part.done; part = await reader.read()) bytes += part.value.byteLength;
  return bytes;
}

const line = (name: string, m: { seconds: number; startRssMb: number; peakRssMb: number; peakHeapMb: number }, rows: number, extra = "") =>
  console.log(
    `${name.padEnd(12)} ${m.seconds.toFixed(2).padStart(7)} s  ${Math.round(rows / m.seconds).toLocaleString("en").padStart(9)} rows/s  RSS ${m.startRssMb.toFixed(0)} → peak ${m.peakRssMb.toFixed(0)} MB  heap peak ${m.peakHeapMb.toFixed(0)} MB${extra}`,
  );

try {
  const database = await getDatabase();
  const setup = await runFirstSetup({ name: "Bench", email: "bench@example.com", password: "correct horse battery staple", workspace: "Bench" });
  const principal = memberPrincipal(setup.user.id, setup.workspace.id, "owner");
  console.log(`bench:import — ${ROWS.toLocaleString("en")} rows, mode ${MODE}, ${database.mode === "embedded" ? "embedded PGlite" : "Postgres"}, Node ${process.version}`);

  const file = generatedCsv(ROWS);
  const upload = await measure(() =>
    receiveImportFile(principal, new Request("http://bench/api/v1/imports", { method: "POST", headers: { "content-type": "text/csv" }, body: file.stream, duplex: "half" } as RequestInit)),
  );
  line("upload", upload, ROWS, `  (${(file.bytes() / 2 ** 20).toFixed(1)} MB)`);

  const id = upload.result;
  await startImport(principal, id, { mapping: ["url", "key", "title", "tags", "createdAt"], mode: MODE });
  const job = await measure(() => runImport(database.db, id));
  const [row] = await database.db.select().from(linkImport).where(eq(linkImport.id, id));
  line("import", job, ROWS, `  (${job.result}: ${row!.rowsImported.toLocaleString("en")} imported, ${row!.rowsFailed} failed)`);
  const [{ n }] = (await database.db.select({ n: sql<number>`count(*)::int` }).from(link)) as [{ n: number }];
  if (job.result !== "completed" || n !== ROWS) throw new Error(`expected ${ROWS} links, found ${n} (${job.result}: ${row!.error ?? ""})`);

  for (const format of ["csv", "json"] as const) {
    const exported = await measure(async () => drain((await exportLinks(principal, { format, archived: "all" })).stream));
    line(`export ${format}`, exported, ROWS, `  (${(exported.result / 2 ** 20).toFixed(1)} MB)`);
  }
  await database.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
  if (databaseUrl) {
    // admin() connects with DATABASE_URL: the server's own database again, not the one it drops.
    process.env.DATABASE_URL = databaseUrl;
    await admin(`drop database if exists ${benchDb} with (force)`);
  }
}
