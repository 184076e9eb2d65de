import type { SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { tracingConfig } from "./src/config/env";

/**
 * Runs once per server process and runtime, before the first request.
 *
 * Tracing (docs/observability.md, "Tracing"): only when an OTLP endpoint is configured
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is an OpenTelemetry SDK
 * loaded, in both runtimes: the edge runtime (middleware, service signpost-edge) and Node (route
 * handlers, Postgres and Redis, service signpost-app). Without one nothing is imported or
 * registered, and the @opentelemetry/api calls in our code and in Next stay no-ops.
 *
 * On the Node runtime it then validates the configuration, opens the database (applying
 * migrations) and starts the in-process background jobs. A bad configuration stops the start with
 * a message naming the variable.
 */
export async function register() {
  const tracing = tracingConfig();
  if (process.env.NEXT_RUNTIME === "edge") {
    if (tracing.endpoint) {
      const { registerOTel } = await import("@vercel/otel");
      // No fetch instrumentation: the edge app opens its own client span per origin call and sends its traceparent.
      registerOTel({ serviceName: tracing.serviceName ?? "signpost-edge", instrumentations: [] });
    }
    return;
  }
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (tracing.endpoint) {
    const [{ registerOTel }, { PgInstrumentation }, { IORedisInstrumentation }] = await Promise.all([
      import("@vercel/otel"),
      import("@opentelemetry/instrumentation-pg"),
      import("@opentelemetry/instrumentation-ioredis"),
    ]);
    registerOTel({
      serviceName: tracing.serviceName ?? "signpost-app",
      // Next records each request's URL; query strings can hold tokens (password reset, invitations).
      spanProcessors: ["auto", withoutQueryStrings],
      // Next traces requests and route handlers itself. Queries and commands are traced only
      // inside a traced operation: pg-boss polling and blocking stream reads would flood a trace store.
      instrumentations: [new PgInstrumentation({ requireParentSpan: true }), new IORedisInstrumentation({ requireParentSpan: true })],
    });
  }
  const { startServerProcess } = await import("./src/server/process");
  await startServerProcess();
}

/** Drops the query string from the URL attributes Next sets on its spans, as they start. */
const withoutQueryStrings: SpanProcessor = {
  onStart(span) {
    for (const key of ["http.target", "http.url"]) {
      const value = span.attributes[key];
      if (typeof value === "string" && value.includes("?")) span.setAttribute(key, value.slice(0, value.indexOf("?")));
    }
  },
  onEnd() {},
  forceFlush: async () => {},
  shutdown: async () => {},
};
