import "server-only";
import { handle, type HandlerContext } from "@/server/api/handler";

/**
 * Every answer of the edge → origin protocol carries this, errors included: never cached, and never
 * transformed on the way. `next start` gzips a route handler's answer when the client accepts it
 * and the answer has no Content-Length, which a route handler's answer does not have: the edge
 * hosts' fetch asks for gzip, so a 60-byte `202` or a one-link lookup was compressed on the origin
 * and inflated on the edge, CPU on both ends on the hot path for nothing. `no-transform` makes Next's
 * compression (and any proxy honouring it) leave the body as it is.
 */
const INTERNAL_CACHE_CONTROL = "no-store, no-transform";

/** An internal route handler: `handle()` (request id, errors as the one JSON shape) plus INTERNAL_CACHE_CONTROL. */
export function internalRoute(fn: (request: Request, ctx: HandlerContext) => Promise<Response>) {
  const handler = handle(fn);
  return async (...args: Parameters<typeof handler>): Promise<Response> => {
    const response = await handler(...args);
    response.headers.set("cache-control", INTERNAL_CACHE_CONTROL);
    return response;
  };
}
