import "server-only";
/**
 * The API reference page (/docs/api) renders with Swagger UI, served from our own origin out of the
 * `swagger-ui-dist` package: nothing is loaded from a CDN, and the page works offline. Only the
 * files named here are served; the page's Content-Security-Policy forbids every other origin.
 *
 * The files are read from node_modules at run time. Each path below is a literal under
 * `process.cwd()` (the project root, where `next start` runs), so the build's file tracing finds
 * exactly these files; next.config.ts also lists them under `outputFileTracingIncludes`.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";

export const REFERENCE_ASSETS = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
} as const;

/** One literal read per file: the build's tracer follows these, and only these. */
const READ: Record<ReferenceAssetName, () => Promise<Buffer>> = {
  "swagger-ui-bundle.js": () => readFile(path.join(process.cwd(), "node_modules/swagger-ui-dist/swagger-ui-bundle.js")),
  "swagger-ui.css": () => readFile(path.join(process.cwd(), "node_modules/swagger-ui-dist/swagger-ui.css")),
};

export type ReferenceAssetName = keyof typeof REFERENCE_ASSETS;

export interface ReferenceAsset {
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
  etag: string;
}

export function isReferenceAsset(name: string): name is ReferenceAssetName {
  return Object.hasOwn(REFERENCE_ASSETS, name);
}

const assets = new Map<ReferenceAssetName, Promise<ReferenceAsset>>();

/** One allow-listed file, read once and kept in memory (together about 2 MB). */
export function readReferenceAsset(name: ReferenceAssetName): Promise<ReferenceAsset> {
  let asset = assets.get(name);
  if (!asset) {
    asset = READ[name]().then((buffer) => ({
      body: new Uint8Array(buffer),
      contentType: REFERENCE_ASSETS[name],
      etag: `"${createHash("sha256").update(buffer).digest("base64url").slice(0, 27)}"`,
    }));
    asset.catch(() => assets.delete(name)); // a failed read is retried on the next request
    assets.set(name, asset);
  }
  return asset;
}

let version: Promise<string> | undefined;

/** swagger-ui-dist's version: the page's asset URLs carry it, so they can be cached for good. */
export function referenceAssetVersion(): Promise<string> {
  version ??= readFile(path.join(process.cwd(), "node_modules/swagger-ui-dist/package.json"), "utf8").then(
    (text) => String((JSON.parse(text) as { version: unknown }).version),
    (error: unknown) => {
      version = undefined;
      throw error;
    },
  );
  return version;
}
