// Builds the Next app when the sources changed since the last build (or there is none).
// Used by `npm start` and by the test suite's one shared build.
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const INPUTS = ["src", "drizzle", "middleware.ts", "instrumentation.ts", "next.config.ts", "package-lock.json", "tsconfig.json"];
const STAMP = path.join(root, ".next", "signpost-build-fingerprint");

function* walk(target) {
  if (!existsSync(target)) return;
  const stat = statSync(target);
  if (stat.isFile()) {
    yield target;
    return;
  }
  for (const entry of readdirSync(target, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    yield* walk(path.join(target, entry.name));
  }
}

/** A hash of the build inputs' contents (not mtimes, so fresh clones and CI agree). */
export function sourceFingerprint(inputs = INPUTS) {
  const hash = createHash("sha256");
  for (const input of inputs) {
    for (const file of walk(path.join(root, input))) {
      if (/\.test\.tsx?$/.test(file)) continue;
      hash.update(path.relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
    }
  }
  return hash.digest("hex");
}

export function buildIsCurrent() {
  return existsSync(path.join(root, ".next", "BUILD_ID")) && existsSync(STAMP) && readFileSync(STAMP, "utf8") === sourceFingerprint();
}

/** Runs `next build` unless the existing build matches the sources. Throws when the build fails. */
export function ensureBuild({ quiet = false } = {}) {
  if (buildIsCurrent()) return false;
  const fingerprint = sourceFingerprint();
  if (!quiet) console.log("Signpost: building the app (first start or sources changed)…");
  const result = spawnSync(process.execPath, [path.join(root, "node_modules", "next", "dist", "bin", "next"), "build"], {
    cwd: root,
    stdio: quiet ? "pipe" : "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`next build failed (exit ${result.status})${quiet ? `\n${result.stdout}\n${result.stderr}` : ""}`);
  }
  writeFileSync(STAMP, fingerprint);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureBuild();
}
