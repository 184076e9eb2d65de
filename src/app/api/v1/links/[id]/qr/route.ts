import { qrQuerySchema } from "@/core/qr";
import { parseQuery } from "@/server/api/errors";
import { withPrincipal } from "@/server/api/handler";
import { linkQrCode } from "@/server/links/qr";

/** The link's QR code as SVG or PNG (size, colours, quiet zone, error correction). */
export const GET = withPrincipal("links:read", async (request, { principal, params }) => {
  const query = parseQuery(request, qrQuerySchema);
  const qr = await linkQrCode(principal, params.id!, query);
  return new Response(qr.body, {
    headers: {
      "content-type": qr.contentType,
      "content-disposition": `${query.download ? "attachment" : "inline"}; filename="${qr.filename}"`,
      // The short link can change (key, domain): revalidate rather than keep a stale code.
      "cache-control": "private, no-cache",
      "x-content-type-options": "nosniff",
    },
  });
});
