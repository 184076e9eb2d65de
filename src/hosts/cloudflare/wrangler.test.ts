import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { WORKER_BUNDLE } from "./build";

const read = (file: string) => readFileSync(new URL(`../../../${file}`, import.meta.url), "utf8");

test("wrangler.toml deploys the bundle `npm run build:cloudflare` writes, and builds it with that script", () => {
  const toml = read("wrangler.toml");
  const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
  expect(/^main\s*=\s*"([^"]+)"/m.exec(toml)?.[1]).toBe(WORKER_BUNDLE);
  const command = /^command\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  expect(command).toBe("npm run build:cloudflare");
  expect(scripts["build:cloudflare"]).toBe("tsx src/hosts/cloudflare/build.ts");
});
