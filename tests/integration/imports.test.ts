/**
 * Bulk import and export on real databases (and, for the job, the real pg-boss queue): uploads by
 * multipart and raw body, format detection for each preset, the mapping step, both modes with bad
 * rows (and "nothing written" checks), the error report, progress, streamed exports and a round
 * trip through the generic importer.
 */
import { and, eq, sql } from "drizzle-orm";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GET as errorsRoute } from "@/app/api/v1/imports/[id]/errors/route";
import { GET as getRoute } from "@/app/api/v1/imports/[id]/route";
import { POST as startRoute } from "@/app/api/v1/imports/[id]/start/route";
import { GET as listImportsRoute, POST as uploadRoute } from "@/app/api/v1/imports/route";
import { DELETE as deleteLinkRoute } from "@/app/api/v1/links/[id]/route";
import { GET as exportRoute } from "@/app/api/v1/links/export/route";
import { POST as createLinkRoute } from "@/app/api/v1/links/route";
import type { ImportView, StartImportInput } from "@/core/imports";
import type { LinkView } from "@/core/link";
import { serverConfig } from "@/config/env";
import { importFileChunk, link, linkImport, tag, webhookDelivery, webhookEndpoint } from "@/server/db/schema";
import { exportLinks } from "@/server/exports/links";
import { runImport } from "@/server/imports/run";
import { IMPORT_CHUNK_BYTES } from "@/server/imports/upload";
import { IMPORT_QUEUE, sweepImports } from "@/server/jobs/run-import";
import { startBackgroundJobs } from "@/server/jobs/runner";
import { backends, type TestDatabase } from "../support/databases";
import { apiRequest, BASE_URL, createWorkspaceWithKey, expectApiError, expectJson, openWithOwner, routeParams, sleep, type Owner } from "../support/integration-helpers";

describe.each(backends())("bulk import and export on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: Owner;
  let host = "";
  beforeAll(async () => {
    ({ testDb, owner } = await openWithOwner(backend));
    host = serverConfig().shortDomains[0]!;
  });
  afterAll(async () => {
    await testDb?.dispose();
  });
  const db = () => testDb.database.db;
  let unique = 0;
  const tagged = (key: string) => `${key}-${backend}-${++unique}`;

  /** Uploads `csv` as a raw text/csv body (or multipart with `multipart: true`). */
  async function upload(csv: string, options: { multipart?: boolean; key?: string; filename?: string } = {}): Promise<Response> {
    if (options.multipart) {
      const form = new FormData();
      form.append("file", new Blob([csv], { type: "text/csv" }), options.filename ?? "links.csv");
      return uploadRoute(new Request(`${BASE_URL}/api/v1/imports`, { method: "POST", headers: { authorization: `Bearer ${options.key ?? owner.key}` }, body: form }));
    }
    return uploadRoute(apiRequest("/api/v1/imports", { key: options.key ?? owner.key, body: csv, headers: { "content-type": "text/csv", "x-filename": options.filename ?? "links.csv" } }));
  }
  const uploaded = async (csv: string, options: { multipart?: boolean } = {}) => expectJson<ImportView>(await upload(csv, options), 201);
  const start = (id: string, body: unknown, key = owner.key) => startRoute(apiRequest(`/api/v1/imports/${id}/start`, { key, body }), routeParams({ id }));
  const getImport = async (id: string) => expectJson<ImportView>(await getRoute(apiRequest(`/api/v1/imports/${id}`, { key: owner.key }), routeParams({ id })), 200);
  /** Starts with the given (or detected) mapping and works the job in this process, as a worker would. */
  async function importNow(view: ImportView, mode: StartImportInput["mode"], mapping = view.mapping): Promise<ImportView> {
    await expectJson(await start(view.id, { mapping, mode }), 202);
    await runImport(db(), view.id);
    return getImport(view.id);
  }
  const report = async (id: string) => {
    const response = await errorsRoute(apiRequest(`/api/v1/imports/${id}/errors`, { key: owner.key }), routeParams({ id }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    return parse(await response.text()) as string[][];
  };
  const linkByKey = async (key: string) => (await db().select().from(link).where(and(eq(link.domain, host), eq(link.key, key))))[0];
  const linkCount = async () => Number((await db().select({ n: sql<number>`count(*)` }).from(link))[0]!.n);

  test("a generic CSV upload answers the header, sample rows and a suggested mapping; nothing is imported yet", async () => {
    const before = await linkCount();
    const view = await uploaded("Destination,Slug,Notes\nhttps://example.com/a,alpha,first\nhttps://example.com/b,beta,second\n");
    expect(view).toMatchObject({ status: "uploaded", format: "generic", filename: "links.csv", header: ["Destination", "Slug", "Notes"], mapping: ["url", "key", null], mode: null });
    expect(view.sample).toEqual([
      ["https://example.com/a", "alpha", "first"],
      ["https://example.com/b", "beta", "second"],
    ]);
    expect(await linkCount()).toBe(before);
    const listed = await expectJson<{ data: ImportView[] }>(await listImportsRoute(apiRequest("/api/v1/imports", { key: owner.key })), 200);
    expect(listed.data.map((entry) => entry.id)).toContain(view.id);
  });

  test("a file larger than one chunk is stored in several chunks and read back whole", async () => {
    const rows = Array.from({ length: 6_000 }, (_, i) => `https://example.com/page/${i}?${"q".repeat(40)},${tagged(`big${i}`)}`);
    const csv = `url,key\n${rows.join("\n")}\n`;
    expect(csv.length).toBeGreaterThan(IMPORT_CHUNK_BYTES * 2);
    const view = await uploaded(csv, { multipart: true });
    const chunks = await db().select({ seq: importFileChunk.seq }).from(importFileChunk).where(eq(importFileChunk.importId, view.id));
    expect(chunks.length).toBe(Math.ceil(Buffer.byteLength(csv) / IMPORT_CHUNK_BYTES));
    const done = await importNow(view, "skip_invalid");
    expect(done).toMatchObject({ status: "completed", progress: { rowsRead: 6_000, rowsImported: 6_000, rowsFailed: 0 } });
    expect((await linkByKey(rows[5_999]!.split(",")[1]!))?.url).toBe(rows[5_999]!.split(",")[0]);
    // The stored file is dropped once the import has ended.
    expect(await db().select({ seq: importFileChunk.seq }).from(importFileChunk).where(eq(importFileChunk.importId, view.id))).toEqual([]);
  });

  test.each([
    ["shlink", "createdAt,domain,shortCode,shortUrl,longUrl,title,tags,visits", (k: string) => `2024-03-01T10:00:00+00:00,,${k},https://s.test/${k},https://example.com/shlink,Shlink title,news|blog,12`],
    ["yourls", "keyword,url,title,timestamp,ip,clicks", (k: string) => `${k},https://example.com/yourls,YOURLS title,2024-03-01 10:00:00,127.0.0.1,3`],
    ["kutt", "id,address,target,description,created_at,visit_count", (k: string) => `1b2c,${k},https://example.com/kutt,Kutt title,2024-03-01T10:00:00.000Z,4`],
    ["bitly", "Date Created,Title,Bitlink,Custom Bitlinks,Long URL,Tags,Engagements", (k: string) => `2024-03-01 10:00:00,Bitly title,bit.ly/${k},,https://example.com/bitly,news,7`],
  ] as const)("a %s export is detected from its header and imports with its preset mapping", async (format, header, row) => {
    const key = tagged(format);
    const view = await uploaded(`${header}\n${row(key)}\n`, { multipart: true });
    expect(view.format).toBe(format);
    const done = await importNow(view, "all_or_nothing");
    expect(done).toMatchObject({ status: "completed", progress: { rowsRead: 1, rowsImported: 1, rowsFailed: 0 } });
    const created = await linkByKey(key);
    expect(created).toMatchObject({ url: `https://example.com/${format}`, title: `${format === "yourls" ? "YOURLS" : format[0]!.toUpperCase() + format.slice(1)} title`, createdBy: null, metadataStatus: null });
    expect(created!.createdAt.toISOString()).toBe("2024-03-01T10:00:00.000Z");
    // An API key has no user: the links have no creator, like links the API key creates.
  });

  test("tags are split on | and created in the workspace", async () => {
    const key = tagged("tags");
    const view = await uploaded(`url,key,tags\nhttps://example.com/t,${key},launch|spring 2024\n`);
    await importNow(view, "all_or_nothing");
    const created = await expectJson<{ data: LinkView[] }>(await listLinks(`q=${key}`), 200);
    expect(created.data[0]!.tags.map((t) => t.name)).toEqual(["launch", "spring 2024"]);
    const names = await db().select({ name: tag.name }).from(tag).where(eq(tag.workspaceId, owner.workspaceId));
    expect(names.map((n) => n.name)).toEqual(expect.arrayContaining(["launch", "spring 2024"]));
  });
  const listLinks = async (query: string) => (await import("@/app/api/v1/links/route")).GET(apiRequest(`/api/v1/links?${query}`, { key: owner.key }));

  function badFile(existing: string) {
    const [good1, good2, dup, reserved] = [tagged("good1"), tagged("good2"), tagged("dup"), "api"];
    const csv = [
      "url,key,createdAt",
      `https://example.com/1,${good1},2024-01-02`,
      `not a url,${tagged("bad-url")},`,
      `https://example.com/3,${dup},`,
      `https://example.com/4,${dup},`,
      `https://example.com/5,${reserved},`,
      `https://example.com/6,${existing},`,
      `https://example.com/7,${tagged("bad-date")},yesterday`,
      `,${tagged("no-url")},`,
      `https://example.com/9,${good2},`,
      `https://example.com/10,,`,
    ].join("\n");
    return { csv, good: [good1, good2, dup] };
  }

  test("skip_invalid imports the valid rows and reports each invalid one with its row, column, code and original values", async () => {
    const existing = tagged("existing");
    await expectJson(await createLinkRoute(apiRequest("/api/v1/links", { key: owner.key, body: { url: "https://example.com/old", key: existing } })), 201);
    const { csv, good } = badFile(existing);
    const before = await linkCount();
    const view = await uploaded(csv);
    const done = await importNow(view, "skip_invalid");
    expect(done).toMatchObject({ status: "completed", progress: { rowsRead: 10, rowsImported: 4, rowsFailed: 6 }, error: null });
    expect(await linkCount()).toBe(before + 4);
    for (const key of good) expect(await linkByKey(key)).toBeDefined();
    // The first of the duplicate pair lands; the row without a key got a generated one.
    expect((await linkByKey(good[2]!))!.url).toBe("https://example.com/3");
    const generated = await db().select().from(link).where(eq(link.url, "https://example.com/10"));
    expect(generated).toHaveLength(1);
    expect(generated[0]!.key).toMatch(/^[A-Za-z0-9]{7}$/);

    const rows = await report(view.id);
    expect(rows[0]).toEqual(["row", "column", "code", "message", "url", "key", "createdAt"]);
    expect(rows.slice(1).map(([row, column, code]) => [row, column, code])).toEqual([
      ["3", "url", "invalid_value"],
      ["5", "key", "duplicate_key"],
      ["6", "key", "reserved_key"],
      ["7", "key", "key_taken"],
      ["8", "createdAt", "invalid_date"],
      ["9", "url", "missing_url"],
    ]);
    expect(rows[1]!.slice(4)).toEqual(["not a url", expect.stringMatching(/^bad-url/), ""]);
    expect(rows[4]![3]).toMatch(/already in use/);
  });

  test("all_or_nothing writes nothing when any row is invalid, and still reports every bad row", async () => {
    const existing = tagged("existing");
    await expectJson(await createLinkRoute(apiRequest("/api/v1/links", { key: owner.key, body: { url: "https://example.com/old", key: existing } })), 201);
    const { csv, good } = badFile(existing);
    const before = await linkCount();
    const view = await uploaded(csv);
    const done = await importNow(view, "all_or_nothing");
    expect(done).toMatchObject({ status: "failed", progress: { rowsRead: 10, rowsImported: 0, rowsFailed: 6 } });
    expect(done.error).toMatch(/nothing was imported/);
    expect(await linkCount()).toBe(before);
    for (const key of good) expect(await linkByKey(key)).toBeUndefined();
    expect((await report(view.id)).length).toBe(7);
  });

  test("all_or_nothing rolls back everything when a key is taken after the check (no half-written import)", async () => {
    const [a, b] = [tagged("race-a"), tagged("race-b")];
    const view = await uploaded(`url,key\nhttps://example.com/a,${a}\nhttps://example.com/b,${b}\n`);
    await expectJson(await start(view.id, { mapping: view.mapping, mode: "all_or_nothing" }), 202);
    const before = await linkCount();
    // The key is taken between the check pass and the write pass, as by a concurrent writer.
    const takeKey = async () => {
      await db().insert(link).values({ id: `lnk_race${backend}${unique}`, workspaceId: owner.workspaceId, domain: host, key: b, url: "https://example.com/first" });
    };
    expect(await runImport(db(), view.id, { beforeWrite: takeKey })).toBe("failed");
    expect(await linkCount()).toBe(before + 1);
    expect(await linkByKey(a)).toBeUndefined();
    const rows = await report(view.id);
    expect(rows.slice(1).map((r) => [r[0], r[2]])).toEqual([["3", "key_taken"]]);
  });

  test("the mapping step refuses bad mappings with the one error shape, and an import starts once", async () => {
    const view = await uploaded("a,b\nhttps://example.com,x\n");
    await expectApiError(await start(view.id, { mapping: ["url"], mode: "skip_invalid" }), 422, "validation_failed", "mapping");
    await expectApiError(await start(view.id, { mapping: [null, "key"], mode: "skip_invalid" }), 422, "validation_failed", "mapping");
    await expectApiError(await start(view.id, { mapping: ["url", "url"], mode: "skip_invalid" }), 422, "validation_failed", "mapping");
    await expectApiError(await start(view.id, { mapping: ["url", "colour"], mode: "skip_invalid" }), 422, "validation_failed", "mapping.1");
    await expectApiError(await start(view.id, { mapping: ["url", null], mode: "some" }), 422, "validation_failed", "mode");
    await expectApiError(await start(view.id, { mapping: ["url", null], mode: "skip_invalid", domain: "elsewhere.example" }), 422, "validation_failed", "domain");
    expect((await getImport(view.id)).status).toBe("uploaded");
    await expectJson(await start(view.id, { mapping: ["url", null], mode: "skip_invalid" }), 202);
    await expectApiError(await start(view.id, { mapping: ["url", null], mode: "skip_invalid" }), 409, "conflict");
  });

  test("uploads that are not a usable CSV are refused and leave nothing behind", async () => {
    const before = (await db().select({ n: sql<number>`count(*)` }).from(linkImport))[0]!.n;
    await expectApiError(await upload(""), 422, "validation_failed", "file");
    await expectApiError(await upload("\n\nurl\n"), 422, "validation_failed", "file");
    await expectApiError(await upload('url,key\n"https://example.com,unterminated\n'), 422, "validation_failed", "file");
    const form = new FormData();
    form.append("note", "no file here");
    await expectApiError(await uploadRoute(new Request(`${BASE_URL}/api/v1/imports`, { method: "POST", headers: { authorization: `Bearer ${owner.key}` }, body: form })), 422, "validation_failed", "file");
    expect((await db().select({ n: sql<number>`count(*)` }).from(linkImport))[0]!.n).toBe(before);
  });

  test("imports are the workspace's own; reading needs links:read, uploading links:write", async () => {
    const view = await uploaded("url\nhttps://example.com\n");
    const other = await createWorkspaceWithKey(`Imp${backend}`, ["links:read"]);
    await expectApiError(await getRoute(apiRequest(`/api/v1/imports/${view.id}`, { key: other.apiKey }), routeParams({ id: view.id })), 404, "not_found");
    await expectApiError(await upload("url\nhttps://example.com\n", { key: other.apiKey }), 403, "insufficient_scope");
  });

  test("semicolon-separated files with a BOM are read", async () => {
    const key = tagged("semi");
    const view = await uploaded(`\uFEFFurl;key;title\nhttps://example.com/semi;${key};"A; title"\n`);
    expect(view.header).toEqual(["url", "key", "title"]);
    await importNow(view, "all_or_nothing");
    expect(await linkByKey(key)).toMatchObject({ url: "https://example.com/semi", title: "A; title" });
  });

  test("one import.completed webhook event per import, no link.created per row", async () => {
    await db().insert(webhookEndpoint).values({ id: `whk_imp${backend}`, workspaceId: owner.workspaceId, url: "https://hooks.example.com/x", events: ["link.created", "import.completed"], secret: "whsec_test" });
    try {
      const rows = Array.from({ length: 50 }, (_, i) => `https://example.com/w${i}`);
      const view = await uploaded(`url\n${rows.join("\n")}\n`);
      await importNow(view, "skip_invalid");
      const deliveries = await db().select().from(webhookDelivery).where(eq(webhookDelivery.endpointId, `whk_imp${backend}`));
      expect(deliveries.map((d) => d.eventType)).toEqual(["import.completed"]);
      expect((deliveries[0]!.payload as { data: { import: Record<string, unknown> } }).data.import).toMatchObject({ id: view.id, status: "completed", rowsImported: 50 });
    } finally {
      await db().delete(webhookEndpoint).where(eq(webhookEndpoint.id, `whk_imp${backend}`));
    }
  });

  test("the error report streams past one page (2,000 problems per read)", async () => {
    const rows = Array.from({ length: 2_500 }, (_, i) => `not-a-url-${i},${tagged(`rep${i}`)}`);
    const view = await uploaded(`url,key\n${rows.join("\n")}\n`);
    const done = await importNow(view, "skip_invalid");
    expect(done.progress).toEqual({ rowsRead: 2_500, rowsImported: 0, rowsFailed: 2_500 });
    const lines = await report(view.id);
    expect(lines).toHaveLength(2_501);
    expect(lines.slice(1).map((line) => Number(line[0]))).toEqual(Array.from({ length: 2_500 }, (_, i) => i + 2));
    expect(lines[2_500]![4]).toBe("not-a-url-2499");
  });

  test("the sweep queues imports whose wake-up was lost and fails imports whose worker stopped", async () => {
    const waiting = await uploaded("url\nhttps://example.com/swept\n");
    await expectJson(await start(waiting.id, { mapping: ["url"], mode: "skip_invalid" }), 202);
    const stalled = await uploaded("url\nhttps://example.com/stalled\n");
    await db().update(linkImport).set({ status: "importing", updatedAt: new Date(Date.now() - 20 * 60_000) }).where(eq(linkImport.id, stalled.id));
    // The real queue, with this process not working imports, so the queued jobs stay to be read.
    const jobs = await startBackgroundJobs(testDb.database, { imports: false });
    try {
      expect(await sweepImports(db(), jobs.boss)).toBeGreaterThanOrEqual(1);
      const fetched = (await jobs.boss.fetch<{ importId: string }>(IMPORT_QUEUE, { batchSize: 50 })) ?? [];
      const ids = fetched.map((job) => job.data.importId);
      expect(ids).toContain(waiting.id);
      expect(ids).not.toContain(stalled.id);
    } finally {
      await jobs.stop();
    }
    expect(await getImport(stalled.id)).toMatchObject({ status: "failed", error: "The import's worker stopped before it finished" });
    await runImport(db(), waiting.id);
  });

  test("the job runs on the real queue: start queues it, a worker imports, progress is readable", async () => {
    const jobs = await startBackgroundJobs(testDb.database, { imports: { pollingIntervalSeconds: 0.5 }, timing: { pollingIntervalSeconds: 0.5 } });
    try {
      const keys = Array.from({ length: 2_500 }, (_, i) => tagged(`job${i}`));
      const view = await uploaded(`url,key\n${keys.map((k) => `https://example.com/${k},${k}`).join("\n")}\n`);
      await expectJson(await start(view.id, { mapping: view.mapping, mode: "skip_invalid" }), 202);
      const seen = new Set<string>();
      let current = await getImport(view.id);
      for (let i = 0; i < 200 && current.status !== "completed" && current.status !== "failed"; i++) {
        seen.add(current.status);
        await sleep(100);
        current = await getImport(view.id);
      }
      expect(current).toMatchObject({ status: "completed", progress: { rowsRead: 2_500, rowsImported: 2_500, rowsFailed: 0 } });
      expect(current.startedAt).not.toBeNull();
      expect(await linkByKey(keys[2_499]!)).toBeDefined();
      expect((await jobs.boss.getQueue(IMPORT_QUEUE))?.name).toBe(IMPORT_QUEUE);
    } finally {
      await jobs.stop();
    }
  });

  test("links export streams CSV and JSON page by page, with the list's filters", async () => {
    const prefix = tagged("exp");
    for (const i of [1, 2, 3]) {
      await expectJson(await createLinkRoute(apiRequest("/api/v1/links", { key: owner.key, body: { url: `https://example.com/${prefix}/${i}`, key: `${prefix}-${i}`, tags: ["export"], title: i === 2 ? "=SUM(A1)" : null } })), 201);
      await sleep(5);
    }
    const response = await exportRoute(apiRequest(`/api/v1/links/export?format=csv&q=${prefix}`, { key: owner.key }));
    expect(response.headers.get("content-disposition")).toMatch(/attachment; filename="signpost-links-.*\.csv"/);
    const rows = parse(await response.text()) as string[][];
    expect(rows[0]).toEqual(["id", "domain", "key", "short_link", "url", "title", "description", "tags", "comments", "archived", "expires_at", "clicks", "created_at"]);
    expect(rows.slice(1).map((r) => r[2])).toEqual([`${prefix}-3`, `${prefix}-2`, `${prefix}-1`]);
    expect(rows[2]![5]).toBe("'=SUM(A1)");

    const json = await exportRoute(apiRequest(`/api/v1/links/export?format=json&q=${prefix}`, { key: owner.key }));
    expect(json.headers.get("content-type")).toMatch(/^application\/json/);
    const views = JSON.parse(await json.text()) as LinkView[];
    expect(views.map((v) => v.key)).toEqual([`${prefix}-3`, `${prefix}-2`, `${prefix}-1`]);
    expect(views[0]!.tags.map((t) => t.name)).toEqual(["export"]);

    // Pages of two: the stream reads a page per pull, and the result is the same.
    const principal = { kind: "apiKey" as const, workspaceId: owner.workspaceId, userId: null, role: null, scopes: new Set(["links:read" as const]), apiKeyId: null };
    const paged = await exportLinks(principal, { format: "json", archived: "all", q: prefix }, { pageSize: 2 });
    const reader = paged.stream.getReader();
    const pieces: string[] = [];
    for (let part = await reader.read(); !part.done; part = await reader.read()) pieces.push(new TextDecoder().decode(part.value));
    expect(pieces.length).toBe(2);
    expect((JSON.parse(pieces.join("")) as LinkView[]).map((v) => v.key)).toEqual([`${prefix}-3`, `${prefix}-2`, `${prefix}-1`]);
    // An import gives all its links one created_at: pages of two still see each exactly once.
    const same = await uploaded(`url,key\n${[1, 2, 3, 4, 5].map((i) => `https://example.com/${prefix}-same,${prefix}-same-${i}`).join("\n")}\n`);
    await importNow(same, "all_or_nothing");
    const sameRows = await db().select({ at: link.createdAt }).from(link).where(eq(link.url, `https://example.com/${prefix}-same`));
    expect(new Set(sameRows.map((r) => r.at.getTime())).size).toBe(1);
    const pagedSame = await exportLinks(principal, { format: "csv", archived: "all", q: `${prefix}-same` }, { pageSize: 2 });
    const sameKeys = (parse(await new Response(pagedSame.stream).text()) as string[][]).slice(1).map((r) => r[2]);
    expect(sameKeys).toHaveLength(5);
    expect([...sameKeys].sort()).toEqual([1, 2, 3, 4, 5].map((i) => `${prefix}-same-${i}`));
    const empty = await exportLinks(principal, { format: "json", archived: "all", q: "no-such-link-anywhere" });
    expect(JSON.parse(await new Response(empty.stream).text())).toEqual([]);

    await expectApiError(await exportRoute(apiRequest("/api/v1/links/export?format=xml", { key: owner.key })), 422, "validation_failed", "format");
  });

  test("an exported links CSV imports again through the generic importer (round trip)", async () => {
    const prefix = tagged("trip");
    for (const i of [1, 2]) {
      await expectJson(await createLinkRoute(apiRequest("/api/v1/links", { key: owner.key, body: { url: `https://example.com/${prefix}/${i}`, key: `${prefix}-${i}`, tags: ["trip", `n${i}`], title: `Trip ${i}`, description: "Round, \"quoted\"\nand multi-line" } })), 201);
      await sleep(5);
    }
    const csv = await (await exportRoute(apiRequest(`/api/v1/links/export?q=${prefix}`, { key: owner.key }))).text();
    const before = parse(csv, { columns: true }) as Record<string, string>[];
    for (const row of before) await expectJson(await deleteLinkRoute(apiRequest(`/api/v1/links/${row.id}`, { key: owner.key, method: "DELETE" }), routeParams({ id: row.id! })), 204);
    const view = await uploaded(csv, { multipart: true });
    expect(view.format).toBe("generic");
    expect(view.mapping).toEqual([null, "domain", "key", null, "url", "title", "description", "tags", "comments", null, "expiresAt", null, "createdAt"]);
    const done = await importNow(view, "all_or_nothing");
    expect(done.status).toBe("completed");
    const after = parse(await (await exportRoute(apiRequest(`/api/v1/links/export?q=${prefix}`, { key: owner.key }))).text(), { columns: true }) as Record<string, string>[];
    const comparable = (rows: Record<string, string>[]) => rows.map(({ id: _id, ...rest }) => rest);
    expect(comparable(after)).toEqual(comparable(before));
  });
});
