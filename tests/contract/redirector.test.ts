/** The edge contract on the standalone Node redirector (src/hosts/node), in front of `next start`. */
import { freePort, startApp, TEST_SECRET } from "../support/app-server";
import { startRedirector } from "../support/redirector";
import { defineContract } from "./suite";

defineContract("standalone Node redirector", async () => {
  const port = await freePort();
  const domain = `localhost:${port}`;
  const app = await startApp("pglite", { SHORT_DOMAINS: domain });
  const redirector = await startRedirector(port, { SIGNPOST_SECRET: TEST_SECRET, ORIGIN_URL: app.url, SHORT_DOMAINS: domain });
  return {
    originUrl: app.url,
    domain,
    request: (path, init) => fetch(`${redirector.url}${path}`, init),
    stop: async () => {
      await redirector.stop();
      await app.stop();
    },
  };
});
