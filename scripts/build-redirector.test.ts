import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
// @ts-expect-error -- plain ESM script without types
import { bundleRedirector } from "./build-redirector.mjs";

interface Output {
  imports: { path: string; kind: string; external?: boolean }[];
  inputs: Record<string, unknown>;
  entryPoint?: string;
}

const outdir = mkdtempSync(path.join(tmpdir(), "signpost-redirector-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

test("the redirector bundle: plain JS, packages left to node_modules, direct mode a chunk loaded on demand", async () => {
  const { outputs } = (await (bundleRedirector as (dir: string) => Promise<{ outputs: Record<string, Output> }>)(outdir)) as { outputs: Record<string, Output> };
  const js = Object.entries(outputs).filter(([file]) => file.endsWith(".mjs"));
  const entry = js.find(([file]) => path.basename(file) === "redirector.mjs");
  expect(entry, Object.keys(outputs).join(", ")).toBeDefined();

  const external = js.flatMap(([, output]) => output.imports.filter((i) => i.external).map((i) => i.path));
  // The packages the edge app and its Node host import, not our sources; `server-only` is aliased away.
  expect(external).toContain("ioredis");
  expect(external.some((p) => p.endsWith(".ts") || p.startsWith("@/") || p.startsWith("."))).toBe(false);
  expect(external).not.toContain("server-only");

  // Everything the entry loads before it runs: its static imports, followed through chunks.
  const byFile = new Map(js.map(([file, output]) => [path.resolve(file), output]));
  const eager = new Set<string>();
  const visit = (file: string) => {
    if (eager.has(file)) return;
    eager.add(file);
    for (const i of byFile.get(file)?.imports ?? []) if (!i.external && i.kind === "import-statement") visit(path.resolve(i.path));
  };
  visit(path.resolve(entry![0]));
  const holding = (source: string) => [...byFile].filter(([, output]) => Object.keys(output.inputs).some((input) => input.endsWith(source))).map(([file]) => file);
  const direct = holding("src/hosts/node/direct.ts");
  expect(direct).toHaveLength(1);
  expect(eager.has(direct[0]!)).toBe(false);
  // The database code it brings is only in that lazy part too.
  for (const file of holding("src/server/db/client.ts")) expect(eager.has(file)).toBe(false);
});
