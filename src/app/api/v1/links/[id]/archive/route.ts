import { withPrincipal } from "@/server/api/handler";
import { setArchived } from "@/server/links/service";

/** Archive: the link stops redirecting and leaves the default list; nothing is deleted. */
export const POST = withPrincipal("links:write", async (_request, { principal, params }) => Response.json(await setArchived(principal, params.id!, true)));

/** Unarchive. */
export const DELETE = withPrincipal("links:write", async (_request, { principal, params }) => Response.json(await setArchived(principal, params.id!, false)));
