/**
 * Filling links' empty preview fields from their destination pages, on real databases and the real
 * job queue (pg-boss), against a local HTTP "destination" server. The server is on loopback, which
 * the SSRF guard refuses unless allow-listed: the tests allow-list it, and also check the refusal.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { PATCH as patchRoute } from "@/app/api/v1/links/[id]/route";
import { POST as bulkCreateRoute } from "@/app/api/v1/links/bulk/route";
import { POST as createRoute } from "@/app/api/v1/links/route";
import { POST as createWebhookRoute } from "@/app/api/v1/webhooks/route";
import type { LinkView } from "@/core/link";
import { link, webhookDelivery } from "@/server/db/schema";
import { fillLinkMetadata, LINK_METADATA_QUEUE, sweepPendingMetadata } from "@/server/jobs/link-metadata";
import { startBackgroundJobs, type BackgroundJobs } from "@/server/jobs/runner";
import { backends, type TestDatabase } from "../support/databases";
import { apiRequest, expectJson, openWithOwner, routeParams, sleep, type Owner } from "../support/integration-helpers";

const ALLOW_LOOPBACK = { allow: ["127.0.0.1"] };

const PAGES: Record<string, { type: string; body: string }> = {
  "/article": {
    type: "text/html; charset=utf-8",
    body: `<html><head><title>Fallback</title><meta property="og:title" content="Spring launch &amp; more">
      <meta property="og:description" content="Everything new this spring."><meta property="og:image" content="/cards/spring.png"></head><body>…</body></html>`,
  },
  "/second": { type: "text/html", body: `<head><title>The second page</title><meta property="og:image" content="https://cdn.example/second.png"></head>` },
  "/pdf": { type: "application/pdf", body: "%PDF-1.7" },
  "/title-only": { type: "text/html", body: `<head><title>Only a title</title></head>` },
};

// The webhook endpoint of the event test is on loopback, which only the allow-list admits.
beforeAll(() => void vi.stubEnv("OUTBOUND_ALLOWLIST", "127.0.0.1"));
afterAll(() => void vi.unstubAllEnvs());

describe.each(backends())("link metadata on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: Owner;
  let server: http.Server;
  let origin = "";
  const requests: string[] = [];

  beforeAll(async () => {
    ({ testDb, owner } = await openWithOwner(backend));
    server = http.createServer((request, response) => {
      requests.push(request.url!);
      const page = PAGES[new URL(request.url!, "http://x").pathname];
      if (!page) return void response.writeHead(404).end();
      response.writeHead(200, { "content-type": page.type }).end(page.body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await testDb?.dispose();
  });

  const db = () => testDb.database.db;
  const rowOf = async (id: string) => (await db().select().from(link).where(eq(link.id, id)))[0]!;
  const create = async (body: Record<string, unknown>) => expectJson<LinkView>(await createRoute(apiRequest("/api/v1/links", { key: owner.key, body })), 201);

  test("a link without title and image is marked pending; the job fills every empty field and bumps the version", async () => {
    const created = await create({ url: `${origin}/article` });
    const before = await rowOf(created.id);
    expect(before.metadataStatus).toBe("pending");
    expect(await fillLinkMetadata(db(), created.id, ALLOW_LOOPBACK)).toBe("filled");
    const after = await rowOf(created.id);
    expect(after).toMatchObject({
      title: "Spring launch & more",
      description: "Everything new this spring.",
      image: `${origin}/cards/spring.png`,
      metadataStatus: "filled",
      metadataError: null,
      version: before.version + 1,
    });
    // Done is done: a second run does nothing.
    expect(await fillLinkMetadata(db(), created.id, ALLOW_LOOPBACK)).toBe("skipped");
  });

  test("what someone typed is never overwritten; only the empty fields are filled", async () => {
    const created = await create({ url: `${origin}/article`, title: "My own title" });
    expect(await fillLinkMetadata(db(), created.id, ALLOW_LOOPBACK)).toBe("filled");
    expect(await rowOf(created.id)).toMatchObject({ title: "My own title", description: "Everything new this spring.", image: `${origin}/cards/spring.png` });
  });

  test("a link with both title and image has nothing to fetch", async () => {
    const created = await create({ url: `${origin}/article`, title: "T", image: "https://cdn.example/own.png" });
    expect((await rowOf(created.id)).metadataStatus).toBeNull();
    expect(await fillLinkMetadata(db(), created.id, ALLOW_LOOPBACK)).toBe("skipped");
  });

  test("refusals and failures are recorded on the link and change nothing else", async () => {
    const privateTarget = await create({ url: `${origin}/article` });
    expect(await fillLinkMetadata(db(), privateTarget.id, { allow: [] })).toBe("failed");
    expect(await rowOf(privateTarget.id)).toMatchObject({ metadataStatus: "failed", title: null, image: null, version: 1 });
    expect((await rowOf(privateTarget.id)).metadataError).toMatch(/^forbidden_address: /);

    const pdf = await create({ url: `${origin}/pdf` });
    expect(await fillLinkMetadata(db(), pdf.id, ALLOW_LOOPBACK)).toBe("failed");
    expect((await rowOf(pdf.id)).metadataError).toBe("unsupported_type: not an HTML page (application/pdf)");

    const missing = await create({ url: `${origin}/gone` });
    expect(await fillLinkMetadata(db(), missing.id, ALLOW_LOOPBACK)).toBe("failed");
    expect((await rowOf(missing.id)).metadataError).toBe("http_status: the page answered 404");
  });

  test("a new destination with preview fields still empty is fetched again; a changed URL mid-fetch is left for its own job", async () => {
    const created = await create({ url: `${origin}/pdf` });
    expect(await fillLinkMetadata(db(), created.id, ALLOW_LOOPBACK)).toBe("failed");
    await expectJson(await patchRoute(apiRequest(`/api/v1/links/${created.id}`, { key: owner.key, method: "PATCH", body: { url: `${origin}/second` } }), routeParams({ id: created.id })), 200);
    expect((await rowOf(created.id)).metadataStatus).toBe("pending");
    // The fetch of an old URL must not land on a link whose destination changed meanwhile.
    let changedDuringFetch = false;
    const outcome = await fillLinkMetadata(db(), created.id, ALLOW_LOOPBACK, async () => {
      await db().update(link).set({ url: `${origin}/article` }).where(eq(link.id, created.id));
      changedDuringFetch = true;
      return { title: "stale", description: null, image: null };
    });
    expect(changedDuringFetch).toBe(true);
    expect(outcome).toBe("skipped");
    expect(await rowOf(created.id)).toMatchObject({ title: null, metadataStatus: "pending" });
    expect(await fillLinkMetadata(db(), created.id, ALLOW_LOOPBACK)).toBe("filled");
    expect((await rowOf(created.id)).title).toBe("Spring launch & more");
  });

  test("a fill is a change like any other: one link.updated webhook event with the filled fields; a fetch that fills nothing sends none", async () => {
    const hook = await expectJson<{ id: string }>(
      await createWebhookRoute(apiRequest("/api/v1/webhooks", { key: owner.key, body: { url: `${origin}/hook`, events: ["link.updated"] } })),
      201,
    );
    const events = async (linkId: string) =>
      (await db().select().from(webhookDelivery).where(eq(webhookDelivery.endpointId, hook.id)))
        .map((row) => ({ type: row.eventType, link: (row.payload as { data: { link: LinkView } }).data.link }))
        .filter((event) => event.link.id === linkId);

    const created = await create({ url: `${origin}/article` });
    expect(await events(created.id)).toEqual([]);
    expect(await fillLinkMetadata(db(), created.id, ALLOW_LOOPBACK)).toBe("filled");
    const [event, ...more] = await events(created.id);
    expect(more).toEqual([]);
    expect(event).toMatchObject({ type: "link.updated", link: { id: created.id, title: "Spring launch & more", image: `${origin}/cards/spring.png` } });

    // Typed title, no image; the page has a title only: nothing to fill, no version bump, no event.
    const typed = await create({ url: `${origin}/title-only`, title: "Typed" });
    const before = await rowOf(typed.id);
    expect(before.metadataStatus).toBe("pending");
    expect(await fillLinkMetadata(db(), typed.id, ALLOW_LOOPBACK)).toBe("filled");
    expect(await rowOf(typed.id)).toMatchObject({ title: "Typed", image: null, version: before.version, metadataStatus: "filled" });
    expect(await events(typed.id)).toEqual([]);
  });

  test("through the real queue: creating links wakes the worker, and the sweep catches links whose wake-up was lost", async () => {
    const jobs: BackgroundJobs = await startBackgroundJobs(testDb.database, {
      linkMetadata: { policy: ALLOW_LOOPBACK, pollingIntervalSeconds: 0.5 },
      timing: { pollingIntervalSeconds: 0.5 },
    });
    try {
      const bulk = await expectJson<{ data: LinkView[] }>(
        await bulkCreateRoute(apiRequest("/api/v1/links/bulk", { key: owner.key, body: { links: [{ url: `${origin}/article` }, { url: `${origin}/second` }] } })),
        201,
      );
      const ids = bulk.data.map((view) => view.id);
      await waitFor(async () => (await Promise.all(ids.map(rowOf))).every((row) => row.metadataStatus === "filled"));
      const [first, second] = await Promise.all(ids.map(rowOf));
      expect(first!.title).toBe("Spring launch & more");
      expect(second).toMatchObject({ title: "The second page", image: "https://cdn.example/second.png" });

      // A pending link from before (its wake-up lost: say the process restarted), older than a minute.
      const [orphan] = await db()
        .insert(link)
        .values({ id: `lnk_orphan${backend}`, workspaceId: owner.workspaceId, domain: "localhost:3000", key: `orphan-${backend}`, url: `${origin}/second`, metadataStatus: "pending", createdAt: sql`now() - interval '10 minutes'` as unknown as Date })
        .returning();
      expect(await sweepPendingMetadata(db(), jobs.boss)).toBeGreaterThanOrEqual(1);
      await waitFor(async () => (await rowOf(orphan!.id)).metadataStatus === "filled");
      expect((await rowOf(orphan!.id)).title).toBe("The second page");
      const queued = await jobs.boss.getQueue(LINK_METADATA_QUEUE);
      expect(queued?.name).toBe(LINK_METADATA_QUEUE);
    } finally {
      await jobs.stop();
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(100);
  }
}
