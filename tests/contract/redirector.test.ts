/**
 * The edge contract on the standalone Node redirector (src/hosts/node), in front of `next start`:
 * on the origin protocol, and in direct mode (DATABASE_URL: links, gates and clicks in Postgres,
 * with ORIGIN_URL pointing at a closed port so every answer comes from the database).
 */
import { describe } from "vitest";
import { freePort, startApp, TEST_SECRET } from "../support/app-server";
import { requestAs } from "../support/host-request";
import { startRedirector } from "../support/redirector";
import { defineContract } from "./suite";

defineContract("standalone Node redirector", async (originEnv) => {
  const port = await freePort();
  const domain = `localhost:${port}`;
  const app = await startApp("pglite", { SHORT_DOMAINS: domain, ...originEnv });
  const redirector = await startRedirector(port, { SIGNPOST_SECRET: TEST_SECRET, ORIGIN_URL: app.url, SHORT_DOMAINS: domain });
  return {
    originUrl: app.url,
    domain,
    request: (path, init) => fetch(`${redirector.url}${path}`, init),
    requestAs: (host, path, init) => requestAs(`${redirector.url}${path}`, host, init),
    stop: async () => {
      await redirector.stop();
      await app.stop();
    },
  };
});

describe.skipIf(!process.env.DATABASE_URL)("direct mode (needs DATABASE_URL: Postgres)", () => {
  defineContract("standalone Node redirector, direct mode", async (originEnv) => {
    const port = await freePort();
    const domain = `localhost:${port}`;
    const app = await startApp("postgres", { SHORT_DOMAINS: domain, ...originEnv });
    const redirector = await startRedirector(port, {
      SIGNPOST_SECRET: TEST_SECRET,
      ORIGIN_URL: `http://127.0.0.1:${await freePort()}`,
      SHORT_DOMAINS: domain,
      DATABASE_URL: app.env.DATABASE_URL!,
    });
    return {
      originUrl: app.url,
      domain,
      request: (path, init) => fetch(`${redirector.url}${path}`, init),
      requestAs: (host, path, init) => requestAs(`${redirector.url}${path}`, host, init),
      stop: async () => {
        await redirector.stop();
        await app.stop();
      },
    };
  });
});
