import { Hono, type Context } from "hono";
import { decide, type Decision } from "@/core/decide";
import { COUNTED_REASONS, type EdgeLink } from "@/core/link";
import { verifyLinkPassword } from "@/core/link-password";
import { anonymizeIp, type RequestFacts } from "@/core/match-rules";
import { requestIdFrom } from "@/core/request-id";
import { SLUG_PATTERN } from "@/core/slug";
import type { ClickSink } from "./click-sink";
import { parseCookies, passwordCookieName, serializeCookie, signPasswordPass, variantCookieName, verifyPasswordPass } from "./cookies";
import type { CachedLinkStore, CacheStatus } from "./link-cache";
import { traceIdFor, type EdgeLogger } from "./log";
import { traceparentFrom, type Trace } from "./origin-client";
import type { OriginGates } from "./origin-gates";
import * as pages from "./pages";
import type { EdgeStats } from "./stats";
import { inRequestSpan, inSpan, inSyncSpan } from "./tracing";
import { attemptVisitor, variantRoll, visitorId } from "./visitor";

export interface EdgeOptions {
  secret: string;
  /** Where `/` on a short host sends people; null answers 404. */
  homeUrl: string | null;
  /** How long a correct link password is remembered (seconds). */
  passwordTtlSeconds: number;
  /** Request facts, extracted once per request (src/edge/facts.ts with the host's trust settings). */
  facts(request: Request): RequestFacts;
}

export interface EdgeDeps {
  links: CachedLinkStore;
  clicks: ClickSink;
  gates: OriginGates;
  options: EdgeOptions;
  /** One JSON line per request (src/edge/log.ts); none when absent. */
  log?: EdgeLogger;
  /** Counters reported to the origin with click batches (src/edge/stats.ts). */
  stats?: EdgeStats;
}

type Env = { Variables: { requestId: string; trace: Trace; timing: string[]; outcome?: string; cache?: CacheStatus; traceId?: string } };

const NO_STORE = "private, no-store";
const VARIANT_COOKIE_SECONDS = 90 * 24 * 3600;
const MAX_FORM_BYTES = 4096;

/** Hands background work to the host (Workers, Next's event) when it offers a way; else lets it run. */
function background(c: Context<Env>) {
  return {
    waitUntil(promise: Promise<unknown>) {
      try {
        c.executionCtx.waitUntil(promise);
      } catch {
        // No ExecutionContext from this host: the promise still runs on its own.
      }
    },
  };
}

/** A request stage: one Server-Timing entry, and a span `edge.<stage>` (src/edge/tracing.ts). */
async function timed<T>(c: Context<Env>, stage: string, work: () => Promise<T> | T, describe?: (value: T) => string): Promise<T> {
  const started = performance.now();
  const value = await inSpan(`edge.${stage}`, async (span) => {
    const result = await work();
    if (describe) span.setAttribute(`signpost.${stage}`, describe(result));
    return result;
  });
  const desc = describe ? `;desc="${describe(value)}"` : "";
  c.get("timing").push(`${stage};dur=${(performance.now() - started).toFixed(1)}${desc}`);
  return value;
}

function html(c: Context<Env>, body: string, status: number, headers: Record<string, string> = {}) {
  return c.html(body, status as 200, { "cache-control": NO_STORE, ...headers });
}

/**
 * The edge app: Web-standard code that answers short-link requests. It runs unchanged inside
 * Next's middleware, the standalone Node redirector and Cloudflare Workers.
 */
export function createEdgeApp(deps: EdgeDeps) {
  const { options } = deps;
  const app = new Hono<Env>();

  app.use(async (c, next) => {
    const started = performance.now();
    const requestId = requestIdFrom(c.req.header("x-request-id"));
    c.set("requestId", requestId);
    c.set("trace", { requestId, traceparent: traceparentFrom(c.req.header("traceparent")) });
    c.set("timing", []);
    await next();
    c.res.headers.set("x-request-id", c.get("requestId"));
    c.res.headers.set("x-robots-tag", "noindex");
    const stages = [...c.get("timing"), `edge;dur=${(performance.now() - started).toFixed(1)}`];
    c.res.headers.set("server-timing", stages.join(", "));
    requestLine(c, performance.now() - started);
  });
  // The request's span; each stage below is a child span (docs/observability.md, "Tracing").
  app.use((c, next) =>
    inRequestSpan(c.req.raw, async (span) => {
      // The log line is written after this span ends: keep its trace id for it (tracing on).
      if (span.isRecording()) c.set("traceId", span.spanContext().traceId);
      await next();
      span.setAttribute("http.response.status_code", c.res.status);
    }),
  );

  /** Counts the request and writes its log line: chosen fields only, never headers, bodies or addresses. */
  function requestLine(c: Context<Env>, ms: number) {
    const status = c.res.status;
    const outcome = c.get("outcome") ?? outcomeOfStatus(status);
    const cache = c.get("cache") ?? null;
    if (deps.stats) {
      deps.stats.redirect(outcome);
      if (cache) deps.stats.cacheLookup(cache);
      const report = deps.clicks.reportStats?.();
      if (report) background(c).waitUntil(report);
    }
    deps.log?.info("request", {
      requestId: c.get("requestId"),
      traceId: c.get("traceId") ?? traceIdFor(c.get("trace").traceparent),
      method: c.req.method,
      route: edgeRoute(new URL(c.req.url).pathname),
      status,
      outcome,
      cache,
      durationMs: Math.round(ms * 10) / 10,
    });
  }

  app.get("/", (c) => (options.homeUrl ? c.redirect(options.homeUrl, 302) : html(c, pages.notFoundPage, 404)));
  // Crawlers may fetch short links (link previews need it); the pages themselves say noindex.
  app.get("/robots.txt", (c) => c.text("User-agent: *\nAllow: /\n", 200, { "cache-control": "public, max-age=3600" }));

  async function load(c: Context<Env>, key: string): Promise<EdgeLink | null | "unavailable"> {
    const host = new URL(c.req.url).host.toLowerCase();
    let status: CacheStatus = "miss";
    const ctx = { ...background(c), cacheStatus: (s: CacheStatus) => c.set("cache", (status = s)) };
    try {
      return await timed(
        c,
        "cache",
        () => deps.links.get(host, key, c.get("trace"), ctx),
        () => status,
      );
    } catch {
      return "unavailable";
    }
  }

  app.on(["GET", "HEAD"], "/:key", async (c) => {
    const raw = c.req.param("key");
    const info = raw.endsWith("+");
    const key = info ? raw.slice(0, -1) : raw;
    if (!SLUG_PATTERN.test(key)) return html(c, pages.notFoundPage, 404);
    const link = await load(c, key);
    if (link === "unavailable") return html(c, pages.unavailablePage, 503, { "retry-after": "5" });
    if (info) return infoResponse(c, link, key);
    return visit(c, link);
  });

  app.post("/:key", async (c) => {
    const key = c.req.param("key");
    if (!SLUG_PATTERN.test(key)) return html(c, pages.notFoundPage, 404);
    const link = await load(c, key);
    if (link === "unavailable") return html(c, pages.unavailablePage, 503, { "retry-after": "5" });
    if (!link || link.disabled || link.archived) return html(c, pages.notFoundPage, 404);
    if (!link.passwordHash) return c.redirect(c.req.url, 303);
    return passwordSubmit(c, link, link.passwordHash);
  });

  app.on(["OPTIONS", "PUT", "PATCH", "DELETE"], "*", (c) => c.body(null, 405, { allow: "GET, HEAD, POST", "cache-control": NO_STORE }));
  app.notFound((c) => html(c, pages.notFoundPage, 404));

  function infoResponse(c: Context<Env>, link: EdgeLink | null, key: string) {
    if (!link || link.disabled || link.archived) return html(c, pages.notFoundPage, 404);
    const shortLink = `${new URL(c.req.url).origin}/${key}`;
    return html(c, pages.infoPage({ shortLink, destination: link.passwordHash ? null : link.url, createdAt: link.createdAt }), 200);
  }

  async function passwordSubmit(c: Context<Env>, link: EdgeLink, passwordHash: string) {
    const facts = options.facts(c.req.raw);
    const form = await readSmallForm(c.req.raw, MAX_FORM_BYTES);
    const password = form?.get("password") ?? "";
    if (!password || password.length > 1024) return html(c, pages.passwordPage({ wrong: true, tooManyAttempts: false }), 401);

    let verdict;
    try {
      verdict = await timed(c, "origin", async () =>
        deps.gates.recordPasswordAttempt(link.id, await attemptVisitor(options.secret, facts.ip), c.get("trace")),
      );
    } catch {
      return html(c, pages.unavailablePage, 503, { "retry-after": "5" });
    }
    if (!verdict.allowed) {
      return html(c, pages.passwordPage({ wrong: false, tooManyAttempts: true }), 429, { "retry-after": String(verdict.retryAfterSeconds) });
    }
    if (!(await timed(c, "verify", () => verifyLinkPassword(password, passwordHash)))) {
      return html(c, pages.passwordPage({ wrong: true, tooManyAttempts: false }), 401);
    }
    const expiresAt = Date.now() + options.passwordTtlSeconds * 1000;
    const url = new URL(c.req.url);
    c.header(
      "set-cookie",
      serializeCookie(passwordCookieName(link.id), await signPasswordPass(options.secret, link.id, passwordHash, expiresAt), {
        path: `/${link.key}`,
        maxAgeSeconds: options.passwordTtlSeconds,
        secure: url.protocol === "https:",
      }),
    );
    // Post/redirect/get: the visit itself (rules, variants, click) happens on the GET.
    return c.redirect(url.toString(), 303);
  }

  async function visit(c: Context<Env>, link: EdgeLink | null) {
    const facts = await timed(c, "facts", () => options.facts(c.req.raw));
    const cookies = parseCookies(c.req.header("cookie") ?? null);
    const now = new Date();
    const visitor = link ? visitorId(options.secret, now, facts.ip, facts.userAgent, link.workspaceId) : null;
    const stickyText = link ? cookies.get(variantCookieName(link.id)) : undefined;
    const context = {
      passwordVerified: link?.passwordHash ? await verifyPasswordPass(options.secret, link.id, link.passwordHash, cookies.get(passwordCookieName(link.id)), now.getTime()) : false,
      clicksExhausted: false,
      variantRoll: link && visitor && link.variants.length > 0 ? variantRoll(visitor, link.id) : 0,
      stickyVariant: stickyText && /^\d{1,2}$/.test(stickyText) ? Number(stickyText) : null,
    };
    let decision = await timed(c, "decide", () => decide(link, facts, now, context), (d) => d.reason);

    // maxClicks is exact: every admitted human visit is reserved at the origin, never from cache.
    if (link && link.maxClicks !== null && !facts.isBot && (COUNTED_REASONS as readonly string[]).includes(decision.reason)) {
      let reservation;
      try {
        reservation = await timed(c, "origin", () => deps.gates.reserveClick(link.id, c.get("trace")));
      } catch {
        return html(c, pages.unavailablePage, 503, { "retry-after": "5" });
      }
      if (!reservation.admitted) decision = decide(link, facts, now, { ...context, clicksExhausted: true });
    }

    if (link && decision.kind !== "preview") {
      // The click's span: the batch that later carries it links back here (src/edge/click-sink.ts).
      background(c).waitUntil(inSyncSpan("edge.click", () => deps.clicks.record(clickEvent(link, facts, decision, visitor, now))));
    }
    return respond(c, link, decision, context.stickyVariant);
  }

  function respond(c: Context<Env>, link: EdgeLink | null, decision: Decision, sticky: number | null) {
    c.set("outcome", decision.kind);
    if (link && "variant" in decision && decision.variant !== undefined && decision.variant !== sticky) {
      c.header(
        "set-cookie",
        serializeCookie(variantCookieName(link.id), String(decision.variant), {
          path: `/${link.key}`,
          maxAgeSeconds: VARIANT_COOKIE_SECONDS,
          secure: new URL(c.req.url).protocol === "https:",
        }),
        { append: true },
      );
    }
    switch (decision.kind) {
      case "redirect":
        c.header("cache-control", NO_STORE);
        c.header("referrer-policy", "no-referrer-when-downgrade");
        return c.redirect(decision.location, decision.status);
      case "frame":
        return html(c, pages.framePage(decision.location, link?.title ?? null), 200);
      case "preview":
        return html(c, pages.previewPage({ shortLink: `${new URL(c.req.url).origin}/${link!.key}`, title: link!.title, description: link!.description, image: link!.image }), 200);
      case "password":
        return html(c, pages.passwordPage({ wrong: false, tooManyAttempts: false }), 401);
      case "blocked":
        return html(c, pages.blockedPage, 403);
      case "gone":
        return html(c, pages.gonePage, 410);
      case "not_found":
        return html(c, pages.notFoundPage, 404);
    }
  }

  return app;
}

/** The route template of an edge request for logs (never the slug itself). */
function edgeRoute(pathname: string): string {
  if (pathname === "/" || pathname === "/robots.txt") return pathname;
  if (/^\/[^/]+$/.test(pathname)) return pathname.endsWith("+") ? "/:key+" : "/:key";
  return "*";
}

/** What a request came to when no decision named it (gates, errors, fixed routes), from its status. */
function outcomeOfStatus(status: number): string {
  if (status >= 300 && status < 400) return "redirect";
  const named: Record<number, string> = { 401: "password", 403: "blocked", 404: "not_found", 405: "method_not_allowed", 410: "gone", 429: "rate_limited", 503: "unavailable" };
  return named[status] ?? (status >= 500 ? "error" : status >= 400 ? "rejected" : "ok");
}

/**
 * The urlencoded form body, read only up to `maxBytes` whatever the request declares (a streamed
 * body has no content-length); null when larger or unreadable.
 */
async function readSmallForm(request: Request, maxBytes: number): Promise<URLSearchParams | null> {
  if (Number(request.headers.get("content-length") ?? 0) > maxBytes || !request.body) return null;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        return null;
      }
      chunks.push(value);
    }
  } catch {
    return null;
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new URLSearchParams(new TextDecoder().decode(bytes));
}

function clickEvent(link: EdgeLink, facts: RequestFacts, decision: Decision, visitor: string | null, now: Date) {
  return {
    id: crypto.randomUUID(),
    linkId: link.id,
    workspaceId: link.workspaceId,
    at: now.toISOString(),
    url: "location" in decision ? decision.location.slice(0, 32_000) : link.url,
    isBot: facts.isBot,
    userAgent: facts.userAgent,
    referrer: facts.referrerHost,
    country: facts.country,
    region: facts.region,
    city: facts.city,
    device: facts.device,
    os: facts.os,
    browser: facts.browser,
    language: facts.languages[0]?.slice(0, 35) ?? null,
    visitorId: visitor,
    reason: decision.reason,
    ruleIndex: "rule" in decision ? (decision.rule ?? null) : null,
    variantIndex: "variant" in decision ? (decision.variant ?? null) : null,
    // Only for the origin's GeoIP lookup when no geo header said where the visitor is; never the address.
    ipNetwork: facts.country === null && facts.ip ? anonymizeIp(facts.ip) : null,
  };
}
