/**
 * EDGE_CLICK_DELAY_MS reaches the click sink that createEdgeAppFromConfig wires, and wins over the
 * host's own default (the `clickDelayMs` hook). The origin is a stand-in `fetch` that answers the
 * link lookup and counts click batches. A partial batch cannot leave before its delay, so each test
 * checks how long the click's delivery (the promise the host's waitUntil gets) took at least.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { parseEdgeConfig } from "@/config/env";
import { createEdgeAppFromConfig } from "./edge-app-from-config";
import { plainEdgeLink } from "../../tests/support/edge-link";

const SECRET = "edge-app-from-config-test-secret-0123456789";
const link = plainEdgeLink({ key: "delay" });
/** Click batches the origin received (stats-only reports aside). */
let batches: number;

beforeEach(() => {
  batches = 0;
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(new Request(input, init).url);
    if (url.pathname === "/api/internal/v1/links/lookup") return Response.json({ link });
    if (url.pathname === "/api/internal/v1/clicks") {
      // The origin client sends the body as a string.
      if ((JSON.parse(String(init?.body)) as { clicks: unknown[] }).clicks.length > 0) batches += 1;
      return Response.json({ mode: "stored" }, { status: 202 });
    }
    return Response.json({ error: { code: "not_found" } }, { status: 404 });
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

/** One redirect through the wired app; resolves with the ms from the redirect to its click's delivery. */
async function clickDeliveredAfter(env: Record<string, string>, hooks: { clickDelayMs?: number } = {}): Promise<number> {
  const config = parseEdgeConfig({ SIGNPOST_SECRET: SECRET, APP_URL: "http://sgn.test", LOG_LEVEL: "silent", ...env });
  const { app } = createEdgeAppFromConfig(config, hooks);
  const waited: Promise<unknown>[] = [];
  const response = await app.fetch(new Request(`http://sgn.test/${link.key}`), {}, { waitUntil: (p) => void waited.push(p) });
  const redirected = performance.now();
  expect(response.status).toBe(302);
  await Promise.all(waited);
  return performance.now() - redirected;
}

test("EDGE_CLICK_DELAY_MS holds a partial batch that long, over the host's own default", async () => {
  expect(await clickDeliveredAfter({ EDGE_CLICK_DELAY_MS: "300" }, { clickDelayMs: 5 })).toBeGreaterThanOrEqual(290);
  expect(batches).toBe(1);
});

test("unset, the host's default applies", async () => {
  expect(await clickDeliveredAfter({}, { clickDelayMs: 300 })).toBeGreaterThanOrEqual(290);
  expect(batches).toBe(1);
});
