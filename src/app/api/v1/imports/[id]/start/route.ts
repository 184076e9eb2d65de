import { startImportSchema } from "@/core/imports";
import { parseJsonBody } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { startImport } from "@/server/imports/service";

/** The mapping step: column → field, the mode and the default domain; queues the import. */
export const POST = withPrincipal("links:write", async (request, { principal, params }) =>
  Response.json(await startImport(principal, params.id!, await parseJsonBody(request, startImportSchema)), { status: 202 }),
);
