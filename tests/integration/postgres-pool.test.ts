/**
 * The app's Postgres pool when the server closes one of its idle connections (Postgres restart,
 * failover, pg_terminate_backend, a proxy's idle timeout). Runs in a child process, because the
 * failure mode is the whole process crashing. Postgres only (DATABASE_URL).
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { clonePostgres } from "../support/templates";

const ROOT = path.resolve(import.meta.dirname, "../..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");
const SCRIPT = path.join(ROOT, "tests/integration/scripts/terminate-idle-connection.ts");

interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runChild(url: string): Promise<ChildRun> {
  return new Promise((resolve) => {
    // react-server: resolves `server-only` to its no-op build, as Next does for server code.
    execFile(TSX, ["--conditions=react-server", SCRIPT, url], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe.skipIf(!process.env.DATABASE_URL)("the Postgres pool", () => {
  let clone: Awaited<ReturnType<typeof clonePostgres>>;
  let run: ChildRun;

  beforeAll(async () => {
    clone = await clonePostgres();
    run = await runChild(clone.url);
  });
  afterAll(async () => {
    await clone?.drop();
  });

  test("the child opened the database and held an idle pooled connection", () => {
    expect(run.stdout, run.stderr).toContain("idle connection open");
  });

  // node-postgres re-emits an idle connection's error on the pool; without a listener Node would
  // crash ("Unhandled 'error' event", FATAL 57P01). openDatabase installs one.
  test("the process survives and the next query succeeds", () => {
    expect(run.stdout).toContain('survived [{"ok":1}]');
    expect(run.code).toBe(0);
  });
});
