import { readLinkChanges } from "@/server/events/link-feed";
import { internalRoute } from "@/server/internal/route";
import { verifyInternalRequest } from "@/server/internal/verify";

/**
 * Edge -> origin: the links changed since the caller's cursor (signed; see docs/protocol.md and
 * docs/decisions/0032-link-change-feed.md). No cursor, or one the feed cannot continue, starts a
 * new feed (`fresh`).
 */
export const GET = internalRoute(async (request) => {
  await verifyInternalRequest(request);
  const cursor = new URL(request.url).searchParams.get("cursor");
  return Response.json(await readLinkChanges(cursor));
});
