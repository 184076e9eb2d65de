import { ApiError } from "@/server/api/errors";
import { internalRoute } from "@/server/internal/route";
import { verifyInternalRequest } from "@/server/internal/verify";
import { lookupLinkForEdge } from "@/server/links/service";

/** Edge -> origin: the link behind host + key (signed; see docs/protocol.md). */
export const GET = internalRoute(async (request) => {
  await verifyInternalRequest(request);
  const url = new URL(request.url);
  const domain = url.searchParams.get("domain");
  const key = url.searchParams.get("key");
  if (!domain) throw new ApiError("bad_request", "domain is required", "domain");
  if (!key) throw new ApiError("bad_request", "key is required", "key");
  const link = await lookupLinkForEdge(domain, key);
  if (!link) throw new ApiError("not_found", "No such link");
  return Response.json({ link });
});
