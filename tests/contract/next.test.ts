/** The edge contract on Next's middleware (edge runtime sandbox of `next start`). */
import { startApp } from "../support/app-server";
import { backends } from "../support/databases";
import { requestAs } from "../support/host-request";
import { defineContract } from "./suite";

for (const backend of backends()) {
  defineContract(`next start (${backend})`, async (originEnv) => {
    const app = await startApp(backend, { ...originEnv });
    return {
      originUrl: app.url,
      domain: `localhost:${app.port}`,
      request: (path, init) => fetch(`${app.url}${path}`, init),
      requestAs: (domain, path, init) => requestAs(`${app.url}${path}`, domain, init),
      stop: () => app.stop(),
    };
  });
}
