import { edgeLinkSchema, type EdgeLink } from "@/core/link";
import type { OriginClient, Trace } from "./origin-client";

/** Where the edge finds links. Issue #5 puts an in-isolate cache in front of this. */
export interface LinkStore {
  get(domain: string, key: string, trace?: Trace): Promise<EdgeLink | null>;
}

export class OriginUnavailableError extends Error {
  constructor(readonly status: number) {
    super(`origin answered ${status}`);
    this.name = "OriginUnavailableError";
  }
}

/** Looks links up at the origin's signed `GET /api/internal/v1/links/lookup`. */
export function createOriginLinkStore(origin: OriginClient): LinkStore {
  return {
    async get(domain, key, trace) {
      const query = new URLSearchParams({ domain, key });
      const response = await origin.request("GET", `/api/internal/v1/links/lookup?${query}`, { trace });
      if (response.status === 404) {
        // Read, not cancelled, like every answer we expect: see originClickPoster (click-sink.ts).
        await response.arrayBuffer();
        return null;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new OriginUnavailableError(response.status);
      }
      const body = (await response.json()) as { link: unknown };
      return edgeLinkSchema.parse(body.link);
    },
  };
}
