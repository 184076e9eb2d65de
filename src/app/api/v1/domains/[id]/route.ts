import { z } from "zod";
import { parseQuery } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { deleteDomain, getDomain } from "@/server/domains/service";

const deleteQuery = z.strictObject({ force: z.enum(["true", "false"], { error: "must be true or false" }).optional() });

export const GET = withPrincipal("domains:read", async (_request, { principal, params }) => Response.json(await getDomain(principal, params.id!)));

/** 409 while links use the domain, unless ?force=true (which deletes them too). */
export const DELETE = withPrincipal("domains:write", async (request, { principal, params }) => {
  const { force } = parseQuery(request, deleteQuery);
  return Response.json(await deleteDomain(principal, params.id!, force === "true"));
});
