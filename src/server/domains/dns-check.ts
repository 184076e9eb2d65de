import "server-only";
import { Resolver } from "node:dns/promises";
import { isIP } from "node:net";
import { challengeName } from "@/core/domains";

export interface DnsSettings {
  /** DNS_SERVERS: addresses (optionally with a port); empty uses the system's resolvers. */
  servers: readonly string[];
  /** DOMAIN_TARGET: a CNAME target host, or IP addresses; empty skips the pointing check. */
  target: readonly string[];
}

export interface DnsCheck {
  /** The TXT record holds the token. */
  verified: boolean;
  /** Why not, in words fit for the settings page; null when verified. */
  error: string | null;
  /** Whether A/AAAA/CNAME point at the target; null when no target is set or DNS could not tell. */
  pointsHere: boolean | null;
}

const NO_RECORD = new Set(["ENOTFOUND", "ENODATA", "ENONAME"]);

function resolverFor(settings: DnsSettings): Resolver {
  // Two tries of 2.5 s each: "Verify now" answers within seconds even when a server is down.
  const resolver = new Resolver({ timeout: 2_500, tries: 2 });
  if (settings.servers.length > 0) resolver.setServers([...settings.servers]);
  return resolver;
}

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code ?? "";

/** Resolves, or null when the name has no such record; DNS failures other than "no record" throw. */
async function orNone<T>(lookup: Promise<T>): Promise<T | null> {
  try {
    return await lookup;
  } catch (error) {
    if (NO_RECORD.has(codeOf(error))) return null;
    throw error;
  }
}

/**
 * Checks that `_signpost-challenge.<host>` has a TXT record equal to `token` (one of possibly
 * several; long records split in chunks are joined), and, informationally, whether the host points
 * at the configured target.
 */
export async function checkDomainDns(host: string, token: string, settings: DnsSettings): Promise<DnsCheck> {
  const resolver = resolverFor(settings);
  const name = challengeName(host);
  let verified = false;
  let error: string | null = null;
  let dnsDown = false;
  try {
    const records = (await orNone(resolver.resolveTxt(name))) ?? [];
    const values = records.map((chunks) => chunks.join("").trim());
    verified = values.includes(token);
    if (!verified) {
      error = values.length === 0 ? `No TXT record found at ${name}` : `The TXT record at ${name} does not hold this domain's token (found ${values.map((v) => JSON.stringify(v)).join(", ")})`;
    }
  } catch (failure) {
    dnsDown = true;
    error = `DNS lookup of ${name} failed (${codeOf(failure) || String(failure)}); try again later`;
  }
  // Resolvers that just failed would only make the informational check wait out its timeouts too.
  return { verified, error, pointsHere: dnsDown ? null : await pointsAtTarget(resolver, host, settings.target) };
}

/** CNAME to the target host, or A/AAAA among the target's addresses (resolved when it is a name). */
async function pointsAtTarget(resolver: Resolver, host: string, target: readonly string[]): Promise<boolean | null> {
  if (target.length === 0) return null;
  try {
    const targetIsName = target.length === 1 && isIP(target[0]!) === 0;
    if (targetIsName) {
      const cname = await orNone(resolver.resolveCname(host));
      if (cname?.some((value) => value.toLowerCase().replace(/\.$/, "") === target[0])) return true;
    }
    const addressesOf = async (name: string) => [...((await orNone(resolver.resolve4(name))) ?? []), ...((await orNone(resolver.resolve6(name))) ?? [])];
    const expected = targetIsName ? await addressesOf(target[0]!) : [...target];
    const actual = await addressesOf(host);
    if (actual.length === 0 || expected.length === 0) return false;
    return actual.every((address) => expected.includes(address.toLowerCase()));
  } catch {
    return null;
  }
}
