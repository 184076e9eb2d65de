/**
 * Bundles the Worker (worker.ts) into one ESM file for workerd: `npm run build:cloudflare` writes
 * dist/cloudflare/worker.mjs, which wrangler.toml deploys as is and the tests run in Miniflare.
 * Node-side build tooling: never imported by the Worker itself.
 */
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");
/** Where `npm run build:cloudflare` writes the bundle (relative to the repository; wrangler.toml's `main`). */
export const WORKER_BUNDLE = "dist/cloudflare/worker.mjs";

export async function bundleWorker(outfile: string): Promise<{ outfile: string; bytes: number }> {
  const result = await build({
    entryPoints: [path.join(here, "worker.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    // Package exports as Cloudflare's own bundler resolves them; `@/` comes from tsconfig paths.
    conditions: ["workerd", "worker", "edge-light", "browser", "import", "default"],
    mainFields: ["browser", "module", "main"],
    tsconfig: path.join(root, "tsconfig.json"),
    minify: true,
    sourcemap: false,
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
  });
  const output = Object.values(result.metafile.outputs)[0]!;
  // A self-contained module: anything left external (a `node:` built-in, say) would fail in workerd.
  if (output.imports.length > 0) throw new Error(`worker bundle has external imports: ${output.imports.map((i) => i.path).join(", ")}`);
  return { outfile, bytes: output.bytes };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outfile = path.resolve(root, process.argv[2] ?? WORKER_BUNDLE);
  const { bytes } = await bundleWorker(outfile);
  console.log(`${path.relative(root, outfile)}: ${(bytes / 1024).toFixed(1)} KiB`);
}
