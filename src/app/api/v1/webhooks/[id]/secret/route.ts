import { withPrincipal } from "@/server/api/handler";
import { rotateWebhookSecret } from "@/server/webhooks/service";

/** A new signing secret; deliveries made from now on are signed with it. */
export const POST = withPrincipal("webhooks:write", async (_request, { principal, params }) => Response.json(await rotateWebhookSecret(principal, params.id!)));
