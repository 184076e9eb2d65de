/**
 * OpenTelemetry for the Node processes outside Next: the standalone redirector
 * (src/hosts/node/main.ts, service signpost-redirector) and the worker (src/worker/main.ts,
 * service signpost-worker). Next's own processes register in instrumentation.ts.
 *
 * Only when an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) are the SDK and instrumentations imported: a Node tracer
 * provider exporting OTLP/HTTP JSON in batches, W3C trace context, pg and ioredis spans (inside a
 * traced operation only). Without one this module loads nothing and returns null.
 *
 * Call it before anything imports pg or ioredis: their instrumentations hook `require`.
 */
import { createRequire } from "node:module";
import { tracingConfig } from "@/config/env";

export interface NodeTracing {
  /** Exports the spans still buffered, then stops the provider. */
  shutdown(): Promise<void>;
}

export async function startNodeTracing(defaultServiceName: string): Promise<NodeTracing | null> {
  const config = tracingConfig();
  if (!config.endpoint) return null;
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }, { registerInstrumentations }, { PgInstrumentation }, { IORedisInstrumentation }] =
    await Promise.all([
      import("@opentelemetry/sdk-trace-node"),
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/resources"),
      import("@opentelemetry/instrumentation"),
      import("@opentelemetry/instrumentation-pg"),
      import("@opentelemetry/instrumentation-ioredis"),
    ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": config.serviceName ?? defaultServiceName, "process.pid": process.pid }),
    // The exporter reads the endpoint and OTEL_EXPORTER_OTLP_(TRACES_)HEADERS itself.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // Async-local-storage context and the W3C tracecontext + baggage propagators.
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new PgInstrumentation({ requireParentSpan: true }), new IORedisInstrumentation({ requireParentSpan: true })],
  });
  // ioredis is CommonJS, but ESM `import` of it bypasses the require hook. Requiring it once here
  // patches its Redis class in the shared module cache, which later `import`s then get.
  createRequire(import.meta.url)("ioredis");
  return { shutdown: () => provider.shutdown() };
}
