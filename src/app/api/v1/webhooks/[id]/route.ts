import { updateWebhookSchema } from "@/core/webhooks";
import { parseJsonBody } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { deleteWebhook, getWebhook, updateWebhook } from "@/server/webhooks/service";

export const GET = withPrincipal("webhooks:read", async (_request, { principal, params }) => Response.json(await getWebhook(principal, params.id!)));

export const PATCH = withPrincipal("webhooks:write", async (request, { principal, params }) =>
  Response.json(await updateWebhook(principal, params.id!, await parseJsonBody(request, updateWebhookSchema))),
);

export const DELETE = withPrincipal("webhooks:write", async (_request, { principal, params }) => {
  await deleteWebhook(principal, params.id!);
  return new Response(null, { status: 204 });
});
