// runtime-audit.config.json: allow-list, budgets, extra packages.

import fs from "node:fs";
import path from "node:path";
import { DEFAULT_BUDGETS } from "./build.mjs";

export const CONFIG_FILE = "runtime-audit.config.json";

/**
 * @typedef {{ rule?: string, target?: string, entry?: string, via?: string, reason?: string }} AllowRule
 * @typedef {{ allow: AllowRule[], budgets: Record<string, number>, budget: string | null,
 *   packages: Record<string, { edge: "breaks" | "ok", category: string, why: string, instead: string }>, file: string | null }} Config
 */

const UNITS = { b: 1, kb: 1024, k: 1024, mb: 1024 * 1024, m: 1024 * 1024 };

/** 1048576 | "1 MB" | "512kb" → bytes */
export function parseSize(v) {
  if (typeof v === "number") return v;
  const m = /^\s*([\d.]+)\s*([kmb]{0,2})\s*$/i.exec(String(v));
  if (!m) throw new Error(`not a size: ${JSON.stringify(v)}`);
  return Math.round(Number(m[1]) * (UNITS[(m[2] || "b").toLowerCase()] ?? 1));
}

/** @returns {Config} */
export function loadConfig(root, explicit) {
  const file = explicit ? path.resolve(explicit) : path.join(root, CONFIG_FILE);
  let raw = {};
  if (fs.existsSync(file)) raw = JSON.parse(fs.readFileSync(file, "utf8"));
  else if (explicit) throw new Error(`config file not found: ${file}`);
  const budgets = { ...DEFAULT_BUDGETS };
  for (const [k, v] of Object.entries(raw.budgets ?? {})) budgets[k] = parseSize(v);
  const budget = raw.budget === undefined ? "vercel-hobby" : raw.budget;
  if (budget !== null && !(budget in budgets)) throw new Error(`${CONFIG_FILE}: "budget" names no budget: ${budget}`);
  return { allow: raw.allow ?? [], budgets, budget, packages: raw.packages ?? {}, file: fs.existsSync(file) ? file : null };
}

/** @param {AllowRule[]} allow */
export function isAllowed(allow, finding) {
  return allow.some((a) =>
    (a.rule === undefined || a.rule === finding.rule) &&
    (a.target === undefined || a.target === finding.target) &&
    (a.entry === undefined || a.entry === finding.entry) &&
    (a.via === undefined || finding.chain.some((c) => c.includes(a.via))));
}
