import "server-only";
import QRCode from "qrcode";
import { QR_MAX_SIZE, type QrQuery } from "@/core/qr";
import { ApiError } from "@/server/api/errors";
import type { Principal } from "@/server/auth/principal";
import { getLink } from "./service";

const MIN_PIXELS_PER_MODULE = 2;

export interface RenderedQr {
  body: Uint8Array<ArrayBuffer> | string;
  contentType: string;
  filename: string;
}

/**
 * The QR code of a link's short URL, rendered on Node (the `qrcode` package: SVG as text, PNG
 * through pngjs). The code encodes the short link — never the destination — so clicks keep
 * counting and the destination can change after the code is printed.
 */
export async function linkQrCode(principal: Principal, id: string, query: QrQuery): Promise<RenderedQr> {
  const view = await getLink(principal, id);
  const options = {
    errorCorrectionLevel: query.ecc,
    margin: query.margin,
    width: query.size,
    color: { dark: `${query.fg}ff`, light: `${query.bg}ff` },
  };
  // Below two pixels per module a camera cannot tell the modules apart (and the qrcode package
  // would silently ignore a width smaller than one pixel per module): refuse rather than render
  // a code that will not scan. Longer short links need more modules.
  const modules = QRCode.create(view.shortLink, { errorCorrectionLevel: query.ecc }).modules.size + 2 * query.margin;
  const smallest = modules * MIN_PIXELS_PER_MODULE;
  if (query.size < smallest) {
    throw new ApiError(
      "validation_failed",
      smallest > QR_MAX_SIZE
        ? `size cannot be large enough: this link's code is ${modules} modules wide with margin ${query.margin}; lower margin or ecc`
        : `size must be at least ${smallest} for this link (${modules} modules wide with margin ${query.margin}, ${MIN_PIXELS_PER_MODULE} px each)`,
      "size",
    );
  }
  const filename = `${view.key}-qr.${query.format}`;
  if (query.format === "svg") {
    const svg = await QRCode.toString(view.shortLink, { ...options, type: "svg" });
    return { body: svg, contentType: "image/svg+xml; charset=utf-8", filename };
  }
  const png = await QRCode.toBuffer(view.shortLink, { ...options, type: "png" });
  return { body: new Uint8Array(png), contentType: "image/png", filename };
}
