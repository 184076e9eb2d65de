// Output: a terminal table, Markdown for a PR comment; JSON is the audit result itself.

const kb = (n) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MB` : `${(n / 1024).toFixed(1)} kB`);

function table(rows, header) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? "").length)));
  const line = (r) => r.map((c, i) => String(c ?? "").padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

const runtimeLabel = (e) => e.runtime + (e.build && e.build !== e.runtime ? ` (build: ${e.build})` : "");

function entryRows(r) {
  return r.entries.map((e) => [e.file, e.kind, runtimeLabel(e), e.source, r.buildFound ? e.build ?? "-" : "no build", e.verdict + (e.reason ? ` — ${e.reason}` : "")]);
}

export function formatText(r, { color = false } = {}) {
  const c = (code, s) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const out = [];
  out.push(c(1, `${r.tool.name} ${r.tool.version}`) + ` — ${r.root}` + (r.next ? ` (next ${r.next})` : "") + (r.config ? `, config ${r.config}` : ""));
  out.push("", c(1, "Runtime map"), table(entryRows(r), ["Entry", "Kind", "Runtime", "Why", "Build", "Verdict"]));

  const edge = r.entries.filter((e) => e.reach);
  out.push("", c(1, `Edge reach (${edge.length} edge ${edge.length === 1 ? "entry" : "entries"})`));
  for (const e of edge) {
    const n = r.violations.filter((v) => v.entry === e.file).length;
    out.push(`  ${n ? c(31, "✗") : c(32, "✓")} ${e.file}: ${e.reach.projectFiles} project files, ${e.reach.packageFiles} package files (${e.reach.packages.join(", ") || "no packages"}), ${n} violation${n === 1 ? "" : "s"}`);
  }

  out.push("", c(1, `Violations (${r.violations.length})`));
  for (const v of r.violations) {
    out.push(`  ${c(31, "✗")} [${v.rule}] ${v.message}`);
    if (v.rule !== "bundle-budget") out.push(`      ${v.chain.join(" → ")}`);
  }
  if (r.warnings.length) {
    out.push("", c(1, `Warnings (${r.warnings.length})`));
    for (const w of r.warnings) out.push(`  ${c(33, "!")} [${w.rule}] ${w.message}`, `      ${w.chain.join(" → ")}`);
  }
  if (r.notes.length) {
    out.push("", c(1, `Notes (${r.notes.length})`));
    for (const n of r.notes) out.push(`  · [${n.rule}] ${n.message}`, `      ${n.chain.join(" → ")}`);
  }
  if (r.allowed.length) out.push("", `Allowed by config: ${r.allowed.length}`);
  if (r.unresolved.length) {
    out.push("", c(1, `Unknown: ${r.unresolved.length} import(s) did not resolve under the edge conditions (not checked)`));
    for (const u of r.unresolved.slice(0, 10)) out.push(`  ? ${u.chain.join(" → ")}`);
    if (r.unresolved.length > 10) out.push(`  … ${r.unresolved.length - 10} more (--json lists all)`);
  }

  out.push("", c(1, `Decision hints (${r.hints.length})`));
  for (const h of r.hints) out.push(`  → ${h.entry}: ${h.message}` + (h.chain.length > 1 ? `\n      ${h.chain.join(" → ")}` : ""));

  out.push("", c(1, "Build (.next)"));
  if (!r.build) out.push("  no build found: run `next build` to check built edge bundles and stubs");
  else {
    const names = Object.keys(r.build.functions[0]?.budgets ?? {});
    out.push(table(r.build.functions.map((f) => [f.name, f.files.length, kb(f.rawBytes), kb(f.gzipBytes), ...names.map((n) => (f.budgets[n].ok ? "ok" : "OVER"))]),
      ["Edge function", "Files", "Raw", "Gzip", ...names.map((n) => `${n} ${kb(r.build.functions[0].budgets[n].limit)}`)]));
    out.push(`  gating budget: ${r.build.budget ?? "none"}`);
    out.push(`  unsupported-module stubs in built edge code: ${r.build.stubs.length ? r.build.stubs.map((s) => `${s.module} (${s.file})`).join(", ") : "none"}`);
  }
  out.push("", (r.violations.length ? c(31, `${r.violations.length} violation(s)`) : c(32, "no violations")) +
    `, ${r.warnings.length} warning(s), ${r.hints.length} hint(s), ${r.unresolved.length} unknown — ${(r.durationMs / 1000).toFixed(2)} s`);
  return out.join("\n");
}

const md = (s) => String(s).replace(/\|/g, "\\|");

export function formatMarkdown(r) {
  const out = [];
  out.push(`### Runtime audit ${r.violations.length ? "❌" : "✅"} ${r.violations.length} violation(s)`, "");
  out.push(`\`${r.tool.name} ${r.tool.version}\`${r.next ? `, Next ${r.next}` : ""}, ${(r.durationMs / 1000).toFixed(2)} s`, "");
  out.push("| Entry | Kind | Runtime | Why | Verdict |", "|---|---|---|---|---|");
  for (const e of r.entries) out.push(`| \`${md(e.file)}\` | ${e.kind} | ${md(runtimeLabel(e))} | ${md(e.source)} | ${md(e.verdict + (e.reason ? ` — ${e.reason}` : ""))} |`);
  if (r.violations.length) {
    out.push("", "#### Violations", "");
    for (const v of r.violations) out.push(`- **${v.rule}** ${md(v.message)}${v.rule === "bundle-budget" ? "" : `<br>\`${v.chain.join(" → ")}\``}`);
  }
  if (r.warnings.length) {
    out.push("", "<details><summary>Warnings (" + r.warnings.length + ")</summary>", "");
    for (const w of r.warnings) out.push(`- **${w.rule}** ${md(w.message)}<br>\`${w.chain.join(" → ")}\``);
    out.push("", "</details>");
  }
  if (r.hints.length) {
    out.push("", "#### Decision hints", "");
    for (const h of r.hints) out.push(`- \`${h.entry}\`: ${md(h.message)}`);
  }
  if (r.build) {
    const names = Object.keys(r.build.functions[0]?.budgets ?? {});
    out.push("", "#### Edge functions (gzip)", "", `| Function | Gzip | ${names.join(" | ")} |`, `|---|---|${names.map(() => "---").join("|")}|`);
    for (const f of r.build.functions) out.push(`| ${f.name} | ${kb(f.gzipBytes)} | ${names.map((n) => (f.budgets[n].ok ? "✅" : "❌")).join(" | ")} |`);
    out.push("", `Unsupported-module stubs: ${r.build.stubs.length ? r.build.stubs.map((s) => `\`${s.module}\``).join(", ") : "none"}`);
  } else out.push("", "_No build found: bundle sizes and stubs not checked._");
  if (r.unresolved.length) out.push("", `_${r.unresolved.length} import(s) unresolved under the edge conditions: unknown._`);
  return out.join("\n");
}
