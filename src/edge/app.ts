import { Hono } from "hono";
import { isbot } from "isbot";
import { requestIdFrom } from "@/core/request-id";
import { SLUG_PATTERN } from "@/core/slug";
import type { ClickSink } from "./click-sink";
import type { LinkStore } from "./link-store";
import { messagePage } from "./pages";

export interface EdgeDeps {
  links: LinkStore;
  clicks: ClickSink;
}

const NO_STORE = "private, no-store";
const notFoundPage = messagePage("Link not found", "There is no link at this address.");

function referrerHost(value: string | null): string | null {
  if (!value) return null;
  try {
    return new URL(value).host || null;
  } catch {
    return null;
  }
}

/**
 * The edge app: Web-standard code that answers short-link requests. It runs unchanged inside
 * Next's middleware, the standalone Node redirector and Cloudflare Workers.
 */
export function createEdgeApp(deps: EdgeDeps) {
  const app = new Hono<{ Variables: { requestId: string } }>();

  app.use(async (c, next) => {
    c.set("requestId", requestIdFrom(c.req.header("x-request-id")));
    await next();
    c.res.headers.set("x-request-id", c.get("requestId"));
  });

  app.get("/:key", async (c) => {
    const key = c.req.param("key");
    if (!SLUG_PATTERN.test(key)) return c.html(notFoundPage, 404, { "cache-control": NO_STORE });
    const host = new URL(c.req.url).host.toLowerCase();
    const requestId = c.get("requestId");

    const started = performance.now();
    let link;
    try {
      link = await deps.links.get(host, key, requestId);
    } catch {
      return c.html(messagePage("Temporarily unavailable", "This link cannot be resolved right now. Please try again shortly."), 503, {
        "cache-control": NO_STORE,
        "retry-after": "5",
      });
    }
    const lookupMs = performance.now() - started;
    if (!link) return c.html(notFoundPage, 404, { "cache-control": NO_STORE });

    const userAgent = c.req.header("user-agent") ?? null;
    const recorded = deps.clicks.record({
      id: crypto.randomUUID(),
      linkId: link.id,
      workspaceId: link.workspaceId,
      at: new Date().toISOString(),
      url: link.url,
      isBot: c.req.method === "HEAD" || isbot(userAgent),
      userAgent: userAgent?.slice(0, 1024) ?? null,
      referrer: referrerHost(c.req.header("referer") ?? null),
      country: null,
    });
    try {
      c.executionCtx.waitUntil(recorded);
    } catch {
      // Hono throws when the host passed no ExecutionContext; the promise still runs on its own.
    }

    return new Response(null, {
      status: 302,
      headers: {
        location: link.url,
        "cache-control": NO_STORE,
        "server-timing": `lookup;dur=${lookupMs.toFixed(1)}`,
        "x-robots-tag": "noindex",
      },
    });
  });

  app.notFound((c) => c.html(notFoundPage, 404, { "cache-control": NO_STORE }));
  return app;
}
