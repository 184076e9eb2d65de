// The edge reach of one entry: a breadth-first walk of its import graph (project files and
// node_modules) resolved with the edge conditions, so every finding carries the shortest import
// chain from the entry to the culprit.

import path from "node:path";
import { scanFile } from "./scan.mjs";
import {
  builtinName, FRAMEWORK_PACKAGES, KNOWN_SAFE_DYNAMIC_PACKAGES, NATIVE_LOADERS, PACKAGES, POLYFILLED_BUILTINS, packageName, looksSecret,
} from "./knowledge.mjs";

const CODE = /\.(tsx?|jsx?|mjs|cjs|mts|cts)$/;

/**
 * @typedef {{ rule: string, severity: "error" | "warning" | "info", message: string, target: string,
 *   chain: string[], line?: number, instead?: string, entry?: string }} Finding
 * @typedef {{ category: string, target: string, chain: string[], message: string }} Reach
 */

/** Package directory name of a node_modules file: ".../node_modules/@a/b/x.js" → "@a/b". */
function packageOfFile(file) {
  const i = file.lastIndexOf(`${path.sep}node_modules${path.sep}`);
  if (i < 0) return null;
  const parts = file.slice(i + 14).split(path.sep);
  return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
}

/**
 * @param {{ root: string, resolve: Function, scans: Map<string, any> }} ctx
 * @param {string} entryFile absolute
 * @param {{ probe?: boolean }} opts probe: stop at the first thing that keeps the entry on Node.
 */
export function walk(ctx, entryFile, opts = {}) {
  const { root, resolve, scans } = ctx;
  const rel = (f) => {
    const r = path.relative(root, f).split(path.sep).join("/");
    // Outside the project (symlinked or hoisted node_modules): show it from its node_modules folder.
    if (!r.startsWith("../")) return r;
    const i = f.lastIndexOf(`${path.sep}node_modules${path.sep}`);
    return i < 0 ? r : f.slice(i + 1).split(path.sep).join("/");
  };
  /** @type {Map<string, string | null>} file → parent file */
  const parent = new Map([[entryFile, null]]);
  const chainTo = (file) => {
    const out = [];
    for (let f = file; f; f = parent.get(f) ?? null) out.unshift(rel(f));
    return out;
  };
  /** @type {Finding[]} */ const findings = [];
  /** @type {Reach[]} */ const reaches = [];
  /** @type {{ spec: string, chain: string[] }[]} */ const unresolved = [];
  const seen = new Set();
  const once = (key) => (seen.has(key) ? false : (seen.add(key), true));
  let blocker = null;
  const stats = { projectFiles: 0, packageFiles: 0, packages: new Set() };

  const add = (f) => {
    // One finding per package / built-in / addon per entry (BFS: the shortest chain); code findings per file and use.
    const perFile = f.rule === "dynamic-code" || f.rule === "process-api";
    if (!once(`${f.rule}\0${f.target}\0${perFile ? f.chain.at(-1)?.replace(/:\d+$/, "") : ""}`)) return;
    findings.push(f);
    if (opts.probe && f.severity === "error" && !blocker) blocker = f;
  };

  const queue = [entryFile];
  for (let qi = 0; qi < queue.length && !blocker; qi++) {
    const file = queue[qi];
    const pkg = packageOfFile(file);
    if (pkg) {
      stats.packageFiles++;
      stats.packages.add(pkg);
    } else stats.projectFiles++;
    if (!CODE.test(file)) continue;
    let facts = scans.get(file);
    if (!facts) {
      try {
        facts = scanFile(file);
      } catch (error) {
        facts = { imports: [], dynamicCode: [], processApis: [], envReads: [], segment: {}, parseError: String(error) };
      }
      scans.set(file, facts);
    }
    const here = chainTo(file);
    const where = (line) => `${rel(file)}:${line}`;

    for (const d of facts.dynamicCode) {
      if (pkg && KNOWN_SAFE_DYNAMIC_PACKAGES.has(pkg)) continue;
      add({ rule: "dynamic-code", severity: "error", target: d.what, line: d.line, chain: [...here.slice(0, -1), where(d.line)],
        message: `${d.what} at ${where(d.line)}: dynamic code evaluation is not allowed in the edge runtime` });
    }
    for (const p of facts.processApis) {
      // Next warns (does not fail) on these; in packages they are usually feature checks.
      add({ rule: "process-api", severity: pkg ? "warning" : "error", target: p.what, line: p.line, chain: [...here.slice(0, -1), where(p.line)],
        message: `${p.what} at ${where(p.line)}: only process.env exists in the edge runtime` });
    }
    if (!pkg) {
      for (const e of facts.envReads) {
        if (looksSecret(e.what) && once(`secret\0${e.what}`)) {
          reaches.push({ category: "secret", target: e.what, chain: [...here.slice(0, -1), where(e.line)], message: `reads process.env.${e.what}` });
        }
      }
    }

    for (const imp of facts.imports) {
      const { spec } = imp;
      const bname = builtinName(spec);
      const pname = packageName(spec);
      if (pname && FRAMEWORK_PACKAGES.has(pname)) continue;
      if (pname && PACKAGES[pname]) {
        const k = PACKAGES[pname];
        if (k.edge === "breaks") {
          add({ rule: "edge-incompatible-package", severity: "error", target: pname, chain: [...here, pname], instead: k.instead,
            message: `${pname} does not work in the edge runtime (${k.why}); use ${k.instead}` });
        }
        if ((k.category === "db" || k.category === "payment") && once(`reach\0${pname}`)) {
          reaches.push({ category: k.category, target: pname, chain: [...here, pname], message: `${pname}: ${k.why}` });
        }
        if (k.edge === "breaks" || opts.probe) continue; // nothing more to learn inside
      }
      if (pname && NATIVE_LOADERS.has(pname)) {
        add({ rule: "native-addon", severity: "error", target: pname, chain: [...here, pname],
          message: `${pname} loads a native addon (.node), which the edge runtime cannot run` });
        continue;
      }
      const resolved = resolve(file, spec, imp.kind);
      if (resolved === false) continue; // disabled by a package's "browser" field
      if (bname !== null && typeof resolved !== "string") {
        // A built-in. (If it resolves to a file - an npm polyfill or an alias - that file is walked instead, as Next does.)
        const top = bname.split("/")[0];
        if (POLYFILLED_BUILTINS.has(top)) {
          if (once(`poly\0${top}`)) {
            findings.push({ rule: "polyfilled-builtin", severity: "info", target: top, chain: [...here, spec],
              message: `${spec} is polyfilled by Next's edge runtime (partial API)` });
          }
        } else {
          add({ rule: "node-builtin", severity: "error", target: bname, chain: [...here, spec],
            message: `Node built-in '${bname}' is not available in the edge runtime` });
        }
        continue;
      }
      if (resolved === null) {
        if (once(`unres\0${spec}`)) unresolved.push({ spec, chain: [...here, spec] });
        continue;
      }
      if (resolved.endsWith(".node")) {
        add({ rule: "native-addon", severity: "error", target: rel(resolved), chain: [...here, rel(resolved)],
          message: `native addon ${rel(resolved)} cannot run in the edge runtime` });
        continue;
      }
      if (!parent.has(resolved)) {
        parent.set(resolved, file);
        queue.push(resolved);
      }
    }
  }
  if (blocker) {
    // The whole file that produced the first blocker was read: name the strongest reason in it.
    const rank = ["edge-incompatible-package", "node-builtin", "native-addon", "dynamic-code", "process-api"];
    blocker = findings.filter((f) => f.severity === "error").sort((a, b) => rank.indexOf(a.rule) - rank.indexOf(b.rule))[0];
  }
  return { findings, reaches, unresolved, blocker, stats: { ...stats, packages: [...stats.packages].sort() } };
}
