import { edgeConfig } from "@/config/env";
import { createEdgeApp } from "./app";
import { createBatchingClickSink } from "./click-sink";
import { createOriginLinkStore } from "./link-store";
import { createOriginClient } from "./origin-client";

let app: ReturnType<typeof createEdgeApp> | undefined;

/** The edge app wired to the configured origin, built once per isolate. */
export function edgeAppFromConfig() {
  if (!app) {
    const config = edgeConfig();
    const origin = createOriginClient({ originUrl: config.originUrl, secret: config.secret });
    app = createEdgeApp({
      links: createOriginLinkStore(origin),
      clicks: createBatchingClickSink(origin, {
        onDrop: (events, error) =>
          console.error(JSON.stringify({ level: "error", msg: "click batch dropped", count: events.length, error: String(error) })),
      }),
    });
  }
  return app;
}
