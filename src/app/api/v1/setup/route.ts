import { parseJsonBody } from "@/server/api/errors";
import { handle } from "@/server/api/handler";
import { needsSetup, runFirstSetup, setupSchema } from "@/server/setup/service";

/** Whether first-run setup is still open. */
export const GET = handle(async () => Response.json({ needsSetup: await needsSetup() }));

/** First run: owner account + workspace + API key (shown once). */
export const POST = handle(async (request) => {
  const input = await parseJsonBody(request, setupSchema);
  return Response.json(await runFirstSetup(input), { status: 201, headers: { "cache-control": "no-store" } });
});
