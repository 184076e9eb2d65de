// Helpers the benchmark scripts share (bench:redirect, bench:ingest, bench:analytics, bench:timing).
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
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

// USER_HZ: 100 on every Linux build Node supports.
export const CLOCK_TICKS = 100;

/** /proc/<pid>/stat's fields after the parenthesised command name, or null (gone, or not Linux). */
function statFields(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return { command: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), fields: stat.slice(stat.lastIndexOf(")") + 2).split(" ") };
  } catch {
    return null;
  }
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); NaN elsewhere. */
export function cpuMs(pid) {
  const stat = statFields(pid);
  // utime and stime are the 12th and 13th fields after the command name.
  return stat ? ((Number(stat.fields[11]) + Number(stat.fields[12])) * 1000) / CLOCK_TICKS : NaN;
}

/**
 * CPU time (ms) used so far by every process on this machine whose command is `command`
 * ("postgres", "redis-server"), with what their exited children used (a Postgres backend that
 * ended): the cost of a service running here, whichever connection caused it. NaN without /proc.
 */
export function commandCpuMs(command) {
  let names;
  try {
    names = readdirSync("/proc");
  } catch {
    return NaN;
  }
  let ticks = 0;
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const stat = statFields(name);
    if (stat?.command !== command) continue;
    // utime, stime, cutime, cstime
    ticks += Number(stat.fields[11]) + Number(stat.fields[12]) + Number(stat.fields[13]) + Number(stat.fields[14]);
  }
  return (ticks * 1000) / CLOCK_TICKS;
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
