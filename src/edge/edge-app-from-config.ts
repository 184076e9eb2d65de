import { edgeConfig } from "@/config/env";
import { createEdgeApp } from "./app";
import { createBatchingClickSink } from "./click-sink";
import { extractFacts } from "./facts";
import { createCachedLinkStore } from "./link-cache";
import { createOriginLinkStore } from "./link-store";
import { createOriginClient } from "./origin-client";
import { createOriginGates } from "./origin-gates";

let app: ReturnType<typeof createEdgeApp> | undefined;

/** The edge app wired to the configured origin, built once per isolate. */
export function edgeAppFromConfig() {
  if (!app) {
    const config = edgeConfig();
    const origin = createOriginClient({ originUrl: config.originUrl, secret: config.secret });
    app = createEdgeApp({
      links: createCachedLinkStore(createOriginLinkStore(origin)),
      gates: createOriginGates(origin),
      clicks: createBatchingClickSink(origin, {
        onDrop: (events, error) =>
          console.error(JSON.stringify({ level: "error", msg: "click batch dropped", count: events.length, error: String(error) })),
      }),
      options: {
        secret: config.secret,
        homeUrl: config.homeUrl,
        passwordTtlSeconds: config.linkPasswordTtlSeconds,
        facts: (request) => extractFacts(request, { geo: config.geo, trustedIpHeader: config.trustedIpHeader }),
      },
    });
  }
  return app;
}
