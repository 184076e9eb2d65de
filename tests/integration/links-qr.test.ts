/**
 * QR codes of links (GET /api/v1/links/{id}/qr) on real databases: the image decodes back to the
 * link's short URL (PNG through pngjs + jsQR, an independent decoder), size and colours are what
 * was asked for, the SVG is a well-formed image of the same size, and bad options get the one
 * error shape naming the parameter.
 */
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GET as qrRoute } from "@/app/api/v1/links/[id]/qr/route";
import { POST as createRoute } from "@/app/api/v1/links/route";
import type { LinkView } from "@/core/link";
import { backends, type TestDatabase } from "../support/databases";
import { apiRequest, createKey, createWorkspaceWithKey, expectApiError, expectJson, openWithOwner, routeParams, type Owner } from "../support/integration-helpers";

describe.each(backends())("link QR codes on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: Owner;
  let link: LinkView;

  beforeAll(async () => {
    ({ testDb, owner } = await openWithOwner(backend));
    link = await expectJson<LinkView>(await createRoute(apiRequest("/api/v1/links", { key: owner.key, body: { url: "https://example.com/menu", key: "menu-qr" } })), 201);
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  const qr = (query: string, key = owner.key, id = link.id) => qrRoute(apiRequest(`/api/v1/links/${id}/qr${query}`, { key }), routeParams({ id }));

  async function png(response: Response) {
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/png");
    return PNG.sync.read(Buffer.from(await response.arrayBuffer()));
  }

  function decode(image: PNG): string | undefined {
    return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
  }

  function pixel(image: PNG, x: number, y: number): string {
    const offset = (image.width * y + x) * 4;
    return [...image.data.subarray(offset, offset + 3)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  test("a PNG encodes the short link, at the size asked for", async () => {
    const image = await png(await qr("?format=png&size=300"));
    expect([image.width, image.height]).toEqual([300, 300]);
    expect(decode(image)).toBe(link.shortLink);
    expect(link.shortLink).toMatch(/\/menu-qr$/);
  });

  test("colours: the quiet zone is the background, the modules the foreground, and it still scans", async () => {
    const image = await png(await qr("?format=png&size=256&fg=%23123456&bg=fafad2&margin=4"));
    expect(pixel(image, 0, 0)).toBe("fafad2");
    const colours = new Set<string>();
    for (let y = 0; y < image.height; y += 1) for (let x = 0; x < image.width; x += 1) colours.add(pixel(image, x, y));
    expect([...colours].sort()).toEqual(["123456", "fafad2"]);
    expect(decode(image)).toBe(link.shortLink);
  });

  test("an SVG by default: inline, sized, with the requested colours", async () => {
    const response = await qr("?size=200&fg=0b3d91");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe('inline; filename="menu-qr-qr.svg"');
    expect(response.headers.get("cache-control")).toBe("private, no-cache");
    const svg = await response.text();
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toMatch(/ width="200" height="200"/);
    expect(svg).toContain('stroke="#0b3d91"');
    expect(svg).toContain('fill="#ffffff"');
  });

  test("download=true answers as an attachment", async () => {
    const response = await qr("?format=png&download=true");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="menu-qr-qr.png"');
    expect(decode(await png(response))).toBe(link.shortLink);
  });

  test("higher error correction makes a denser code that still decodes", async () => {
    const low = await qr("?ecc=L");
    const high = await qr("?ecc=H");
    const modules = (svg: string) => Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)?.[1]);
    const [lowSize, highSize] = [modules(await low.text()), modules(await high.text())];
    expect(highSize).toBeGreaterThan(lowSize);
    expect(decode(await png(await qr("?format=png&ecc=H&size=400")))).toBe(link.shortLink);
  });

  test.each([
    ["?format=gif", "format"],
    ["?size=12", "size"],
    ["?size=5000", "size"],
    ["?size=big", "size"],
    ["?fg=red", "fg"],
    ["?bg=%23ffff", "bg"],
    ["?margin=-1", "margin"],
    ["?ecc=X", "ecc"],
    ["?download=yes", "download"],
    ["?colour=000000", "colour"],
    ["?fg=777777&bg=888888", "fg"],
    ["?fg=ffffff&bg=fefefe", "fg"],
  ])("%s is refused naming %s", async (query, field) => {
    await expectApiError(await qr(query), 422, "validation_failed", field);
  });

  test("a size too small for the code's modules is refused, with the smallest size that works", async () => {
    const error = await expectApiError(await qr("?size=64&margin=16"), 422, "validation_failed", "size");
    const smallest = Number(/at least (\d+)/.exec(error.message)?.[1]);
    expect(smallest).toBeGreaterThan(64);
    const image = await png(await qr(`?format=png&margin=16&size=${smallest}`));
    expect(image.width).toBe(smallest);
    expect(decode(image)).toBe(link.shortLink);
  });

  test("a read-only key may fetch it; another workspace gets 404; no key gets 401", async () => {
    const reader = await createKey(owner.workspaceId, owner.userId, ["links:read"]);
    expect(decode(await png(await qr("?format=png", reader.key)))).toBe(link.shortLink);
    const other = await createWorkspaceWithKey("Initech", ["links:read"]);
    await expectApiError(await qr("", other.apiKey), 404, "not_found");
    await expectApiError(await qrRoute(apiRequest(`/api/v1/links/${link.id}/qr`), routeParams({ id: link.id })), 401, "unauthorized");
    const analyticsOnly = await createKey(owner.workspaceId, owner.userId, ["analytics:read"]);
    await expectApiError(await qr("", analyticsOnly.key), 403, "insufficient_scope");
  });
});
