#!/usr/bin/env node
// next-runtime-audit [path] [--json | --markdown] [--config file] [--budget name|none]
import { parseArgs } from "node:util";
import { audit } from "../lib/audit.mjs";
import { formatMarkdown, formatText } from "../lib/report.mjs";

const HELP = `Usage: next-runtime-audit [path] [options]

Inventories a Next.js 15/16 project's entries and runtimes, walks what every edge entry imports
(edge conditions, through node_modules), checks a build in .next, and exits 1 on violations.

Options:
  --json             machine-readable result
  --markdown         Markdown for a pull-request comment
  --config <file>    config file (default: <path>/runtime-audit.config.json)
  --budget <name>    budget that gates the exit code (vercel-hobby, vercel-pro, vercel-enterprise,
                     cloudflare-free, cloudflare-paid, one from the config, or none)
  -h, --help         this help
Exit codes: 0 clean, 1 violations, 2 usage or runtime error.`;

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: { json: { type: "boolean" }, markdown: { type: "boolean" }, config: { type: "string" }, budget: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
} catch (error) {
  console.error(`${error.message}\n\n${HELP}`);
  process.exit(2);
}
if (args.values.help) {
  console.log(HELP);
  process.exit(0);
}
try {
  const result = audit(args.positionals[0] ?? ".", { config: args.values.config, budget: args.values.budget });
  if (args.values.json) console.log(JSON.stringify(result, null, 2));
  else if (args.values.markdown) console.log(formatMarkdown(result));
  else console.log(formatText(result, { color: Boolean(process.stdout.isTTY && process.stdout.hasColors?.()) }));
  process.exitCode = result.exitCode;
} catch (error) {
  console.error(`next-runtime-audit: ${error instanceof Error ? error.message : error}`);
  process.exit(2);
}
