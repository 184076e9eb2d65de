import { z } from "zod";
import { clickEventSchema } from "./link";

/**
 * Counters an edge host keeps between two reports to the origin (docs/protocol.md, "stats"):
 * requests by outcome, link-cache lookups by result, origin link lookups by status. Each report
 * carries the increments since the previous one, so the origin only adds them up.
 */
const label = z.string().regex(/^[a-z0-9_]{1,32}$/, "must be 1-32 lower-case letters, digits or _");
const counts = z.record(label, z.number().int().min(0).max(1_000_000_000)).refine((value) => Object.keys(value).length <= 32, "at most 32 labels");

export const edgeStatsSchema = z.object({
  /** Which kind of edge host counted: next, redirector, worker (a label on the origin's metrics). */
  host: label,
  redirects: counts.default({}),
  cacheLookups: counts.default({}),
  originLookups: counts.default({}),
});

export type EdgeStatsReport = z.input<typeof edgeStatsSchema>;

/**
 * The body of `POST /api/internal/v1/clicks`: clicks (up to 500), optionally the host's stats.
 * A batch without clicks is valid when it carries stats (the edge's periodic report); a batch
 * without stats is the older form and stays valid.
 */
export const clickIngestBodySchema = z
  .object({ clicks: z.array(clickEventSchema).max(500), stats: edgeStatsSchema.optional() })
  .refine((body) => body.clicks.length > 0 || body.stats !== undefined, { message: "must hold at least one click (or stats)", path: ["clicks"] });
