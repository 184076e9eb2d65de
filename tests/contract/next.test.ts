/** The edge contract on Next's middleware (edge runtime sandbox of `next start`). */
import { startApp } from "../support/app-server";
import { backends } from "../support/databases";
import { defineContract } from "./suite";

for (const backend of backends()) {
  defineContract(`next start (${backend})`, async () => {
    const app = await startApp(backend);
    return {
      originUrl: app.url,
      domain: `localhost:${app.port}`,
      request: (path, init) => fetch(`${app.url}${path}`, init),
      stop: () => app.stop(),
    };
  });
}
