import { withPrincipal } from "@/server/api/handler";
import { sendTestEvent } from "@/server/webhooks/service";

/** Queues a `ping` event to the endpoint (also when it is disabled). */
export const POST = withPrincipal("webhooks:write", async (_request, { principal, params }) => Response.json(await sendTestEvent(principal, params.id!), { status: 202 }));
