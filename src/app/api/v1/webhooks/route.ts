import { createWebhookSchema } from "@/core/webhooks";
import { parseJsonBody } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { createWebhook, listWebhooks } from "@/server/webhooks/service";

export const GET = withPrincipal("webhooks:read", async (_request, { principal }) => Response.json({ data: await listWebhooks(principal) }));

/** The answer carries the signing secret: the only time it is shown, with rotation. */
export const POST = withPrincipal("webhooks:write", async (request, { principal }) =>
  Response.json(await createWebhook(principal, await parseJsonBody(request, createWebhookSchema)), { status: 201 }),
);
