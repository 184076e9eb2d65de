import "server-only";
import pino, { type Logger } from "pino";
import { serverConfig } from "@/config/env";

/**
 * The Node side's structured logger: pino, one JSON line per event on stdout (`level` as a name,
 * `time` as ISO-8601, `msg`), least severe level from LOG_LEVEL (default info).
 *
 * Nothing logs headers, bodies or addresses wholesale: every call names its fields. `redact` is
 * the safety net behind that rule: should a field with one of these names ever be passed, its
 * value is replaced with "[redacted]".
 */
export const REDACT_PATHS = [
  "password",
  "newPassword",
  "currentPassword",
  "token",
  "secret",
  "apiKey",
  "key",
  "authorization",
  "cookie",
  "setCookie",
  "ip",
  "ipAddress",
  "ipNetwork",
  "headers",
  "body",
  "*.password",
  "*.newPassword",
  "*.token",
  "*.secret",
  "*.apiKey",
  "*.key",
  "*.authorization",
  "*.cookie",
  "*.ip",
  "*.ipAddress",
  "*.ipNetwork",
  "*.headers",
  "*.body",
  'headers["x-forwarded-for"]',
  'headers["x-real-ip"]',
];

/** A pino logger with Signpost's settings, writing to `destination` (stdout by default). */
export function createLogger(options: { level?: string; destination?: pino.DestinationStream; base?: Record<string, unknown> } = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: options.base ?? { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    options.destination ?? process.stdout,
  );
}

/** LOG_LEVEL from the validated config; a process whose config is not the server's (the redirector's direct store) logs at info. */
function configuredLevel(): string {
  try {
    return serverConfig().logLevel;
  } catch {
    return "info";
  }
}

const GLOBAL_KEY = Symbol.for("signpost.logger");
type Holder = { [GLOBAL_KEY]?: Logger };

/**
 * The process's logger, made on first use from the configuration. On globalThis: Next may evaluate
 * this module once per route bundle, and all of them share one stream.
 */
export function logger(): Logger {
  const holder = globalThis as Holder;
  holder[GLOBAL_KEY] ??= createLogger({ level: configuredLevel() });
  return holder[GLOBAL_KEY];
}
