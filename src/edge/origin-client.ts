import { signRequest } from "@/core/protocol";

/** Talks to the Node origin's internal endpoints with signed requests (docs/protocol.md). */
export interface OriginClient {
  request(method: "GET" | "POST", pathWithQuery: string, options?: { body?: string; requestId?: string }): Promise<Response>;
}

export interface OriginClientOptions {
  originUrl: string;
  secret: string;
  /** Injected for tests and for hosts with their own fetch (service bindings). */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export function createOriginClient(options: OriginClientOptions): OriginClient {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  return {
    async request(method, pathWithQuery, { body = "", requestId } = {}) {
      // Sign what the origin will see: its own path prefix (if any) included.
      const target = new URL(options.originUrl + pathWithQuery);
      const signed = await signRequest(options.secret, method, target.pathname + target.search, body);
      return doFetch(target, {
        method,
        body: method === "GET" ? undefined : body,
        headers: {
          ...signed,
          ...(method === "GET" ? {} : { "content-type": "application/json" }),
          ...(requestId ? { "x-request-id": requestId } : {}),
        },
        signal: AbortSignal.timeout(timeoutMs),
      });
    },
  };
}
