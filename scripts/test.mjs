// `npm test`: every test project (edge runtime, unit, integration, end-to-end) in one Vitest run,
// closing with one plain line `N passed, N failed` (and skipped, when any) for people and CI.
// Extra arguments go to Vitest, e.g. `npm test -- --project edge`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), "signpost-test-report-"));
const report = path.join(dir, "report.json");

const result = spawnSync(
  process.execPath,
  [path.join(root, "node_modules", "vitest", "vitest.mjs"), "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } },
);

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const json = JSON.parse(readFileSync(report, "utf8"));
  passed = json.numPassedTests;
  failed = json.numFailedTests + countFilesThatFailedWithoutATest(json);
  skipped = json.numPendingTests + json.numTodoTests;
} catch {
  // No report: Vitest failed before running anything.
  failed = Math.max(failed, 1);
}
rmSync(dir, { recursive: true, force: true });

// A file that failed to load (syntax error, failing beforeAll) has no failed tests of its own:
// count it once so the closing line never says "0 failed" for a broken run.
function countFilesThatFailedWithoutATest(json) {
  return json.testResults.filter((file) => file.status === "failed" && !file.assertionResults.some((t) => t.status === "failed")).length;
}

if (result.status !== 0 && failed === 0) failed = 1;
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(result.status ?? 1);
