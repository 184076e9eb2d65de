/**
 * Starts the built app (`next start`) on a free port, the way `npm start` runs it, with its own
 * database: a fresh PGlite data folder or a fresh Postgres database cloned from the template.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Backend } from "./databases";
import { clonePglite, clonePostgres } from "./templates";

const root = fileURLToPath(new URL("../..", import.meta.url));
const NEXT_BIN = path.join(root, "node_modules", "next", "dist", "bin", "next");
export const TEST_SECRET = "e2e-secret-0123456789abcdef0123456789abcdef";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningApp {
  url: string;
  port: number;
  env: Record<string, string>;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" };
}

/** `next start` on `port` with exactly `env` (plus PATH/HOME), output captured. */
function spawnNext(env: Record<string, string>, port: number) {
  const child = spawn(process.execPath, [NEXT_BIN, "start", "-p", String(port)], { cwd: root, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** Spawns `next start` and resolves when it answers, or rejects with its output if it exits. */
export async function spawnApp(env: Record<string, string>, options: { port?: number; timeoutMs?: number } = {}): Promise<RunningApp> {
  const port = options.port ?? (await freePort());
  const url = `http://localhost:${port}`;
  const fullEnv: Record<string, string> = { ...baseEnv(), APP_URL: url, SIGNPOST_SECRET: TEST_SECRET, ...env };
  // Apps of parallel test files share one Redis: each gets its own click stream.
  if (fullEnv.REDIS_URL && !fullEnv.REDIS_KEY_PREFIX) fullEnv.REDIS_KEY_PREFIX = `test-${port}-${process.pid}:`;
  const { child, exited, output } = spawnNext(fullEnv, port);

  const app: RunningApp = {
    url,
    port,
    env: fullEnv,
    child,
    output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`app exited with code ${child.exitCode} before answering:\n${output()}`);
    try {
      const response = await fetch(`${url}/api/v1/setup`);
      // Ready once the database is open: the setup endpoint answers from it.
      if (response.status === 200) return app;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await app.stop();
  throw new Error(`app did not answer within the timeout:\n${output()}`);
}

/** Runs `next start` with `env` until it exits by itself (start-up failures); killed after the timeout. */
export async function runToExit(env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const { child, exited, output } = spawnNext({ ...baseEnv(), ...env }, await freePort());
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await exited;
  clearTimeout(timer);
  return { code, output: output() };
}

/** The app on a fresh database of the given backend; `stop` also deletes the database. */
export async function startApp(backend: Backend, env: Record<string, string> = {}): Promise<RunningApp & { dataDir?: string }> {
  if (backend === "postgres") {
    const clone = await clonePostgres();
    const app = await spawnApp({ DATABASE_URL: clone.url, ...env });
    return {
      ...app,
      stop: async () => {
        await app.stop();
        await clone.drop();
      },
    };
  }
  const clone = clonePglite();
  const app = await spawnApp({ DATA_DIR: clone.dataDir, ...env });
  return {
    ...app,
    dataDir: clone.dataDir,
    stop: async () => {
      await app.stop();
      clone.remove();
    },
  };
}

/** A desktop browser's user agent, so test clicks count as human (isbot flags curl and undici). */
export const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
