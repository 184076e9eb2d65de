// The audit: inventory → edge reach of every edge entry → probes of every Node entry → build checks.

import fs from "node:fs";
import path from "node:path";
import { inspectBuild } from "./build.mjs";
import { isAllowed, loadConfig } from "./config.mjs";
import { inventory } from "./inventory.mjs";
import { PACKAGES } from "./knowledge.mjs";
import { createEdgeResolver } from "./resolve.mjs";
import { walk } from "./walk.mjs";

const pkgJson = JSON.parse(fs.readFileSync(new URL("../package.json", import.meta.url), "utf8"));
export const TOOL = { name: pkgJson.name, version: pkgJson.version };

function nextVersion(root) {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, "node_modules", "next", "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}

/**
 * @param {string} rootArg
 * @param {{ config?: string, budget?: string }} [options]
 */
export function audit(rootArg, options = {}) {
  const started = performance.now();
  const root = path.resolve(rootArg);
  if (!fs.existsSync(path.join(root, "package.json"))) throw new Error(`not a project (no package.json): ${root}`);
  const config = loadConfig(root, options.config);
  if (options.budget !== undefined) {
    if (options.budget !== "none" && !(options.budget in config.budgets)) throw new Error(`unknown budget: ${options.budget}`);
    config.budget = options.budget === "none" ? null : options.budget;
  }
  // User-curated packages extend (or override) the built-in list for this run.
  const saved = {};
  for (const [k, v] of Object.entries(config.packages)) {
    saved[k] = PACKAGES[k];
    PACKAGES[k] = { edge: "breaks", category: "other", why: "listed in the config", instead: "", ...v };
  }
  try {
    const inv = inventory(root);
    const ctx = { root, resolve: createEdgeResolver(root), scans: new Map() };
    const violations = [];
    const warnings = [];
    const notes = [];
    const allowed = [];
    const hints = [];
    const unresolved = [];
    const entries = [];

    for (const e of inv.entries) {
      const abs = path.join(root, e.file);
      const out = { ...e };
      if (e.runtime === "edge") {
        const r = walk(ctx, abs);
        out.reach = { projectFiles: r.stats.projectFiles, packageFiles: r.stats.packageFiles, packages: r.stats.packages };
        for (const f of r.findings) {
          const finding = { entry: e.file, ...f };
          if (f.severity !== "info" && isAllowed(config.allow, finding)) allowed.push(finding);
          else if (f.severity === "error") violations.push(finding);
          else if (f.severity === "warning") warnings.push(finding);
          else notes.push(finding);
        }
        for (const u of r.unresolved) unresolved.push({ entry: e.file, ...u });
        for (const reach of r.reaches) {
          const what = reach.category === "db" ? "a database client" : reach.category === "payment" ? "a payment SDK" : "code that reads a secret-looking variable";
          hints.push({ entry: e.file, kind: "serious-work-at-edge", category: reach.category, target: reach.target, chain: reach.chain,
            message: `edge entry reaches ${what} (${reach.category === "secret" ? `process.env.${reach.target}` : reach.target}): serious work in the edge runtime — ${reach.category === "db" ? "each request pays a database round trip from the edge region; move it behind a Node route near the database or cache it" : reach.category === "payment" ? "payments belong in a Node route near your data, not on the request path" : "make sure it is only used to sign or verify (e.g. HMAC), never to act with broad privileges at the edge"}` });
        }
        out.verdict = r.findings.some((f) => f.severity === "error") ? "edge: violations" : "edge: clean";
      } else if (e.runtime === "node" && (e.kind === "route" || e.kind === "page" || e.kind === "api-route")) {
        const r = walk(ctx, abs, { probe: true });
        const db = r.reaches.find((x) => x.category === "db");
        if (r.blocker) {
          out.verdict = "node: required";
          out.reason = `${r.blocker.target} (${r.blocker.rule})`;
          out.reasonChain = r.blocker.chain;
        } else if (db) {
          out.verdict = "node: keep";
          out.reason = `database client ${db.target}`;
          out.reasonChain = db.chain;
          hints.push({ entry: e.file, kind: "keep-on-node", category: "db", target: db.target, chain: db.chain,
            message: `could run on the edge but gains nothing: it reaches a database client (${db.target}), so the database round trip dominates` });
        } else {
          out.verdict = "node: edge-eligible";
          out.reason = "reaches nothing Node-only and no database client";
          hints.push({ entry: e.file, kind: "could-move-to-edge", category: "none", target: e.file, chain: [e.file],
            message: `reaches nothing Node-only and no database client: it could run on the edge (export const runtime = "edge"); worth it only when it is latency-sensitive and served from many regions` });
        }
      } else {
        out.verdict = e.runtime === "unknown" ? "unknown" : "node";
      }
      entries.push(out);
    }

    let build = null;
    const b = inspectBuild(root);
    if (b) {
      const functions = b.functions.map((f) => ({
        ...f,
        budgets: Object.fromEntries(Object.entries(config.budgets).map(([k, v]) => [k, { limit: v, ok: f.gzipBytes <= v }])),
      }));
      for (const f of functions) {
        if (config.budget && !f.budgets[config.budget].ok) {
          violations.push({ entry: f.name, rule: "bundle-budget", severity: "error", target: f.name, chain: f.files,
            message: `edge function ${f.name} is ${f.gzipBytes} bytes gzipped, over the ${config.budget} budget of ${config.budgets[config.budget]} bytes` });
        }
      }
      for (const s of b.stubs) {
        const finding = { entry: s.file, rule: s.kind === "module" ? "unsupported-module-stub" : "unsupported-api-stub", severity: "error", target: s.module, chain: [s.file],
          message: s.kind === "module" ? `built edge code stubs Node module '${s.module}' (Next's __import_unsupported): it throws when used` : `built edge code calls an unsupported Node API: ${s.module}` };
        if (isAllowed(config.allow, finding)) allowed.push(finding);
        else violations.push(finding);
      }
      build = { functions, stubs: b.stubs, budget: config.budget };
    }

    const result = {
      tool: TOOL,
      root,
      next: nextVersion(root),
      config: config.file ? path.relative(root, config.file) || config.file : null,
      entries,
      violations,
      warnings,
      notes,
      allowed,
      hints,
      unresolved,
      build,
      buildFound: inv.buildFound,
      durationMs: 0,
      exitCode: violations.length > 0 ? 1 : 0,
    };
    result.durationMs = Math.round(performance.now() - started);
    return result;
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete PACKAGES[k];
      else PACKAGES[k] = v;
    }
  }
}
