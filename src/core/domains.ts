/**
 * Custom domains (docs/domains.md): the host grammar shared by the API that adds them and by the
 * edge, which answers any host of that grammar as a possible custom short domain.
 */
import { z } from "zod";

/** The DNS name whose TXT record proves a workspace controls `host`. */
export const challengeName = (host: string) => `_signpost-challenge.${host}`;

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Whether `host` (lower-case, already punycode) is a DNS name a custom domain can have: no port,
 * no IP literal, at least two labels, each 1-63 letters, digits or inner hyphens, the last not
 * all digits, 253 characters at most.
 */
export function isDomainName(host: string): boolean {
  if (host.length > 253) return false;
  const labels = host.split(".");
  if (labels.length < 2) return false;
  if (!labels.every((label) => LABEL.test(label))) return false;
  return !/^\d+$/.test(labels.at(-1)!);
}

export type HostCheck = { ok: true; host: string } | { ok: false; problem: string };

/**
 * What a user typed, as the host to store: trimmed, lower-case, internationalised names in punycode
 * (`bücher.example` -> `xn--bcher-kva.example`), a trailing dot dropped. Refuses schemes, paths,
 * ports, credentials and IP addresses with a reason fit for the form.
 */
export function normalizeHost(input: string): HostCheck {
  const typed = input.trim();
  if (typed === "") return { ok: false, problem: "is required" };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(typed)) return { ok: false, problem: "must be a host name only, without http:// or https://" };
  if (/[/?#]/.test(typed)) return { ok: false, problem: "must be a host name only, without a path (e.g. go.example.com)" };
  if (typed.includes("@")) return { ok: false, problem: "must be a host name only, without user or password" };
  if (/\s/.test(typed)) return { ok: false, problem: "must not contain spaces" };
  if (typed.startsWith("[") || /^[\d.]+$/.test(typed) || (typed.match(/:/g)?.length ?? 0) > 1) {
    return { ok: false, problem: "must be a domain name, not an IP address" };
  }
  if (typed.includes(":")) return { ok: false, problem: "must not include a port: custom domains are served on the standard ports" };
  let ascii: string;
  try {
    // The WHATWG URL parser applies IDNA (UTS #46): case folding and punycode, in every runtime.
    ascii = new URL(`http://${typed}/`).hostname;
  } catch {
    return { ok: false, problem: "is not a valid domain name" };
  }
  const host = ascii.replace(/\.$/, "");
  if (!isDomainName(host)) return { ok: false, problem: "is not a valid domain name (e.g. go.example.com)" };
  return { ok: true, host };
}

export const createDomainSchema = z.strictObject({
  host: z.string({ error: "must be a string" }).max(300, "must be at most 300 characters"),
});
export type CreateDomainInput = z.infer<typeof createDomainSchema>;

export const DOMAIN_STATUSES = ["verified", "pending"] as const;

/** A custom domain as the API shows it. */
export const domainViewSchema = z
  .object({
    id: z.string().meta({ description: "The domain's id (`dom_…`)." }),
    host: z.string().meta({ description: "Lower-case, punycode for internationalised names.", example: "go.example.com" }),
    status: z.enum(DOMAIN_STATUSES).meta({ description: "`verified`: links can be created on it. `pending`: its TXT record was not found (yet)." }),
    verifiedAt: z.string().nullable(),
    verification: z
      .object({ type: z.literal("TXT"), name: z.string(), value: z.string() })
      .meta({ description: "The DNS record that proves control of the host: create it at your DNS provider, then verify." }),
    target: z
      .object({ type: z.enum(["CNAME", "A/AAAA"]), value: z.string() })
      .nullable()
      .meta({ description: "Where the host should point (the instance's DOMAIN_TARGET), or null when the instance does not say." }),
    checkedAt: z.string().nullable().meta({ description: "When DNS was last checked (verify, or the periodic re-check)." }),
    checkError: z.string().nullable().meta({ description: "What the last check found wrong (no TXT record, wrong value, DNS failure), or null." }),
    pointsHere: z.boolean().nullable().meta({ description: "Whether the host's A/AAAA/CNAME records point at `target`; null when unknown. Informational: serving does not depend on it." }),
    createdAt: z.string(),
  })
  .meta({ id: "Domain" });
export type DomainView = z.infer<typeof domainViewSchema>;
