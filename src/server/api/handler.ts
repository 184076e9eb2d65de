import "server-only";
import { requestIdFrom } from "@/core/request-id";
import type { Scope } from "@/core/scopes";
import { authorize, resolvePrincipal, type Principal } from "@/server/auth/principal";
import { APIError } from "better-auth/api";
import { traceIdFor } from "@/edge/log";
import { logger } from "@/server/observability/logger";
import { observeRequest, routeTemplate } from "@/server/observability/metrics";
import { RequestTiming, runWithTiming } from "@/server/observability/request-timing";
import { serverConfig } from "@/config/env";
import { ApiError, errorResponse, type ErrorCode } from "./errors";
import { assertSameOriginWrite } from "./same-origin";

type RouteContext = { params: Promise<Record<string, string | string[]>> };

export interface HandlerContext {
  requestId: string;
  params: Record<string, string>;
}

async function flatParams(context?: RouteContext): Promise<Record<string, string>> {
  const raw = (context ? await context.params : undefined) ?? {};
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v.join("/") : v]));
}

/**
 * Wraps a route handler: request id in and out, errors as the one JSON shape. Unknown errors are
 * logged and answered as `internal_error` without internals.
 */
export function handle(fn: (request: Request, ctx: HandlerContext) => Promise<Response>) {
  return async (request: Request, context?: RouteContext): Promise<Response> => {
    const started = performance.now();
    const requestId = requestIdFrom(request.headers.get("x-request-id"));
    const pathname = new URL(request.url).pathname;
    const timing = new RequestTiming();
    let response: Response;
    try {
      response = await runWithTiming(timing, async () => fn(request, { requestId, params: await flatParams(context) }));
      response.headers.set("x-request-id", requestId);
    } catch (error) {
      const known = error instanceof ApiError ? error : fromAuthError(error);
      if (known) response = errorResponse(known, requestId, { "x-request-id": requestId });
      else {
        logger().error({ requestId, route: routeTemplate(pathname), error: String(error), stack: (error as Error)?.stack }, "unhandled error in route handler");
        response = errorResponse(new ApiError("internal_error", "Something went wrong on our side"), requestId, { "x-request-id": requestId });
      }
    }
    const ms = performance.now() - started;
    const dbMs = timing.ms("db");
    const queueMs = timing.ms("queue");
    // Devtools show where the time went on API routes too (the edge adds its own stages): the
    // handler as a whole, and within it the database and the queue (docs/observability.md).
    response.headers.append("server-timing", `app;desc="route handler";dur=${ms.toFixed(1)}`);
    if (dbMs !== null) response.headers.append("server-timing", `db;desc="database queries";dur=${dbMs.toFixed(1)}`);
    if (queueMs !== null) response.headers.append("server-timing", `queue;desc="enqueue";dur=${queueMs.toFixed(1)}`);
    observeRequest(request.method, pathname, response.status, ms / 1000);
    // One line per request: chosen fields only (never headers, query strings, bodies or addresses).
    logger().info(
      {
        requestId,
        traceId: traceIdFor(request.headers.get("traceparent")),
        method: request.method,
        route: routeTemplate(pathname),
        status: response.status,
        durationMs: round(ms),
        ...(dbMs !== null ? { dbMs: round(dbMs) } : {}),
        ...(queueMs !== null ? { queueMs: round(queueMs) } : {}),
      },
      "request",
    );
    return response;
  };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

const AUTH_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  422: "validation_failed",
  429: "rate_limited",
};

/** Better Auth's client errors (e.g. "user already exists") in our one error shape. */
function fromAuthError(error: unknown): ApiError | null {
  if (!(error instanceof APIError)) return null;
  const code = AUTH_STATUS_CODES[error.statusCode];
  return code ? new ApiError(code, error.body?.message ?? error.message) : null;
}

/** `handle` plus the principal, resolved once and checked against the route's scope. */
export function withPrincipal(
  scope: Scope,
  fn: (request: Request, ctx: HandlerContext & { principal: Principal }) => Promise<Response>,
) {
  return handle(async (request, ctx) => {
    const principal = await resolvePrincipal(request);
    if (principal.kind === "session") assertSameOriginWrite(request, serverConfig().appUrl);
    authorize(principal, scope);
    return fn(request, { ...ctx, principal });
  });
}
