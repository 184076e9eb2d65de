import { z } from "zod";
import { parseJsonText } from "@/server/api/errors";
import { internalRoute } from "@/server/internal/route";
import { recordPasswordAttempt } from "@/server/internal/edge-gates";
import { verifyInternalRequest } from "@/server/internal/verify";

const bodySchema = z
  .object({
    linkId: z.string().min(1).max(100),
    /** A salted hash of the visitor's IP (hex), computed at the edge; never the raw address. */
    visitor: z.string().regex(/^[0-9a-f]{16,128}$/),
  })
  .strict();

/** Edge -> origin: count one password attempt before the edge checks it; refuse past the limit. */
export const POST = internalRoute(async (request) => {
  const { linkId, visitor } = parseJsonText(await verifyInternalRequest(request), bodySchema);
  return Response.json(await recordPasswordAttempt(linkId, visitor));
});
