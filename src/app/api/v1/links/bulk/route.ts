import { bulkCreateSchema, bulkDeleteSchema, bulkUpdateSchema, MAX_BULK } from "@/core/link";
import { ApiError, parseJsonText } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { createLinks, deleteLinks, updateLinks } from "@/server/links/service";

// Bulk bodies may be large: up to 1,000 links with rules and variants.
const MAX_BULK_BYTES = 10_000_000;

/** Reads a bulk body: the item count is checked (413) before any item is validated. */
async function readBulk<T>(request: Request, list: "links" | "ids", parse: (text: string) => T): Promise<T> {
  if (Number(request.headers.get("content-length")) > MAX_BULK_BYTES) {
    throw new ApiError("payload_too_large", `Body is larger than ${MAX_BULK_BYTES} bytes`);
  }
  const text = await request.text();
  let count = 0;
  try {
    const items = (JSON.parse(text) as Record<string, unknown> | null)?.[list];
    count = Array.isArray(items) ? items.length : 0;
  } catch {
    // parse() below reports the malformed JSON
  }
  if (count > MAX_BULK) throw new ApiError("payload_too_large", `At most ${MAX_BULK} items per call; got ${count}`, list);
  return parse(text);
}

export const POST = withPrincipal("links:write", async (request, { principal }) => {
  const body = await readBulk(request, "links", (text) => parseJsonText(text, bulkCreateSchema, MAX_BULK_BYTES));
  return Response.json({ data: await createLinks(principal, body.links) }, { status: 201 });
});

export const PATCH = withPrincipal("links:write", async (request, { principal }) => {
  const body = await readBulk(request, "links", (text) => parseJsonText(text, bulkUpdateSchema, MAX_BULK_BYTES));
  return Response.json({ data: await updateLinks(principal, body.links) });
});

export const DELETE = withPrincipal("links:write", async (request, { principal }) => {
  const body = await readBulk(request, "ids", (text) => parseJsonText(text, bulkDeleteSchema, MAX_BULK_BYTES));
  return Response.json({ deleted: await deleteLinks(principal, body.ids) });
});
