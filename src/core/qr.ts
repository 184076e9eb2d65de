/**
 * QR code options, shared by the API (`GET /api/v1/links/{id}/qr`) and the dashboard's QR panel.
 * Pure: the rendering happens on Node (src/server/links/qr.ts).
 */
import { z } from "zod";

export const QR_FORMATS = ["svg", "png"] as const;
export const QR_ERROR_CORRECTION = ["L", "M", "Q", "H"] as const;
export const QR_MIN_SIZE = 64;
export const QR_MAX_SIZE = 2048;
/**
 * Scanners need the dark modules clearly darker than the background: below this contrast ratio
 * (WCAG's formula) many phone cameras fail to read the code, so such colours are refused.
 */
export const QR_MIN_CONTRAST = 3;

const HEX_COLOUR = /^#?([0-9a-fA-F]{6})$/;

const colour = (fallback: string, description: string) =>
  z
    .string()
    .trim()
    .regex(HEX_COLOUR, "must be a hex colour like 1a2b3c or #1a2b3c")
    .transform((value) => `#${value.replace("#", "").toLowerCase()}`)
    .default(fallback)
    .meta({ description });

const flag = (description: string) =>
  z
    .enum(["true", "false"], { error: "must be true or false" })
    .default("false")
    .transform((value) => value === "true")
    .meta({ description });

export const qrQuerySchema = z
  .object({
    format: z.enum(QR_FORMATS, { error: `must be one of ${QR_FORMATS.join(", ")}` }).default("svg").meta({ description: "Image format." }),
    size: z.coerce
      .number({ error: "must be a whole number of pixels" })
      .int("must be a whole number of pixels")
      .min(QR_MIN_SIZE, `must be at least ${QR_MIN_SIZE}`)
      .max(QR_MAX_SIZE, `must be at most ${QR_MAX_SIZE}`)
      .default(512)
      .meta({ description: `Width and height in pixels (${QR_MIN_SIZE}–${QR_MAX_SIZE}); quiet zone included.` }),
    fg: colour("#000000", "Colour of the dark modules (hex)."),
    bg: colour("#ffffff", "Background colour (hex)."),
    margin: z.coerce
      .number({ error: "must be a whole number of modules" })
      .int("must be a whole number of modules")
      .min(0, "must be at least 0")
      .max(16, "must be at most 16")
      .default(2)
      .meta({ description: "Quiet zone around the code, in modules (the spec asks for 4; 2 scans well on screens)." }),
    ecc: z
      .enum(QR_ERROR_CORRECTION, { error: `must be one of ${QR_ERROR_CORRECTION.join(", ")}` })
      .default("M")
      .meta({ description: "Error correction: L 7 %, M 15 %, Q 25 %, H 30 % of the code can be damaged or covered." }),
    download: flag("Answer as an attachment (`content-disposition: attachment`) rather than inline."),
  })
  .strict()
  .superRefine((query, ctx) => {
    const ratio = contrastRatio(query.fg, query.bg);
    if (ratio < QR_MIN_CONTRAST) {
      ctx.addIssue({
        code: "custom",
        path: ["fg"],
        message: `must contrast with bg at least ${QR_MIN_CONTRAST}:1 to scan reliably (these colours are ${ratio.toFixed(2)}:1)`,
      });
    }
  });

export type QrQuery = z.infer<typeof qrQuerySchema>;

/** WCAG 2 relative luminance of `#rrggbb`. */
function luminance(hex: string): number {
  const channel = (offset: number) => {
    const value = parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours, 1 (none) to 21 (black on white). */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}
