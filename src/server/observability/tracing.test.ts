/**
 * Tracing is off unless an OTLP endpoint is configured: then neither instrumentation.ts (either
 * runtime's branch that loads an SDK) nor src/tracing/node.ts registers anything, and the
 * @opentelemetry/api stays the no-op. With an endpoint, the Node SDK records and exports to a real
 * OTLP/HTTP receiver (so the "off" assertions below are not vacuous).
 */
import { context, propagation, trace } from "@opentelemetry/api";
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { startOtlpReceiver } from "../../../tests/support/otlp-receiver";
import { register } from "../../../instrumentation";
import { startNodeTracing } from "@/tracing/node";

const OTEL_VARIABLES = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SERVICE_NAME", "OTEL_BSP_SCHEDULE_DELAY"];

function recordsSpans(): boolean {
  const span = trace.getTracer("probe").startSpan("probe");
  span.end();
  return span.isRecording() || trace.isSpanContextValid(span.spanContext());
}
function injectsTraceparent(): boolean {
  const carrier: Record<string, string> = {};
  return trace.getTracer("probe").startActiveSpan("probe", (span) => {
    propagation.inject(context.active(), carrier);
    span.end();
    return "traceparent" in carrier;
  });
}

describe("tracing configuration", () => {
  beforeEach(() => {
    for (const name of OTEL_VARIABLES) vi.stubEnv(name, undefined);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  afterAll(() => {
    trace.disable();
    propagation.disable();
    context.disable();
  });

  test("no endpoint: the edge runtime's register() and the Node processes' start-up register nothing", async () => {
    vi.stubEnv("NEXT_RUNTIME", "edge");
    await register();
    expect(await startNodeTracing("signpost-worker")).toBeNull();
    expect(recordsSpans()).toBe(false);
    expect(injectsTraceparent()).toBe(false);
  });

  test("an endpoint: the Node SDK records, propagates and exports OTLP/HTTP JSON under the configured service name", async () => {
    const receiver = await startOtlpReceiver();
    try {
      vi.stubEnv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url);
      vi.stubEnv("OTEL_SERVICE_NAME", "signpost-worker-eu");
      const tracing = await startNodeTracing("signpost-worker");
      expect(tracing).not.toBeNull();
      expect(recordsSpans()).toBe(true);
      expect(injectsTraceparent()).toBe(true);
      await tracing!.shutdown();
      expect(receiver.spans.filter((s) => s.name === "probe").map((s) => s.service)).toEqual(["signpost-worker-eu", "signpost-worker-eu"]);
      expect(receiver.refused).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});
