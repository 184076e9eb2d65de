import { SpanKind } from "@opentelemetry/api";
import { signRequest } from "@/core/protocol";
import { inSpan, traceHeaders } from "./tracing";

/** What ties an origin call to the visitor's request: its id, and its W3C trace context if any. */
export interface Trace {
  requestId: string;
  traceparent?: string;
}

/** A `traceparent` header as W3C Trace Context defines it (version 00), or undefined. */
export function traceparentFrom(value: string | null | undefined): string | undefined {
  return value && /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(value) && !/^00-0{32}-/.test(value) && !/-0{16}-/.test(value) ? value : undefined;
}

/** Talks to the Node origin's internal endpoints with signed requests (docs/protocol.md). */
export interface OriginClient {
  request(method: "GET" | "POST", pathWithQuery: string, options?: { body?: string; trace?: Trace }): Promise<Response>;
}

export interface OriginClientOptions {
  originUrl: string;
  secret: string;
  /** Injected for tests and for hosts with their own fetch (service bindings). */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export function createOriginClient(options: OriginClientOptions): OriginClient {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  return {
    async request(method, pathWithQuery, { body = "", trace } = {}) {
      // Sign what the origin will see: its own path prefix (if any) included.
      const target = new URL(options.originUrl + pathWithQuery);
      const signed = await signRequest(options.secret, method, target.pathname + target.search, body);
      // A client span per call; the origin's route span becomes its child through `traceparent`.
      // Tracing off: the incoming request's `traceparent`, if any, is forwarded as it came.
      return inSpan(
        `origin ${method} ${target.pathname}`,
        async (span) => {
          const response = await doFetch(target, {
            method,
            body: method === "GET" ? undefined : body,
            headers: {
              ...signed,
              // Answers are a few hundred bytes of JSON: compressing them (Next compresses every
              // streamed route answer) and inflating them here cost more CPU than the bytes saved.
              "accept-encoding": "identity",
              ...(method === "GET" ? {} : { "content-type": "application/json" }),
              ...(trace ? { "x-request-id": trace.requestId } : {}),
              ...(trace?.traceparent ? { traceparent: trace.traceparent } : {}),
              ...traceHeaders(),
            },
            signal: AbortSignal.timeout(timeoutMs),
          });
          span.setAttribute("http.response.status_code", response.status);
          return response;
        },
        { kind: SpanKind.CLIENT, attributes: { "http.request.method": method, "url.path": target.pathname, "server.address": target.hostname } },
      );
    },
  };
}
