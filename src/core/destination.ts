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
    return shortHosts.includes(new URL(url).host.toLowerCase());
  } catch {
    return false;
  }
}
