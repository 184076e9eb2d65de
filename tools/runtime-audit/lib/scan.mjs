// One file → the facts the audit needs: imports (with type-only flags), dynamic code, process.*
// uses, process.env reads and the segment config. Parsed with TypeScript's own parser
// (ts.createSourceFile: TS, TSX, JS, JSX; no type checking).

import { readFileSync } from "node:fs";
import ts from "typescript";

const KIND = {
  ".ts": ts.ScriptKind.TS, ".mts": ts.ScriptKind.TS, ".cts": ts.ScriptKind.TS,
  ".tsx": ts.ScriptKind.TSX, ".jsx": ts.ScriptKind.JSX,
  ".js": ts.ScriptKind.JS, ".mjs": ts.ScriptKind.JS, ".cjs": ts.ScriptKind.JS,
};

export function scriptKind(file) {
  const m = /\.[cm]?[jt]sx?$/.exec(file);
  return m ? KIND[m[0]] : undefined;
}

/**
 * @typedef {{ spec: string, kind: "import" | "export" | "require" | "dynamic", line: number }} ImportRef
 * @typedef {{ what: string, line: number }} Use
 * @typedef {{ imports: ImportRef[], dynamicCode: Use[], processApis: Use[], envReads: Use[],
 *   segment: { runtime?: string, configRuntime?: string }, parseError?: string }} FileFacts
 */

/** @returns {FileFacts} */
export function scanFile(file, text = readFileSync(file, "utf8")) {
  /** @type {FileFacts} */
  const facts = { imports: [], dynamicCode: [], processApis: [], envReads: [], segment: {} };
  const kind = scriptKind(file) ?? ts.ScriptKind.JS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, kind);
  const line = (node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const str = (node) => (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined);

  // Local bindings named `process` / `eval` / `Function` at top level shadow the globals (rare).
  const visit = (node) => {
    switch (node.kind) {
      case ts.SyntaxKind.ImportDeclaration: {
        const spec = str(node.moduleSpecifier);
        if (spec === undefined) break;
        const clause = node.importClause;
        let typeOnly = false;
        if (clause) {
          if (clause.isTypeOnly) typeOnly = true;
          else if (!clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings)) {
            const els = clause.namedBindings.elements;
            typeOnly = els.length > 0 && els.every((e) => e.isTypeOnly);
          }
        }
        if (!typeOnly) facts.imports.push({ spec, kind: "import", line: line(node) });
        return; // nothing else of interest inside
      }
      case ts.SyntaxKind.ExportDeclaration: {
        const spec = str(node.moduleSpecifier);
        if (spec === undefined) break;
        let typeOnly = node.isTypeOnly;
        if (!typeOnly && node.exportClause && ts.isNamedExports(node.exportClause)) {
          const els = node.exportClause.elements;
          typeOnly = els.length > 0 && els.every((e) => e.isTypeOnly);
        }
        if (!typeOnly) facts.imports.push({ spec, kind: "export", line: line(node) });
        return;
      }
      case ts.SyntaxKind.ImportEqualsDeclaration: {
        if (!node.isTypeOnly && ts.isExternalModuleReference(node.moduleReference)) {
          const spec = str(node.moduleReference.expression);
          if (spec !== undefined) facts.imports.push({ spec, kind: "require", line: line(node) });
        }
        return;
      }
      case ts.SyntaxKind.CallExpression: {
        const callee = node.expression;
        if (callee.kind === ts.SyntaxKind.ImportKeyword) {
          const spec = str(node.arguments[0]);
          if (spec !== undefined) facts.imports.push({ spec, kind: "dynamic", line: line(node) });
        } else if (ts.isIdentifier(callee)) {
          if (callee.text === "require" && node.arguments.length === 1) {
            const spec = str(node.arguments[0]);
            if (spec !== undefined) facts.imports.push({ spec, kind: "require", line: line(node) });
          } else if (callee.text === "eval") {
            facts.dynamicCode.push({ what: "eval()", line: line(node) });
          } else if (callee.text === "Function") {
            facts.dynamicCode.push({ what: "Function()", line: line(node) });
          }
        } else if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
          const obj = callee.expression.text;
          const prop = callee.name.text;
          if (obj === "WebAssembly" && (prop === "compile" || prop === "compileStreaming")) {
            facts.dynamicCode.push({ what: `WebAssembly.${prop}()`, line: line(node) });
          } else if ((obj === "globalThis" || obj === "window" || obj === "self") && prop === "eval") {
            facts.dynamicCode.push({ what: `${obj}.eval()`, line: line(node) });
          }
        }
        break;
      }
      case ts.SyntaxKind.NewExpression: {
        if (ts.isIdentifier(node.expression) && node.expression.text === "Function") {
          facts.dynamicCode.push({ what: "new Function()", line: line(node) });
        }
        break;
      }
      case ts.SyntaxKind.PropertyAccessExpression: {
        if (ts.isIdentifier(node.expression) && node.expression.text === "process") {
          const prop = node.name.text;
          if (prop !== "env") facts.processApis.push({ what: `process.${prop}`, line: line(node) });
          return;
        }
        // process.env.NAME
        const inner = node.expression;
        if (ts.isPropertyAccessExpression(inner) && ts.isIdentifier(inner.expression) && inner.expression.text === "process" && inner.name.text === "env") {
          facts.envReads.push({ what: node.name.text, line: line(node) });
          return;
        }
        break;
      }
      case ts.SyntaxKind.VariableStatement: {
        // export const runtime = "edge" | export const config = { runtime: "nodejs" }
        const exported = node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
        if (exported && node.parent === sf) {
          for (const d of node.declarationList.declarations) {
            if (!ts.isIdentifier(d.name) || !d.initializer) continue;
            let init = d.initializer;
            while (ts.isAsExpression(init) || ts.isSatisfiesExpression(init) || ts.isParenthesizedExpression(init)) init = init.expression;
            if (d.name.text === "runtime") facts.segment.runtime = str(init) ?? "unknown";
            if (d.name.text === "config" && ts.isObjectLiteralExpression(init)) {
              for (const p of init.properties) {
                if (ts.isPropertyAssignment(p) && p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === "runtime") {
                  facts.segment.configRuntime = str(p.initializer) ?? "unknown";
                }
              }
            }
          }
        }
        break;
      }
      // Types never reach the bundle.
      case ts.SyntaxKind.InterfaceDeclaration:
      case ts.SyntaxKind.TypeAliasDeclaration:
      case ts.SyntaxKind.ModuleDeclaration:
        if (node.kind !== ts.SyntaxKind.ModuleDeclaration || node.modifiers?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) return;
        break;
    }
    // Skip type positions (typeof import("x") etc.).
    if (node.kind >= ts.SyntaxKind.FirstTypeNode && node.kind <= ts.SyntaxKind.LastTypeNode) return;
    ts.forEachChild(node, visit);
  };
  // setParentNodes=false: fix up parent for the top-level check.
  for (const stmt of sf.statements) {
    stmt.parent = sf;
    visit(stmt);
  }
  return facts;
}
