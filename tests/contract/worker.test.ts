/** The edge contract on the Cloudflare Worker host, bundled as it ships and run in workerd (Miniflare). */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Miniflare } from "miniflare";
import { bundleWorker } from "@/hosts/cloudflare/build";
import { startApp, TEST_SECRET } from "../support/app-server";
import { defineContract } from "./suite";

const COMPATIBILITY_DATE = /^compatibility_date\s*=\s*"([\d-]+)"/m.exec(readFileSync(new URL("../../wrangler.toml", import.meta.url), "utf8"))![1]!;

defineContract("Cloudflare Worker (workerd)", async (originEnv) => {
  const dir = mkdtempSync(path.join(tmpdir(), "signpost-contract-worker-"));
  const { outfile } = await bundleWorker(path.join(dir, "worker.mjs"));
  const app = await startApp("pglite", { SHORT_DOMAINS: "short.test", ...originEnv });
  const mf = new Miniflare({
    modules: true,
    scriptPath: outfile,
    modulesRoot: dir,
    compatibilityDate: COMPATIBILITY_DATE,
    bindings: { SIGNPOST_SECRET: TEST_SECRET, ORIGIN_URL: app.url, SHORT_DOMAINS: "short.test" },
  });
  return {
    originUrl: app.url,
    domain: "short.test",
    // credentials "omit": Miniflare's undici otherwise fails a POST answered with 401.
    request: async (p, init) => (await mf.dispatchFetch(`http://short.test${p}`, { ...init, credentials: "omit" } as never)) as unknown as Response,
    requestAs: async (host, p, init) => (await mf.dispatchFetch(`http://${host}${p}`, { ...init, credentials: "omit" } as never)) as unknown as Response,
    stop: async () => {
      await mf.dispose();
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
