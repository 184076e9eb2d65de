// Every entry Next will run, with its runtime: from the source (segment config + Next's
// conventions) and, when a build exists, from .next/server/middleware-manifest.json.

import fs from "node:fs";
import path from "node:path";
import { scanFile } from "./scan.mjs";

const SCRIPT = /\.(tsx?|jsx?|mjs)$/;
const SKIP_DIRS = new Set(["node_modules", ".next", ".git"]);

/**
 * @typedef {{ file: string, kind: "middleware" | "proxy" | "route" | "page" | "api-route" | "instrumentation",
 *   route: string, runtime: "edge" | "node" | "unknown", source: string, build?: "edge" | "node" | null,
 *   buildKey?: string, note?: string }} Entry
 */

function listFiles(dir) {
  /** @type {string[]} */
  const out = [];
  const walk = (d) => {
    let items;
    try {
      items = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const it of items) {
      if (it.isDirectory()) {
        if (!SKIP_DIRS.has(it.name)) walk(path.join(d, it.name));
      } else if (SCRIPT.test(it.name) && !it.name.endsWith(".d.ts")) out.push(path.join(d, it.name));
    }
  };
  walk(dir);
  return out.sort();
}

const firstExisting = (candidates) => candidates.find((c) => fs.existsSync(c));
const rel = (root, f) => path.relative(root, f).split(path.sep).join("/");

function normaliseRuntime(value) {
  if (value === "edge" || value === "experimental-edge") return "edge";
  if (value === "nodejs") return "node";
  return "unknown";
}

/** URL path of an app-router file's directory: groups and slots dropped. */
function appRoute(appDir, file) {
  const segs = path.relative(appDir, path.dirname(file)).split(path.sep).filter(Boolean);
  const kept = segs.filter((s) => !(s.startsWith("(") && s.endsWith(")")) && !s.startsWith("@"));
  return "/" + kept.join("/");
}

/** @returns {{ entries: Entry[], appDir?: string, pagesDir?: string, buildFound: boolean }} */
export function inventory(root) {
  /** @type {Entry[]} */
  const entries = [];
  const facts = new Map();
  const segmentOf = (f) => {
    if (!facts.has(f)) {
      try {
        facts.set(f, scanFile(f).segment);
      } catch {
        facts.set(f, {});
      }
    }
    return facts.get(f);
  };

  for (const base of [root, path.join(root, "src")]) {
    for (const name of ["middleware", "proxy", "instrumentation"]) {
      const f = firstExisting(["ts", "js", "mjs", "tsx", "jsx"].map((e) => path.join(base, `${name}.${e}`)));
      if (!f) continue;
      const seg = segmentOf(f);
      if (name === "middleware") {
        const r = seg.configRuntime ? normaliseRuntime(seg.configRuntime) : "edge";
        entries.push({ file: rel(root, f), kind: "middleware", route: "(all matched requests)", runtime: r,
          source: seg.configRuntime ? `config.runtime = "${seg.configRuntime}"` : "default for middleware" });
      } else if (name === "proxy") {
        entries.push({ file: rel(root, f), kind: "proxy", route: "(all matched requests)", runtime: "node", source: "proxy is always Node" });
      } else {
        entries.push({ file: rel(root, f), kind: "instrumentation", route: "(server start)", runtime: "node", source: "register() runs per runtime",
          note: "also loaded in the edge runtime when edge entries exist; not walked (imports are usually guarded by NEXT_RUNTIME)" });
      }
    }
  }

  const appDir = firstExisting([path.join(root, "app"), path.join(root, "src", "app")]);
  if (appDir) {
    const files = listFiles(appDir);
    const layouts = new Map(files.filter((f) => /^layout\.(tsx?|jsx?|mjs)$/.test(path.basename(f))).map((f) => [path.dirname(f), f]));
    for (const f of files) {
      const b = path.basename(f);
      const isRoute = /^route\.(tsx?|jsx?|mjs)$/.test(b);
      const isPage = /^page\.(tsx?|jsx?|mjs)$/.test(b);
      if (!isRoute && !isPage) continue;
      const seg = segmentOf(f);
      let runtime = "node";
      let source = "default (Node)";
      if (seg.runtime) {
        runtime = normaliseRuntime(seg.runtime);
        source = `runtime = "${seg.runtime}"`;
      } else if (isPage) {
        // A page inherits the runtime of the nearest layout that sets one.
        for (let d = path.dirname(f); d.startsWith(appDir); d = path.dirname(d)) {
          const l = layouts.get(d);
          const lr = l && segmentOf(l).runtime;
          if (lr) {
            runtime = normaliseRuntime(lr);
            source = `runtime = "${lr}" in ${rel(root, l)}`;
            break;
          }
          if (d === appDir) break;
        }
      }
      const relFromApp = path.relative(appDir, f).split(path.sep).join("/").replace(SCRIPT, "");
      entries.push({ file: rel(root, f), kind: isRoute ? "route" : "page", route: appRoute(appDir, f), runtime, source, buildKey: "/" + relFromApp });
    }
  }

  const pagesDir = firstExisting([path.join(root, "pages"), path.join(root, "src", "pages")]);
  if (pagesDir) {
    for (const f of listFiles(pagesDir)) {
      const relFromPages = path.relative(pagesDir, f).split(path.sep).join("/").replace(SCRIPT, "");
      if (/^_(app|document)$/.test(relFromPages)) continue;
      const seg = segmentOf(f);
      const isApi = relFromPages.startsWith("api/");
      const route = "/" + relFromPages.replace(/(^|\/)index$/, "");
      entries.push({ file: rel(root, f), kind: isApi ? "api-route" : "page", route: route === "/" ? "/" : route.replace(/\/$/, ""),
        runtime: seg.configRuntime ? normaliseRuntime(seg.configRuntime) : "node",
        source: seg.configRuntime ? `config.runtime = "${seg.configRuntime}"` : "default (Node)", buildKey: route === "/" ? "/" : route.replace(/\/$/, "") });
    }
  }

  // The build's view.
  const manifestFile = path.join(root, ".next", "server", "middleware-manifest.json");
  let buildFound = false;
  if (fs.existsSync(manifestFile)) {
    buildFound = true;
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
    const edgeMiddleware = Object.keys(manifest.middleware ?? {}).length > 0;
    const edgeFunctions = new Set(Object.values(manifest.functions ?? {}).map((fn) => fn.page ?? fn.name));
    for (const e of entries) {
      if (e.kind === "middleware") e.build = edgeMiddleware ? "edge" : "node";
      else if (e.kind === "proxy") e.build = edgeMiddleware ? "edge" : "node";
      else if (e.kind === "instrumentation") e.build = null;
      else e.build = edgeFunctions.has(e.buildKey) ? "edge" : "node";
      if (e.build && e.build !== e.runtime && e.runtime !== "unknown") e.note = `the build says ${e.build}: stale .next? rebuild`;
    }
  }
  return { entries, appDir: appDir && rel(root, appDir), pagesDir: pagesDir && rel(root, pagesDir), buildFound };
}
