/**
 * `npm run start:redirector`: the standalone Node redirector (see README, "Standalone redirector").
 * One process, or with REDIRECTOR_WORKERS > 1 (or `auto`) a node:cluster primary that forks that
 * many workers sharing the port; each worker has its own link cache and click buffer.
 *
 * With DATABASE_URL (direct mode, docs/decisions/0015) each process reads links and writes clicks
 * in Postgres / the Redis click stream itself, through the origin's server code, which is loaded
 * only then. It runs from the bundle scripts/build-node.mjs makes (scripts/start-redirector.mjs),
 * where that code's `server-only` guard is the empty module; straight from the sources it needs
 * `node --conditions=react-server --import tsx`.
 */
import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import { ConfigError, redirectorConfig, tracingConfig, type RedirectorConfig } from "@/config/env";
import type { NodeTracing } from "@/tracing/node";
import { flushLogs, log, setLogLevel, startRedirector } from "./redirector";

/** Longest a graceful shutdown may take before the process exits anyway (non-zero). */
const SIGNALS = ["SIGTERM", "SIGINT"] as const;

function loadConfig(): RedirectorConfig {
  try {
    return redirectorConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

/** Exits once stdout and stderr are flushed: writes to a pipe are asynchronous, and `process.exit` would cut the last log lines. */
function exitFlushed(code: number): void {
  flushLogs();
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

async function runWorker(config: RedirectorConfig): Promise<void> {
  let redirector;
  let tracing: NodeTracing | null = null;
  try {
    // Only with an OTLP endpoint, and before the direct store loads pg (its instrumentation hooks `require`).
    if (tracingConfig().endpoint) tracing = await (await import("@/tracing/node")).startNodeTracing("signpost-redirector");
    redirector = await startRedirector(config);
  } catch (error) {
    log("error", "redirector failed to start", { error: String(error), port: config.port });
    exitFlushed(1);
    return;
  }
  // Direct mode names no origin (it calls none) and never logs DATABASE_URL (it may hold a password).
  const store = config.direct ? { store: "direct", databasePoolMax: config.direct.poolMax } : { store: "origin", origin: config.originUrl };
  const metrics = redirector.metricsPort !== null ? { metricsPort: redirector.metricsPort } : {};
  log("info", "redirector listening", { port: redirector.port, shortDomains: config.shortDomains, ...store, redis: Boolean(config.redisUrl), ...metrics });

  let stopping = false;
  const shutdown = (signal: string) => {
    // A second signal (the cluster primary forwards the one a terminal sent to the whole group) is ignored.
    if (stopping) return;
    stopping = true;
    log("info", "redirector shutting down", { signal });
    setTimeout(() => {
      log("error", "graceful shutdown timed out; exiting", { timeoutSeconds: config.shutdownSeconds });
      process.exit(1);
    }, config.shutdownSeconds * 1000).unref();
    redirector
      .close()
      // The spans of the last requests and click batches, exported before the process ends.
      .then(() => tracing?.shutdown().catch((error) => log("warn", "trace export at shutdown failed", { error: String(error) })))
      .then(
        () => exitFlushed(0),
        (error) => {
          log("error", "shutdown failed", { error: String(error) });
          exitFlushed(1);
        },
      );
  };
  for (const signal of SIGNALS) process.on(signal, shutdown);
}

function runPrimary(workers: number, config: RedirectorConfig): void {
  log("info", "redirector primary starting workers", { workers });

  const live = new Set<Worker>();
  let stopping = false;
  let exitCode = 0;

  const stopAll = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const worker of live) worker.process.kill(signal);
  };

  const fork = () => {
    const worker = cluster.fork();
    let listening = false;
    live.add(worker);
    worker.once("listening", () => (listening = true));
    worker.once("exit", (code, signal) => {
      live.delete(worker);
      if (!stopping) {
        if (listening) {
          // A crash after start: replace the worker, the others keep serving.
          log("warn", "redirector worker died; starting a new one", { worker: worker.process.pid, code, signal });
          setTimeout(fork, 500);
          return;
        }
        // It never started (bad port, ...): a restart loop would not help.
        exitCode = code || 1;
        stopAll("SIGTERM");
      } else if (code) {
        exitCode = code;
      }
      if (live.size === 0) process.exit(exitCode);
    });
  };

  for (let i = 0; i < workers; i++) fork();
  // Direct mode's metrics port: one scrape answers for every worker (their registries, summed).
  if (config.metrics) {
    const { port, token } = config.metrics;
    import("./metrics").then(({ clusterMetrics, serveMetrics }) => serveMetrics({ port, token, collect: clusterMetrics() })).then(
      (server) => log("info", "redirector metrics listening", { metricsPort: server.port }),
      (error: unknown) => {
        // Like a worker that cannot start (a taken port): stop rather than serve without metrics.
        log("error", "redirector metrics port failed", { error: String(error), metricsPort: port });
        exitCode = 1;
        stopAll("SIGTERM");
      },
    );
  }
  for (const signal of SIGNALS) {
    process.on(signal, () => {
      log("info", "redirector primary forwarding signal", { signal });
      stopAll(signal);
    });
  }
}

const config = loadConfig();
setLogLevel(config.logLevel);
const workers = config.workers === "auto" ? availableParallelism() : config.workers;
if (workers > 1 && cluster.isPrimary) runPrimary(workers, config);
else void runWorker(config);
