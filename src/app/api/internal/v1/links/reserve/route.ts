import { z } from "zod";
import { parseJsonText } from "@/server/api/errors";
import { internalRoute } from "@/server/internal/route";
import { reserveClick } from "@/server/internal/edge-gates";
import { verifyInternalRequest } from "@/server/internal/verify";

const bodySchema = z.object({ linkId: z.string().min(1).max(100) }).strict();

/** Edge -> origin: admit one visit to a maxClicks link, or say it is used up (signed). */
export const POST = internalRoute(async (request) => {
  const { linkId } = parseJsonText(await verifyInternalRequest(request), bodySchema);
  return Response.json(await reserveClick(linkId));
});
