import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
// @ts-expect-error -- plain ESM script without types
import { bundleNode, ensureNodeBuild } from "./build-node.mjs";

interface Output {
  imports: { path: string; kind: string; external?: boolean }[];
  inputs: Record<string, unknown>;
}

const outdir = mkdtempSync(path.join(tmpdir(), "signpost-node-bundle-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

let js: [string, Output][];
beforeAll(async () => {
  const { outputs } = (await (bundleNode as (dir: string) => Promise<{ outputs: Record<string, Output> }>)(outdir)) as { outputs: Record<string, Output> };
  js = Object.entries(outputs).filter(([file]) => file.endsWith(".mjs"));
}, 60_000);

/** The output file of an entry, and everything it loads before it runs: its static imports, followed through chunks. */
function eagerFrom(name: string) {
  const entry = js.find(([file]) => path.basename(file) === name);
  expect(entry, js.map(([file]) => file).join(", ")).toBeDefined();
  const byFile = new Map(js.map(([file, output]) => [path.resolve(file), output]));
  const eager = new Set<string>();
  const visit = (file: string) => {
    if (eager.has(file)) return;
    eager.add(file);
    for (const i of byFile.get(file)?.imports ?? []) if (!i.external && i.kind === "import-statement") visit(path.resolve(i.path));
  };
  visit(path.resolve(entry![0]));
  const external = [...eager].flatMap((file) => byFile.get(file)!.imports.filter((i) => i.external).map((i) => i.path));
  return { eager, external };
}
/** The output files that hold a source file. */
const holding = (source: string) => js.filter(([, output]) => Object.keys(output.inputs).some((input) => input.endsWith(source))).map(([file]) => path.resolve(file));

test("plain JS: packages left to node_modules, our sources and `server-only` bundled", () => {
  const external = js.flatMap(([, output]) => output.imports.filter((i) => i.external).map((i) => i.path));
  expect(external).toEqual(expect.arrayContaining(["ioredis", "pg"]));
  expect(external.some((p) => p.endsWith(".ts") || p.startsWith("@/") || p.startsWith("."))).toBe(false);
  expect(external).not.toContain("server-only");
});

test("the redirector: direct mode and the database code it brings are a chunk loaded on demand", () => {
  const { eager } = eagerFrom("redirector.mjs");
  const direct = holding("src/hosts/node/direct.ts");
  expect(direct).toHaveLength(1);
  expect(eager.has(direct[0]!)).toBe(false);
  for (const file of holding("src/server/db/client.ts")) expect(eager.has(file)).toBe(false);
  // Nothing of the worker's own runs in a redirector.
  for (const file of holding("src/server/jobs/runner.ts")) expect(eager.has(file)).toBe(false);
});

test("the worker: pg, ioredis and the server code load only after tracing is set up (their hooks patch them on load)", () => {
  const { eager, external } = eagerFrom("worker.mjs");
  expect(holding("src/tracing/node.ts").some((file) => eager.has(file))).toBe(true);
  for (const source of ["src/server/db/client.ts", "src/server/clicks/stream.ts", "src/server/jobs/runner.ts"]) {
    const files = holding(source);
    expect(files.length, source).toBeGreaterThan(0);
    for (const file of files) expect(eager.has(file), source).toBe(false);
  }
  expect(external).not.toContain("pg");
  expect(external).not.toContain("ioredis");
});

test("ensureNodeBuild: builders racing (workers starting together) all succeed and leave one whole build", async () => {
  const dir = path.join(outdir, "race", "node");
  const results = await Promise.all(Array.from({ length: 3 }, () => (ensureNodeBuild as (o: object) => Promise<boolean>)({ quiet: true, dir })));
  expect(results).toContain(true);
  expect(readdirSync(dir)).toEqual(expect.arrayContaining(["redirector.mjs", "worker.mjs", "fingerprint"]));
  // No staging or swapped-out folder is left beside it, and the build now counts as current.
  expect(readdirSync(path.dirname(dir))).toEqual(["node"]);
  expect(await (ensureNodeBuild as (o: object) => Promise<boolean>)({ quiet: true, dir })).toBe(false);
});
