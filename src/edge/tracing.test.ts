/**
 * The request span with and without a registered tracer provider: without one the app's work runs
 * on a span that records nothing and no context is switched; with one (here the SDK's basic
 * provider and an in-memory exporter) the request span and its stage spans are recorded, parented
 * on the caller's traceparent.
 */
import { context, propagation, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, test } from "vitest";
import { inRequestSpan, inSpan, tracingRegistered } from "./tracing";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const request = {
  method: "GET",
  url: "https://short.test/abc?x=1",
  headers: new Headers({ traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` }),
};

afterEach(() => {
  trace.disable();
  propagation.disable();
  context.disable();
});

describe("inRequestSpan", () => {
  test("no provider registered: the work runs on a span that does not record, and its result comes back", async () => {
    expect(tracingRegistered()).toBe(false);
    let recording: boolean | undefined;
    const result = await inRequestSpan(request, async (span) => {
      recording = span.isRecording();
      return "answered";
    });
    expect(recording).toBe(false);
    expect(result).toBe("answered");
    await expect(inRequestSpan(request, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
  });

  test("a provider registered: the request span records, is parented on the incoming traceparent and carries its attributes", async () => {
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    expect(tracingRegistered()).toBe(true);

    const result = await inRequestSpan(request, async (span) => {
      expect(span.isRecording()).toBe(true);
      await inSpan("edge.cache", () => "hit");
      return span.spanContext().traceId;
    });
    expect(result).toBe(TRACE_ID);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(["edge GET", "edge.cache"]);
    const root = spans.find((s) => s.name === "edge GET")!;
    expect(root.spanContext().traceId).toBe(TRACE_ID);
    expect(root.attributes).toMatchObject({ "http.request.method": "GET", "url.path": "/abc" });

    // Unregistered again: back to the idle path.
    trace.disable();
    expect(tracingRegistered()).toBe(false);
  });
});
