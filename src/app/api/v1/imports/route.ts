import { withPrincipal } from "@/server/api/handler";
import { getImport, listImports } from "@/server/imports/service";
import { receiveImportFile } from "@/server/imports/upload";

/** Recent imports of the workspace, newest first. */
export const GET = withPrincipal("links:read", async (_request, { principal }) => Response.json({ data: await listImports(principal) }));

/** Upload a file (multipart `file` field, or the raw CSV body): answers the detected format, header and sample rows. */
export const POST = withPrincipal("links:write", async (request, { principal }) =>
  Response.json(await getImport(principal, await receiveImportFile(principal, request)), { status: 201 }),
);
