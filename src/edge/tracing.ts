import { context, INVALID_SPAN_CONTEXT, propagation, ProxyTracerProvider, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Link, type Span } from "@opentelemetry/api";

/**
 * Tracing for the edge app, on the runtime-neutral @opentelemetry/api only. The host registers an
 * SDK when an OTLP endpoint is configured (instrumentation.ts in Next, src/tracing/node.ts in the
 * Node redirector); otherwise every call here hits the API's no-op tracer: no span is recorded,
 * nothing is allocated beyond a non-recording span object, nothing is exported.
 * Span names and attributes: docs/observability.md, "Tracing".
 */
const TRACER = "signpost-edge";

export const tracer = () => trace.getTracer(TRACER);

/** Runs `work` in a span (a child of the active one); the span ends when `work` settles, and records a throw. */
export async function inSpan<T>(name: string, work: (span: Span) => Promise<T> | T, options: { kind?: SpanKind; attributes?: Attributes; links?: Link[]; parent?: Context } = {}): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links }, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Runs synchronous `work` in a span that ends when it returns (a returned promise is not awaited). */
export function inSyncSpan<T>(name: string, work: (span: Span) => T): T {
  return tracer().startActiveSpan(name, (span) => {
    try {
      return work(span);
    } finally {
      span.end();
    }
  });
}

/** What the request span reads of a request: a Web `Request`, or the edge app's EdgeRequest. */
export interface SpanRequest {
  method: string;
  url: string;
  headers: { get(name: string): string | null; keys?(): Iterable<string> };
}

/** The API's no-op provider: what a ProxyTracerProvider hands out while no SDK is registered. */
const NO_PROVIDER = new ProxyTracerProvider().getDelegate();
/** A span that records nothing, for requests when no provider is registered at all. */
const IDLE_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Whether a tracer provider is registered (an SDK, or a test's). A provider registered through
 * another copy of the API is not our ProxyTracerProvider class: counted as registered.
 */
export function tracingRegistered(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NO_PROVIDER;
}

/**
 * The request's span. Its parent is the host's active span when there is one (Next's middleware
 * span), else the incoming `traceparent` (a load balancer's, or a caller's), else none: a new trace.
 */
export function inRequestSpan<T>(request: SpanRequest, work: (span: Span) => Promise<T>): Promise<T> {
  // No provider: no span can record and none will be propagated, so the no-op tracer's context
  // switching (a tenth of a busy redirector's time, measured) is skipped. The app still forwards
  // the caller's traceparent as it came (origin-client.ts).
  if (!tracingRegistered()) return work(IDLE_SPAN);
  const active = context.active();
  const hostSpan = trace.getSpan(active);
  const parent = hostSpan ? active : propagation.extract(active, request.headers, headersGetter);
  return inSpan(
    `edge ${request.method}`,
    (span) => {
      // Attributes only on a recording span: with tracing off not even the URL is parsed.
      if (span.isRecording()) span.setAttributes({ "http.request.method": request.method, "url.path": new URL(request.url).pathname });
      return work(span);
    },
    { parent, kind: hostSpan ? SpanKind.INTERNAL : SpanKind.SERVER },
  );
}

const headersGetter = {
  get: (carrier: SpanRequest["headers"], key: string) => carrier.get(key) ?? undefined,
  keys: (carrier: SpanRequest["headers"]) => (carrier.keys ? [...carrier.keys()] : []),
};

/** The W3C trace headers (`traceparent`, `tracestate`) of the active span, empty when tracing is off. */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The active span's context as a link target (for work done later on behalf of this request), or null. */
export function linkToActiveSpan(): Link | null {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) && spanContext.traceFlags & 1 ? { context: spanContext } : null;
}

/**
 * Runs `work` outside the active span: whatever it traces starts a trace of its own. For background
 * work a request merely set off, not done for it (a link-change feed poll).
 */
export function detachedFromTrace<T>(work: () => T): T {
  return context.with(ROOT_CONTEXT, work);
}

/** Runs `work` in a new trace (no parent), linked to the spans it serves: e.g. a click batch. */
export function inLinkedRootSpan<T>(name: string, links: Link[], work: (span: Span) => Promise<T>, attributes: Attributes = {}): Promise<T> {
  return inSpan(name, work, { parent: ROOT_CONTEXT, links, attributes });
}

