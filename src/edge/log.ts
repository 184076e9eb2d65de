import { isSpanContextValid, trace } from "@opentelemetry/api";
import { traceparentFrom } from "./origin-client";

/**
 * A tiny structured logger for the edge hosts: one JSON object per line, the same shape the Node
 * side's pino writes (`level`, `time`, `msg`, then fields), so one log pipeline reads both.
 * Runtime-neutral: the host decides where a line goes (console in Next middleware and Workers,
 * stdout in the standalone redirector).
 *
 * Callers pass chosen fields only — never headers, bodies, cookies or addresses wholesale — so a
 * secret cannot reach a line by accident.
 */
export type EdgeLogLevel = "debug" | "info" | "warn" | "error" | "silent";

export type LogFields = Record<string, unknown>;

export interface EdgeLogger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Where a finished line goes; `level` lets a host split stdout/stderr. */
export type LogWrite = (line: string, level: Exclude<EdgeLogLevel, "silent">) => void;

const SEVERITY: Record<EdgeLogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50, silent: Infinity };

export interface EdgeLoggerOptions {
  level?: EdgeLogLevel;
  write?: LogWrite;
  /** Fields on every line (e.g. `{ host: "worker" }`). */
  base?: LogFields;
}

/** Console by level: `console.error` for warn and error, `console.log` otherwise. */
export const consoleWrite: LogWrite = (line, level) => {
  if (level === "warn" || level === "error") console.error(line);
  else console.log(line);
};

export function createEdgeLogger(options: EdgeLoggerOptions = {}): EdgeLogger {
  const threshold = SEVERITY[options.level ?? "info"];
  const write = options.write ?? consoleWrite;
  const base = options.base ?? {};
  const emit = (level: Exclude<EdgeLogLevel, "silent">) => (msg: string, fields: LogFields = {}) => {
    if (SEVERITY[level] < threshold) return;
    let line: string;
    try {
      line = JSON.stringify({ level, time: new Date().toISOString(), ...base, msg, ...fields });
    } catch {
      line = JSON.stringify({ level, time: new Date().toISOString(), ...base, msg, unserializable: true });
    }
    write(line, level);
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

/** A logger that writes nothing (tests and callers without a host logger). */
export const silentLogger: EdgeLogger = createEdgeLogger({ level: "silent" });

/**
 * The trace id for a log line: the active OpenTelemetry span's when one is recording a valid
 * context, else the one in the request's W3C `traceparent` (version 00, non-zero ids), else null.
 */
export function traceIdFor(traceparent: string | null | undefined): string | null {
  const context = trace.getActiveSpan()?.spanContext();
  if (context && isSpanContextValid(context)) return context.traceId;
  // "00-<trace id>-<span id>-<flags>": the trace id of a well-formed header (origin-client's check).
  return traceparentFrom(traceparent?.trim())?.slice(3, 35) ?? null;
}
