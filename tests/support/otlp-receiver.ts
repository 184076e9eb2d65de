/**
 * A real OTLP/HTTP trace receiver for tests: a node:http server on 127.0.0.1 that accepts
 * `POST /v1/traces` in the OTLP JSON encoding (OTEL_EXPORTER_OTLP_PROTOCOL=http/json), optionally
 * gzip-compressed, answers 200 `{}` as a collector does, and keeps every span it was sent.
 * Protobuf bodies are refused with 415, so a process exporting in the wrong encoding fails loudly.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

export interface ReceivedSpan {
  service: string;
  scope: string;
  traceId: string;
  spanId: string;
  /** "" for a root span. */
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  links: { traceId: string; spanId: string }[];
}

export interface OtlpReceiver {
  /** The base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans: ReceivedSpan[];
  /** Requests that were not accepted (wrong path, method or encoding). */
  refused: string[];
  /** Polls until `find` returns a value (every 100 ms), or throws with what arrived. */
  waitFor<T>(find: (spans: ReceivedSpan[]) => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

/** Trace and span ids are hex in OTLP JSON; some encoders send base64 (the protobuf JSON mapping). */
function hexId(value: unknown): string {
  if (typeof value !== "string" || value === "") return "";
  return /^[0-9a-f]+$/i.test(value) && (value.length === 32 || value.length === 16) ? value.toLowerCase() : Buffer.from(value, "base64").toString("hex");
}

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
function attributes(list: { key: string; value: AnyValue }[] | undefined): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    const v = value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.doubleValue ?? value.boolValue;
    if (v !== undefined) result[key] = v;
  }
  return result;
}

interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: AnyValue }[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind?: number; attributes?: { key: string; value: AnyValue }[]; links?: { traceId: string; spanId: string }[] }[];
    }[];
  }[];
}

function read(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const refused: string[] = [];
  const server = createServer(async (request, response) => {
    const type = request.headers["content-type"] ?? "";
    if (request.method !== "POST" || request.url !== "/v1/traces" || !type.startsWith("application/json")) {
      refused.push(`${request.method} ${request.url} ${type}`);
      await read(request);
      response.writeHead(request.url === "/v1/traces" ? 415 : 404).end();
      return;
    }
    try {
      let body = await read(request);
      if (request.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      const payload = JSON.parse(body.toString("utf8")) as ExportRequest;
      for (const resourceSpans of payload.resourceSpans ?? []) {
        const service = String(attributes(resourceSpans.resource?.attributes)["service.name"] ?? "");
        for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
          for (const span of scopeSpans.spans ?? []) {
            spans.push({
              service,
              scope: scopeSpans.scope?.name ?? "",
              traceId: hexId(span.traceId),
              spanId: hexId(span.spanId),
              parentSpanId: hexId(span.parentSpanId),
              name: span.name,
              kind: span.kind ?? 0,
              attributes: attributes(span.attributes),
              links: (span.links ?? []).map((link) => ({ traceId: hexId(link.traceId), spanId: hexId(link.spanId) })),
            });
          }
        }
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    } catch (error) {
      refused.push(`unreadable body: ${String(error)}`);
      response.writeHead(400).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    refused,
    async waitFor(find, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = find(spans);
        if (found) return found;
        if (Date.now() > deadline) {
          throw new Error(`spans not received in time; got ${spans.length}: ${spans.map((s) => `${s.service}/${s.name}`).join(", ")}; refused: ${refused.join("; ")}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The span's ancestors, nearest first, as far as the received spans go. */
export function ancestors(spans: ReceivedSpan[], span: ReceivedSpan): ReceivedSpan[] {
  const byId = new Map(spans.filter((s) => s.traceId === span.traceId).map((s) => [s.spanId, s]));
  const chain: ReceivedSpan[] = [];
  let current = span;
  while (current.parentSpanId && byId.has(current.parentSpanId) && chain.length < 100) {
    current = byId.get(current.parentSpanId)!;
    chain.push(current);
  }
  return chain;
}
