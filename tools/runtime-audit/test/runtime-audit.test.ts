import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * next-runtime-audit on small fixture projects with known answers, run exactly as a user runs it
 * (the bin, with --json), plus the real project this repository is.
 */

const run = promisify(execFile);
const tool = path.resolve(import.meta.dirname, "..");
const bin = path.join(tool, "bin", "runtime-audit.mjs");
const fixtures = path.join(tool, "test", "fixtures");
const fixture = (name: string) => path.join(fixtures, name);

type Finding = { rule: string; severity: string; target: string; chain: string[]; entry: string };
type Entry = { file: string; kind: string; runtime: string; source: string; verdict: string; reason?: string; reach?: { packages: string[] } };
type Hint = { entry: string; kind: string; category: string; target: string };
type Result = {
  entries: Entry[];
  violations: Finding[];
  warnings: Finding[];
  notes: Finding[];
  hints: Hint[];
  unresolved: unknown[];
  build: null | { functions: { name: string; gzipBytes: number }[]; stubs: { module: string }[] };
  exitCode: number;
  durationMs: number;
};

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

async function auditJson(dir: string, extra: string[] = []): Promise<Result & { code: number }> {
  const { code, stdout, stderr } = await cli([dir, "--json", ...extra]);
  expect(stderr).toBe("");
  const result = JSON.parse(stdout) as Result;
  expect(result.exitCode).toBe(code);
  return { ...result, code };
}

/** Every finding of every severity, as "rule target: chain". */
const findings = (r: Result) => [...r.violations, ...r.warnings, ...r.notes].map((f) => `${f.rule} ${f.target}: ${f.chain.join(" > ")}`).sort();
const runtimes = (r: Result) => Object.fromEntries(r.entries.map((e) => [e.file, e.runtime]));

beforeAll(() => {
  // node_modules/ is git-ignored, so fake packages live in vendor/ and are copied in.
  for (const name of readdirSync(fixtures)) {
    const vendor = path.join(fixture(name), "vendor");
    if (!existsSync(vendor)) continue;
    rmSync(path.join(fixture(name), "node_modules"), { recursive: true, force: true });
    cpSync(vendor, path.join(fixture(name), "node_modules"), { recursive: true });
  }
  // The "built" fixture: a fake build with one edge function made of an incompressible chunk
  // (~1.5 MB gzipped: over Vercel Hobby, under Pro) and a chunk holding one Node-module stub.
  const next = path.join(fixture("built"), ".next");
  rmSync(next, { recursive: true, force: true });
  mkdirSync(path.join(next, "server", "edge", "chunks"), { recursive: true });
  writeFileSync(path.join(next, "server", "edge", "chunks", "big.js"), `/* ${randomBytes(1_500_000).toString("base64")} */\n`);
  writeFileSync(
    path.join(next, "server", "edge", "chunks", "stub.js"),
    // The runtime's own definition of the helper must not count; only its use does.
    `Object.defineProperty(globalThis,"__import_unsupported",{value:function(e){}});\nconst c=globalThis.__import_unsupported('crypto');\n`,
  );
  const files = ["server/edge/chunks/big.js", "server/edge/chunks/stub.js"];
  writeFileSync(
    path.join(next, "server", "middleware-manifest.json"),
    JSON.stringify({ version: 3, middleware: { "/": { files, name: "middleware", page: "/", matchers: [], wasm: [], assets: [] } }, sortedMiddleware: ["/"], functions: {} }),
  );
});

describe("fixtures: the findings are exactly the expected ones", () => {
  it("direct-fs: a direct `fs` import in middleware.ts", async () => {
    const r = await auditJson(fixture("direct-fs"));
    expect(r.code).toBe(1);
    expect(runtimes(r)).toEqual({ "middleware.ts": "edge" });
    expect(findings(r)).toEqual(["node-builtin fs: middleware.ts > fs"]);
  });

  it("transitive: fs inside a node_modules package, through tsconfig paths; type-only imports ignored", async () => {
    const r = await auditJson(fixture("transitive"));
    expect(r.code).toBe(1);
    expect(findings(r)).toEqual([
      "node-builtin fs/promises: middleware.ts > src/lib/load.ts > node_modules/deep-pkg/index.js > node_modules/deep-pkg/lib/read.js > node:fs/promises",
    ]);
    // `import type` of node:fs and of a Node-only package never reach the bundle.
    expect(r.entries[0]?.reach?.packages).toEqual(["deep-pkg"]);
  });

  it("conditions: a package whose edge-light export is safe while its node export is not", async () => {
    const r = await auditJson(fixture("conditions"));
    expect(r.code).toBe(0);
    expect(findings(r)).toEqual([]);
    expect(r.entries[0]?.reach?.packages).toEqual(["dual-pkg"]);
  });

  it("eval-dep: eval in a dependency", async () => {
    const r = await auditJson(fixture("eval-dep"));
    expect(r.code).toBe(1);
    expect(findings(r)).toEqual(["dynamic-code eval(): middleware.js > node_modules/evil-pkg/index.mjs:2"]);
  });

  it("built: an oversize edge function and a Node-module stub in the built code", async () => {
    const r = await auditJson(fixture("built"));
    expect(r.code).toBe(1);
    expect(findings(r)).toEqual([
      "bundle-budget middleware: server/edge/chunks/big.js > server/edge/chunks/stub.js",
      "unsupported-module-stub crypto: .next/server/edge/chunks/stub.js",
    ]);
    const gzip = r.build?.functions[0]?.gzipBytes ?? 0;
    expect(gzip).toBeGreaterThan(1024 * 1024);
    expect(gzip).toBeLessThan(2 * 1024 * 1024);
    // A bigger budget leaves only the stub.
    const pro = await auditJson(fixture("built"), ["--budget", "vercel-pro"]);
    expect(findings(pro)).toEqual(["unsupported-module-stub crypto: .next/server/edge/chunks/stub.js"]);
  });

  it("built: the config file can allow-list a stub and set a budget", async () => {
    const config = path.join(fixture("built"), ".next", "audit-config.json");
    writeFileSync(config, JSON.stringify({ budgets: { tiny: "2 MB" }, budget: "tiny", allow: [{ rule: "unsupported-module-stub", target: "crypto" }] }));
    const r = await auditJson(fixture("built"), ["--config", config]);
    expect(r.code).toBe(0);
    expect(findings(r)).toEqual([]);
  });

  it("clean: no findings, and the runtime map follows the segment config", async () => {
    const r = await auditJson(fixture("clean"));
    expect(r.code).toBe(0);
    expect(findings(r)).toEqual([]);
    expect(r.unresolved).toEqual([]);
    expect(runtimes(r)).toEqual({
      "middleware.ts": "edge",
      "app/api/edge/route.ts": "edge",
      "app/page.tsx": "node",
      "pages/api/legacy.ts": "edge",
    });
    expect(r.build).toBeNull();
  });

  it("hints: edge doing serious work; Node routes that could move, should stay, must stay", async () => {
    const r = await auditJson(fixture("hints"));
    expect(r.code).toBe(0);
    expect(findings(r)).toEqual(["polyfilled-builtin buffer: middleware.ts > node:buffer"]);
    expect(r.hints.map((h) => `${h.entry} ${h.kind} ${h.target}`).sort()).toEqual([
      "app/api/ping/route.ts could-move-to-edge app/api/ping/route.ts",
      "app/api/users/route.ts keep-on-node @neondatabase/serverless",
      "middleware.ts serious-work-at-edge STRIPE_SECRET_KEY",
      "middleware.ts serious-work-at-edge stripe",
    ]);
    const files = r.entries.find((e) => e.file === "app/api/files/route.ts");
    expect(files?.verdict).toBe("node: required");
    expect(files?.reason).toBe("fs/promises (node-builtin)");
  });

  it("node-middleware: config.runtime 'nodejs' and proxy.ts run on Node and are not walked", async () => {
    const r = await auditJson(fixture("node-middleware"));
    expect(r.code).toBe(0);
    expect(runtimes(r)).toEqual({ "middleware.ts": "node", "proxy.ts": "node" });
    expect(findings(r)).toEqual([]);
  });
});

describe("output", () => {
  it("prints a table, Markdown, and exits 2 on bad usage", async () => {
    const text = await cli([fixture("direct-fs")]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/Runtime map/);
    expect(text.stdout).toMatch(/\[node-builtin\] Node built-in 'fs' is not available in the edge runtime\n\s+middleware\.ts → fs/);
    const md = await cli([fixture("direct-fs"), "--markdown"]);
    expect(md.stdout).toMatch(/^### Runtime audit ❌ 1 violation\(s\)/);
    expect(md.stdout).toMatch(/\| `middleware.ts` \| middleware \| edge \|/);
    expect((await cli([fixture("direct-fs"), "--budget", "nope"])).code).toBe(2);
    expect((await cli(["--nope"])).code).toBe(2);
  });
});

describe("Signpost itself", () => {
  it("is clean, with middleware.ts on the edge and every route and page on Node", async () => {
    const root = path.resolve(tool, "..", "..");
    const r = await auditJson(root);
    expect(r.violations).toEqual([]);
    expect(r.code).toBe(0);
    const map = runtimes(r);
    expect(map["middleware.ts"]).toBe("edge");
    const app = r.entries.filter((e) => e.file.startsWith("src/app/"));
    expect(app.length).toBeGreaterThan(0);
    for (const e of app) expect([e.file, e.runtime]).toEqual([e.file, "node"]);
    expect(r.entries.find((e) => e.file === "middleware.ts")?.reach?.packages).toEqual(["@noble/hashes", "@opentelemetry/api", "isbot", "ua-parser-js", "uuid", "zod"]);
  });
});
