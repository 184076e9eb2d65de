import { decide, type Decision } from "@/core/decide";
import { COUNTED_REASONS, type EdgeLink } from "@/core/link";
import { verifyLinkPassword } from "@/core/link-password";
import { anonymizeIp, type RequestFacts } from "@/core/match-rules";
import { requestIdFrom } from "@/core/request-id";
import { SLUG_PATTERN } from "@/core/slug";
import { clickId } from "./click-id";
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

/**
 * What the edge app reads of a request. A Web `Request` is one; the standalone Node redirector
 * passes its own view of Node's request, so the hot path builds no Request, Headers or Response.
 */
export interface EdgeRequest {
  method: string;
  /** Absolute: scheme, the host the request was sent to, path and query. */
  url: string;
  headers: { get(name: string): string | null; keys?(): Iterable<string> };
  /** Read only for a password form (POST). */
  body: ReadableStream<Uint8Array> | null;
}

/** The app's answer: status, header pairs (set-cookie may repeat) and a text body or none. */
export interface EdgeResponse {
  status: number;
  headers: [string, string][];
  body: string | null;
}

/** Where background work goes (Workers' and Next's `waitUntil`, the redirector's pending set). */
export interface Background {
  waitUntil(promise: Promise<unknown>): void;
}

export interface EdgeOptions {
  secret: string;
  /** Where `/` on a short host sends people; null answers 404. */
  homeUrl: string | null;
  /** How long a correct link password is remembered (seconds). */
  passwordTtlSeconds: number;
  /**
   * Request facts, extracted once per request (src/edge/facts.ts with the host's trust settings);
   * `url` is the request's URL, already parsed.
   */
  facts(request: EdgeRequest, url: URL): RequestFacts;
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

/** One request's state, from the first line of `handle` to its log line. */
interface Ctx {
  request: EdgeRequest;
  url: URL;
  requestId: string;
  trace: Trace;
  /** Whether the request's span records: stage spans are started only then. */
  traced: boolean;
  traceId?: string;
  timing: string[];
  outcome?: string;
  cache?: CacheStatus;
  /** Set-Cookie values for the response. */
  cookies: string[];
  background: Background;
}

const NO_STORE = "private, no-store";
const HTML = "text/html; charset=UTF-8";
const VARIANT_COOKIE_SECONDS = 90 * 24 * 3600;
const MAX_FORM_BYTES = 4096;

/** Background work runs on its own when the host offers no way to hand it over. */
const DETACHED: Background = { waitUntil() {} };

/**
 * A request stage: one Server-Timing entry, and a span `edge.<stage>` (src/edge/tracing.ts) when
 * the request's span is recording (with tracing off, or the request sampled out, no child span is
 * started: that machinery cost a measurable share of every redirect).
 */
async function timed<T>(ctx: Ctx, stage: string, work: () => Promise<T> | T, describe?: (value: T) => string): Promise<T> {
  const started = performance.now();
  const value = ctx.traced
    ? await inSpan(`edge.${stage}`, async (span) => {
        const result = await work();
        if (describe) span.setAttribute(`signpost.${stage}`, describe(result));
        return result;
      })
    : await work();
  const desc = describe ? `;desc="${describe(value)}"` : "";
  ctx.timing.push(`${stage};dur=${(performance.now() - started).toFixed(1)}${desc}`);
  return value;
}

function html(body: string, status: number, headers: [string, string][] = []): EdgeResponse {
  return { status, headers: [["content-type", HTML], ["cache-control", NO_STORE], ...headers], body };
}

/** A redirect; a location with characters outside Latin-1 is percent-encoded (a header cannot carry them). */
function redirect(location: string, status: number, headers: [string, string][] = []): EdgeResponse {
  return { status, headers: [...headers, ["location", /[^\x00-\xFF]/.test(location) ? encodeURI(location) : location]], body: null };
}

/** The key in a one-segment path ("/abc" → "abc", percent-decoded); null for "/", deeper paths and bad escapes. */
function keyOf(pathname: string): string | null {
  if (pathname.length < 2 || pathname.indexOf("/", 1) !== -1) return null;
  const raw = pathname.slice(1);
  if (!raw.includes("%")) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // left as sent: the slug check turns it away
  }
}

/**
 * The edge app: Web-standard code that answers short-link requests. It runs unchanged inside
 * Next's middleware, the Cloudflare Worker (both through `fetch`) and the standalone Node
 * redirector (through `handle`, on its own view of Node's request).
 */
export function createEdgeApp(deps: EdgeDeps) {
  const { options } = deps;

  /** Answers one request; never throws (an unexpected error is logged and answered 500). */
  async function handle(request: EdgeRequest, background: Background = DETACHED): Promise<EdgeResponse> {
    const started = performance.now();
    const requestId = requestIdFrom(request.headers.get("x-request-id"));
    const ctx: Ctx = {
      request,
      // Parsed once: routing, the cache key, the log line and cookies all need parts of it.
      url: new URL(request.url),
      requestId,
      trace: { requestId, traceparent: traceparentFrom(request.headers.get("traceparent")) },
      traced: false,
      timing: [],
      cookies: [],
      background,
    };
    // The request's span; each stage below is a child span (docs/observability.md, "Tracing").
    const response = await inRequestSpan(request, async (span) => {
      ctx.traced = span.isRecording();
      // The log line is written after this span ends: keep its trace id for it (tracing on).
      if (ctx.traced) ctx.traceId = span.spanContext().traceId;
      let answer: EdgeResponse;
      try {
        answer = await route(ctx);
      } catch (error) {
        deps.log?.error("edge request failed", { requestId, error: String(error) });
        answer = { status: 500, headers: [["content-type", "text/plain; charset=UTF-8"], ["cache-control", NO_STORE]], body: "Internal Server Error" };
      }
      span.setAttribute("http.response.status_code", answer.status);
      return answer;
    });
    for (const cookie of ctx.cookies) response.headers.push(["set-cookie", cookie]);
    const ms = performance.now() - started;
    response.headers.push(["x-request-id", requestId], ["x-robots-tag", "noindex"], ["server-timing", [...ctx.timing, `edge;dur=${ms.toFixed(1)}`].join(", ")]);
    requestLine(ctx, response.status, ms);
    return response;
  }

  /** GET and HEAD alike (a HEAD answer's body is dropped by the host); the methods a short link takes. */
  function route(ctx: Ctx): Promise<EdgeResponse> | EdgeResponse {
    const method = ctx.request.method.toUpperCase();
    const { pathname } = ctx.url;
    if (method === "GET" || method === "HEAD") {
      if (pathname === "/") return options.homeUrl ? redirect(options.homeUrl, 302) : html(pages.notFoundPage, 404);
      // Crawlers may fetch short links (link previews need it); the pages themselves say noindex.
      if (pathname === "/robots.txt") return { status: 200, headers: [["content-type", "text/plain; charset=UTF-8"], ["cache-control", "public, max-age=3600"]], body: "User-agent: *\nAllow: /\n" };
      const raw = keyOf(pathname);
      return raw === null ? html(pages.notFoundPage, 404) : get(ctx, raw);
    }
    if (method === "POST") {
      const key = keyOf(pathname);
      return key === null ? html(pages.notFoundPage, 404) : post(ctx, key);
    }
    if (method === "OPTIONS" || method === "PUT" || method === "PATCH" || method === "DELETE") {
      return { status: 405, headers: [["allow", "GET, HEAD, POST"], ["cache-control", NO_STORE]], body: null };
    }
    return html(pages.notFoundPage, 404);
  }

  /** Counts the request and writes its log line: chosen fields only, never headers, bodies or addresses. */
  function requestLine(ctx: Ctx, status: number, ms: number) {
    const outcome = ctx.outcome ?? outcomeOfStatus(status);
    const cache = ctx.cache ?? null;
    if (deps.stats) {
      deps.stats.redirect(outcome);
      if (cache) deps.stats.cacheLookup(cache);
      const report = deps.clicks.reportStats?.();
      if (report) ctx.background.waitUntil(report);
    }
    deps.log?.info("request", {
      requestId: ctx.requestId,
      traceId: ctx.traceId ?? traceIdFor(ctx.trace.traceparent),
      method: ctx.request.method,
      route: edgeRoute(ctx.url.pathname),
      status,
      outcome,
      cache,
      durationMs: Math.round(ms * 10) / 10,
    });
  }

  async function load(ctx: Ctx, key: string): Promise<EdgeLink | null | "unavailable"> {
    const host = ctx.url.host.toLowerCase();
    let status: CacheStatus = "miss";
    const lookup = { waitUntil: (promise: Promise<unknown>) => ctx.background.waitUntil(promise), cacheStatus: (s: CacheStatus) => (ctx.cache = status = s) };
    try {
      return await timed(
        ctx,
        "cache",
        () => deps.links.get(host, key, ctx.trace, lookup),
        () => status,
      );
    } catch {
      return "unavailable";
    }
  }

  async function get(ctx: Ctx, raw: string): Promise<EdgeResponse> {
    const info = raw.endsWith("+");
    const key = info ? raw.slice(0, -1) : raw;
    if (!SLUG_PATTERN.test(key)) return html(pages.notFoundPage, 404);
    const link = await load(ctx, key);
    if (link === "unavailable") return html(pages.unavailablePage, 503, [["retry-after", "5"]]);
    if (info) return infoResponse(ctx, link, key);
    return visit(ctx, link);
  }

  async function post(ctx: Ctx, key: string): Promise<EdgeResponse> {
    if (!SLUG_PATTERN.test(key)) return html(pages.notFoundPage, 404);
    const link = await load(ctx, key);
    if (link === "unavailable") return html(pages.unavailablePage, 503, [["retry-after", "5"]]);
    if (!link || link.disabled || link.archived) return html(pages.notFoundPage, 404);
    if (!link.passwordHash) return redirect(ctx.url.href, 303);
    return passwordSubmit(ctx, link, link.passwordHash);
  }

  function infoResponse(ctx: Ctx, link: EdgeLink | null, key: string): EdgeResponse {
    if (!link || link.disabled || link.archived) return html(pages.notFoundPage, 404);
    const shortLink = `${ctx.url.origin}/${key}`;
    return html(pages.infoPage({ shortLink, destination: link.passwordHash ? null : link.url, createdAt: link.createdAt }), 200);
  }

  async function passwordSubmit(ctx: Ctx, link: EdgeLink, passwordHash: string): Promise<EdgeResponse> {
    const facts = options.facts(ctx.request, ctx.url);
    const form = await readSmallForm(ctx.request, MAX_FORM_BYTES);
    const password = form?.get("password") ?? "";
    if (!password || password.length > 1024) return html(pages.passwordPage({ wrong: true, tooManyAttempts: false }), 401);

    let verdict;
    try {
      verdict = await timed(ctx, "origin", async () => deps.gates.recordPasswordAttempt(link.id, await attemptVisitor(options.secret, facts.ip), ctx.trace));
    } catch {
      return html(pages.unavailablePage, 503, [["retry-after", "5"]]);
    }
    if (!verdict.allowed) {
      return html(pages.passwordPage({ wrong: false, tooManyAttempts: true }), 429, [["retry-after", String(verdict.retryAfterSeconds)]]);
    }
    if (!(await timed(ctx, "verify", () => verifyLinkPassword(password, passwordHash)))) {
      return html(pages.passwordPage({ wrong: true, tooManyAttempts: false }), 401);
    }
    const expiresAt = Date.now() + options.passwordTtlSeconds * 1000;
    ctx.cookies.push(
      serializeCookie(passwordCookieName(link.id), await signPasswordPass(options.secret, link.id, passwordHash, expiresAt), {
        path: `/${link.key}`,
        maxAgeSeconds: options.passwordTtlSeconds,
        secure: ctx.url.protocol === "https:",
      }),
    );
    // Post/redirect/get: the visit itself (rules, variants, click) happens on the GET.
    return redirect(ctx.url.href, 303);
  }

  async function visit(ctx: Ctx, link: EdgeLink | null): Promise<EdgeResponse> {
    const facts = await timed(ctx, "facts", () => options.facts(ctx.request, ctx.url));
    const cookies = parseCookies(ctx.request.headers.get("cookie"));
    const now = new Date();
    const visitor = link ? visitorId(options.secret, now, facts.ip, facts.userAgent, link.workspaceId) : null;
    const stickyText = link ? cookies.get(variantCookieName(link.id)) : undefined;
    const context = {
      passwordVerified: link?.passwordHash ? await verifyPasswordPass(options.secret, link.id, link.passwordHash, cookies.get(passwordCookieName(link.id)), now.getTime()) : false,
      clicksExhausted: false,
      variantRoll: link && visitor && link.variants.length > 0 ? variantRoll(visitor, link.id) : 0,
      stickyVariant: stickyText && /^\d{1,2}$/.test(stickyText) ? Number(stickyText) : null,
    };
    let decision = await timed(ctx, "decide", () => decide(link, facts, now, context), (d) => d.reason);

    // maxClicks is exact: every admitted human visit is reserved at the origin, never from cache.
    if (link && link.maxClicks !== null && !facts.isBot && (COUNTED_REASONS as readonly string[]).includes(decision.reason)) {
      let reservation;
      try {
        reservation = await timed(ctx, "origin", () => deps.gates.reserveClick(link.id, ctx.trace));
      } catch {
        return html(pages.unavailablePage, 503, [["retry-after", "5"]]);
      }
      if (!reservation.admitted) decision = decide(link, facts, now, { ...context, clicksExhausted: true });
    }

    if (link) {
      // Every visit to a link is stored, bots' previews and blocks included (flagged; ADR 0011): the
      // origin counts only people who reached a destination, and analytics shows bots when asked.
      // The click's span: the batch that later carries it links back here (src/edge/click-sink.ts).
      const record = () => deps.clicks.record(clickEvent(link, facts, decision, visitor, now));
      ctx.background.waitUntil(ctx.traced ? inSyncSpan("edge.click", record) : record());
    }
    return respond(ctx, link, decision, context.stickyVariant);
  }

  function respond(ctx: Ctx, link: EdgeLink | null, decision: Decision, sticky: number | null): EdgeResponse {
    ctx.outcome = decision.kind;
    if (link && "variant" in decision && decision.variant !== undefined && decision.variant !== sticky) {
      ctx.cookies.push(
        serializeCookie(variantCookieName(link.id), String(decision.variant), {
          path: `/${link.key}`,
          maxAgeSeconds: VARIANT_COOKIE_SECONDS,
          secure: ctx.url.protocol === "https:",
        }),
      );
    }
    switch (decision.kind) {
      case "redirect":
        return redirect(decision.location, decision.status, [
          ["cache-control", NO_STORE],
          ["referrer-policy", "no-referrer-when-downgrade"],
        ]);
      case "frame":
        return html(pages.framePage(decision.location, link?.title ?? null), 200);
      case "preview":
        return html(pages.previewPage({ shortLink: `${ctx.url.origin}/${link!.key}`, title: link!.title, description: link!.description, image: link!.image }), 200);
      case "password":
        return html(pages.passwordPage({ wrong: false, tooManyAttempts: false }), 401);
      case "blocked":
        return html(pages.blockedPage, 403);
      case "gone":
        return html(pages.gonePage, 410);
      case "not_found":
        return html(pages.notFoundPage, 404);
    }
  }

  return {
    handle,
    /**
     * The Web entry (Next middleware, Workers, tests): a Request (or any {@link EdgeRequest} view of
     * one) in, a Response out.
     */
    async fetch(request: EdgeRequest, _env?: unknown, executionCtx?: Background): Promise<Response> {
      let background = DETACHED;
      if (executionCtx) {
        background = {
          waitUntil(promise) {
            try {
              executionCtx.waitUntil(promise);
            } catch {
              // A host whose context refuses work: the promise still runs on its own.
            }
          },
        };
      }
      const answer = await handle(request, background);
      return new Response(request.method.toUpperCase() === "HEAD" ? null : answer.body, { status: answer.status, headers: answer.headers });
    },
  };
}

export type EdgeApp = ReturnType<typeof createEdgeApp>;

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
async function readSmallForm(request: EdgeRequest, maxBytes: number): Promise<URLSearchParams | null> {
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
    id: clickId(now.getTime()),
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
