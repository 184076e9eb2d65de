/**
 * Starts the standalone Node redirector (src/hosts/node) as a child process, as `npm run
 * start:redirector` does: from its bundle in dist/node/, which the hosts project's globalSetup
 * builds (tests/support/build-once.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const START = path.join("scripts", "start-redirector.mjs");
/** Redis-backed tests run when REDIS_URL is set (CI: redis://127.0.0.1:6379). */
export const REDIS_URL = process.env.REDIS_URL;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Visits (through `visit`) until the answer's Location is `expected` or `withinMs` have passed since
 * the call; returns the last Location seen and how long it took.
 */
export async function locationWithin(visit: () => Promise<Response>, expected: string, withinMs: number): Promise<{ location: string | null; ms: number }> {
  const started = Date.now();
  let location: string | null = null;
  while (Date.now() - started < withinMs) {
    location = (await visit()).headers.get("location");
    if (location === expected) break;
    await sleep(50);
  }
  return { location, ms: Date.now() - started };
}

/** A series' value in Prometheus text (`name{label="v"} 12`); 0 when the series is absent. */
export const metricValue = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, "\\$&")} (\\d+)$`, "m").exec(text)?.[1] ?? 0);

export interface Redirector {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
  /** SIGTERM and the exit code (SIGKILL after 20 s). */
  stop(): Promise<number | null>;
}

export function spawnRedirector(env: Record<string, string>, command: "node" | "npm" = "node") {
  const fullEnv: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env };
  // `npm` goes through npm itself, as a user would; `node` runs the script npm runs, without npm.
  const [file, args] = command === "node" ? [process.execPath, [START]] : ["npm", ["run", "--silent", "start:redirector"]];
  const child: ChildProcess = spawn(file, args, { cwd: root, env: fullEnv as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, output: () => output };
}

export const running = new Set<Redirector>();

export async function startRedirector(port: number, env: Record<string, string>): Promise<Redirector> {
  const url = `http://localhost:${port}`;
  const { child, exited, output } = spawnRedirector({ REDIRECTOR_PORT: String(port), ...env });
  const redirector: Redirector = {
    url,
    child,
    exited,
    output,
    stop: async () => {
      running.delete(redirector);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  running.add(redirector);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redirector exited with ${child.exitCode}:\n${output()}`);
    let answers = false;
    try {
      answers = (await fetch(`${url}/robots.txt`)).status === 200;
    } catch {
      // not listening yet
    }
    if (answers) {
      // Its log lines are written asynchronously (and read from the pipe in their own time), so an
      // answer can come before the "redirector listening" line is in output(): wait for that too.
      const logged = Date.now() + 5_000;
      while (!output().includes('"msg":"redirector listening"') && Date.now() < logged) await sleep(20);
      return redirector;
    }
    await sleep(100);
  }
  await redirector.stop();
  throw new Error(`redirector did not answer:\n${output()}`);
}

/**
 * Waits until the redirector's Redis subscription to link changes is confirmed. Until then its
 * cache keeps the short TTL, and the confirmation marks every entry cached before it stale (a push
 * could have been missed), so a test that expects a cache hit must not visit before it.
 */
export async function waitForSubscribed(redirector: Redirector): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!redirector.output().includes('"msg":"subscribed to link changes"')) {
    if (Date.now() > deadline) throw new Error(`the redirector did not subscribe to link changes:\n${redirector.output()}`);
    await sleep(50);
  }
}

/** Waits until `count` processes have logged that they listen (multi-core mode: the first answer comes from one of them). */
export async function waitForListening(redirector: Redirector, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((redirector.output().match(/"msg":"redirector listening"/g)?.length ?? 0) < count) {
    if (Date.now() > deadline) throw new Error(`${count} redirector processes did not start:\n${redirector.output()}`);
    await sleep(50);
  }
}
