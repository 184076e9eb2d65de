// Helpers the benchmark scripts share (bench:redirect, bench:ingest, bench:analytics, bench:timing).
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import pg from "pg";

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** `url` pointing at database `name` on the same server. */
export function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** One statement on DATABASE_URL's server, on a connection of its own (CREATE / DROP DATABASE). */
export async function admin(sql) {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A child Node process in production mode with a minimal environment plus `env`, its output kept
 * (benchmarks print it when a process fails). Returns `{ child, output() }`.
 */
export function startChild(cwd, argv, env) {
  const child = spawn(process.execPath, argv, {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  return { child, output: () => output };
}

/** SIGTERM, then SIGKILL after 30 s; resolves once the process has exited. */
export async function stopChild(started) {
  if (!started || started.child.exitCode !== null || started.child.signalCode !== null) return;
  const exited = new Promise((resolve) => started.child.once("exit", resolve));
  started.child.kill("SIGTERM");
  const timer = setTimeout(() => started.child.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}
