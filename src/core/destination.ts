/** Link destinations: where a visitor may be sent. */
import { z } from "zod";

const MAX_URL_LENGTH = 32_000;

/** An absolute http(s) URL without credentials; `javascript:`, `data:`, `file:` … are refused. */
export const destinationSchema = z
  .string()
  .trim()
  .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH.toLocaleString("en")} characters`)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be an absolute http(s) URL" });
      return;
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      ctx.addIssue({ code: "custom", message: "must be an absolute http(s) URL" });
    } else if (url.username || url.password) {
      ctx.addIssue({ code: "custom", message: "must not contain credentials (user:password@)" });
    } else if (!url.hostname) {
      ctx.addIssue({ code: "custom", message: "must have a host" });
    }
  });

/** A destination that points back at one of our own short hosts would redirect in a loop. */
export function isLoopDestination(url: string, shortHosts: readonly string[]): boolean {
  try {
    // "localhost.:3000" and "sgn.st." name the same host as without the trailing dot.
    const url_ = new URL(url);
    const host = (url_.hostname.replace(/\.$/, "") + (url_.port ? `:${url_.port}` : "")).toLowerCase();
    return shortHosts.includes(host);
  } catch {
    return false;
  }
}

/** An ISO 8601 date-time between 1970 and 9999 (Postgres has no year 0; two-digit years mislead). */
export const dateTimeSchema = z.iso
  .datetime({ offset: true, error: "must be an ISO 8601 date-time" })
  .refine((value) => {
    const year = new Date(value).getUTCFullYear();
    return year >= 1970 && year <= 9999;
  }, "must be between the years 1970 and 9999");
