// After `next build`: Next's unsupported-module stubs inside the built edge code, and the gzip
// size of each edge function (the files middleware-manifest.json lists) against the budgets.

import fs from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

// webpack emits `globalThis.__import_unsupported('fs')` (next/dist/build/webpack/plugins/middleware-plugin.js),
// Turbopack `__import_unsupported(`fs`)` (the string in @next/swc); the runtime defines the function
// in next/dist/server/web/globals.js, and that definition must not count.
const STUB = /__import_unsupported\(\s*(['"`])([^'"`]+)\1\s*\)/g;
// Next's runtime error for Node APIs used at the edge, when compiled into a chunk as a call.
const API_STUB = /A Node\.js API is used \(([^)]*?)\) which is not supported in the Edge Runtime/g;

export const DEFAULT_BUDGETS = {
  "vercel-hobby": 1 * 1024 * 1024,
  "vercel-pro": 2 * 1024 * 1024,
  "vercel-enterprise": 4 * 1024 * 1024,
  "cloudflare-free": 3 * 1024 * 1024,
  "cloudflare-paid": 10 * 1024 * 1024,
};

/**
 * @param {string} root
 * @returns {null | { functions: { name: string, page: string, files: string[], rawBytes: number, gzipBytes: number }[],
 *   stubs: { module: string, file: string, kind: "module" | "api" }[] }}
 */
export function inspectBuild(root) {
  const next = path.join(root, ".next");
  const manifestFile = path.join(next, "server", "middleware-manifest.json");
  if (!fs.existsSync(manifestFile)) return null;
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
  const defs = [...Object.values(manifest.middleware ?? {}), ...Object.values(manifest.functions ?? {})];
  const functions = [];
  const scanned = new Set();
  const stubs = [];
  const scan = (abs) => {
    if (scanned.has(abs) || !abs.endsWith(".js") || !fs.existsSync(abs)) return;
    scanned.add(abs);
    const text = fs.readFileSync(abs, "utf8");
    const file = path.relative(root, abs).split(path.sep).join("/");
    for (const m of text.matchAll(STUB)) stubs.push({ module: m[2], file, kind: "module" });
    for (const m of text.matchAll(API_STUB)) if (!/\$\{/.test(m[1])) stubs.push({ module: m[1], file, kind: "api" });
  };
  for (const def of defs) {
    const files = [...(def.files ?? []), ...(def.wasm ?? []).map((w) => w.filePath), ...(def.assets ?? []).map((a) => a.filePath)].filter(Boolean);
    let rawBytes = 0;
    let gzipBytes = 0;
    for (const f of files) {
      const abs = path.join(next, f);
      if (!fs.existsSync(abs)) continue;
      const buf = fs.readFileSync(abs);
      rawBytes += buf.length;
      gzipBytes += gzipSync(buf).length;
      scan(abs);
    }
    functions.push({ name: def.name ?? def.page, page: def.page, files, rawBytes, gzipBytes });
  }
  // Edge chunks not listed by any function (and webpack's middleware.js layout).
  const chunksDir = path.join(next, "server", "edge", "chunks");
  if (fs.existsSync(chunksDir)) for (const f of fs.readdirSync(chunksDir)) scan(path.join(chunksDir, f));
  for (const f of fs.readdirSync(path.join(next, "server"))) if (/^middleware.*\.js$/.test(f)) scan(path.join(next, "server", f));
  // one entry per (module, file)
  const unique = [...new Map(stubs.map((s) => [`${s.kind}\0${s.module}\0${s.file}`, s])).values()];
  return { functions, stubs: unique };
}
