import { execFile } from "node:child_process";
import { cpSync, mkdirSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * The runtime boundary (.dependency-cruiser.cjs) must fail on a tree that breaks it
 * (tests/fixtures/boundary-violation) and pass on the real one - run exactly as CI runs it.
 */

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");
const depcruise = path.join(root, "node_modules", ".bin", "depcruise");
const config = path.join(root, ".dependency-cruiser.cjs");
const fixture = path.join(root, "tests", "fixtures", "boundary-violation");

type Outcome = { code: number; stdout: string; stderr: string };

async function cruise(cwd: string, extraArgs: string[] = []): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(depcruise, ["--config", config, ...extraArgs, "src", "middleware.ts"], {
      cwd,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

type Violation = { type: string; from: string; to: string; rule: { name: string; severity: string } };

async function violations(cwd: string): Promise<Violation[]> {
  // The json reporter always exits 0; it is only used for the structured list.
  const { stdout } = await cruise(cwd, ["--output-type", "json"]);
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

const found = (list: Violation[], rule: string, from: string, to: RegExp) =>
  list.some((v) => v.rule.name === rule && v.rule.severity === "error" && v.from === from && to.test(v.to));

describe("runtime boundary (depcruise)", () => {
  beforeAll(() => {
    // node_modules/ is git-ignored, so the fixture keeps its two fake packages in vendor/.
    for (const pkg of ["node-only-pkg", "edge-aware-pkg"]) {
      mkdirSync(path.join(fixture, "node_modules"), { recursive: true });
      cpSync(path.join(fixture, "vendor", pkg), path.join(fixture, "node_modules", pkg), { recursive: true });
    }
  });

  it("fails on the violating fixture and names the violations", async () => {
    const { code, stdout, stderr } = await cruise(fixture);
    const output = stdout + stderr;
    expect(code, output).not.toBe(0);
    // edge code -> project module -> node:fs
    expect(output).toMatch(/error edge-no-node-builtins: src\/edge\/bad\.ts → fs/);
    // edge code -> pg
    expect(output).toMatch(/error edge-no-db-drivers: src\/edge\/bad-db\.ts → \S*node_modules\/pg\//);
  }, 120_000);

  it("catches each kind of reach, and only those", async () => {
    const list = await violations(fixture);
    const expected: [string, string, RegExp][] = [
      ["edge-no-node-builtins", "src/edge/bad.ts", /^fs$/],
      ["edge-no-node-builtins", "src/edge/read-file.ts", /^fs$/],
      ["edge-no-node-builtins-direct", "src/edge/read-file.ts", /^fs$/],
      // through a package in node_modules that imports node:crypto
      ["edge-no-node-builtins", "src/edge/bad-package.ts", /^crypto$/],
      // the bare `fs` form
      ["edge-no-node-builtins", "src/core/bad-core.ts", /^fs$/],
      ["edge-no-node-builtins-direct", "src/core/bad-core.ts", /^fs$/],
      ["edge-no-db-drivers", "src/edge/bad-db.ts", /(^|\/)node_modules\/pg\//],
      ["edge-no-db-drivers", "src/config/bad-config.ts", /(^|\/)node_modules\/pg\//],
      ["edge-no-server-or-app", "src/config/bad-config.ts", /^src\/server\/db\.ts$/],
      ["edge-no-server-or-app", "middleware.ts", /^src\/app\/route\.ts$/],
      ["edge-no-server-or-app", "middleware.ts", /^src\/server\/db\.ts$/],
      ["core-not-to-edge", "src/core/bad-layer.ts", /^src\/edge\/pages\.ts$/],
    ];
    for (const [rule, from, to] of expected) {
      expect(found(list, rule, from, to), `${rule}: ${from} → ${to}\n${JSON.stringify(list, null, 2)}`).toBe(true);
    }
    // Type-only imports are erased, and edge-light exports are what the edge gets.
    const clean = ["src/edge/ok-types.ts", "src/edge/ok-edge-aware.ts", "src/edge/pages.ts"];
    expect(list.filter((v) => clean.includes(v.from))).toEqual([]);
  }, 120_000);

  it("passes on the real tree (src middleware.ts)", async () => {
    const { code, stdout, stderr } = await cruise(root);
    expect(code, stdout + stderr).toBe(0);
    expect(stdout).toMatch(/no dependency violations found/);
  }, 120_000);
});
