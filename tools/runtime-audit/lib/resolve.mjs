// Module resolution the way Next's edge compiler sees it: enhanced-resolve (webpack's resolver)
// with the edge conditions, the `edge-light` / `browser` main fields, the `browser` field's
// aliases (e.g. "fs": false) and tsconfig `paths` (enhanced-resolve's built-in tsconfig support).

import fs from "node:fs";
import path from "node:path";
import resolvePkg from "enhanced-resolve";

const { ResolverFactory, CachedInputFileSystem } = resolvePkg;

export const EDGE_CONDITIONS = ["edge-light", "worker", "browser", "import", "module", "default"];
const EDGE_CONDITIONS_REQUIRE = ["edge-light", "worker", "browser", "require", "module", "default"];

const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".json"];

/**
 * @param {string} root project root
 * @returns {(fromFile: string, spec: string, kind: string) => string | false | null}
 *   absolute path; false when a `browser` field disables the module; null when unresolvable.
 */
export function createEdgeResolver(root) {
  const fileSystem = new CachedInputFileSystem(fs, 60_000);
  const tsconfig = ["tsconfig.json", "jsconfig.json"].map((f) => path.join(root, f)).find((f) => fs.existsSync(f));
  const common = {
    fileSystem,
    useSyncFileSystemCalls: true,
    extensions: EXTENSIONS,
    mainFields: ["edge-light", "browser", "module", "main"],
    aliasFields: ["browser"],
    exportsFields: ["exports"],
    importsFields: ["imports"],
    // TypeScript's ESM style: `./x.js` written for `./x.ts`.
    extensionAlias: { ".js": [".ts", ".tsx", ".js"], ".mjs": [".mts", ".mjs"], ".cjs": [".cts", ".cjs"] },
    ...(tsconfig ? { tsconfig } : {}),
  };
  const esm = ResolverFactory.createResolver({ ...common, conditionNames: EDGE_CONDITIONS });
  const cjs = ResolverFactory.createResolver({ ...common, conditionNames: EDGE_CONDITIONS_REQUIRE });
  const cache = new Map();
  return (fromFile, spec, kind) => {
    const dir = path.dirname(fromFile);
    const key = `${kind === "require" ? "r" : "i"}\0${dir}\0${spec}`;
    if (cache.has(key)) return cache.get(key);
    let out = null;
    try {
      out = (kind === "require" ? cjs : esm).resolveSync({}, dir, spec);
    } catch {
      out = null;
    }
    cache.set(key, out);
    return out;
  };
}
