/**
 * Routing-rule evaluation: pure, runtime-neutral. A rule matches when all its conditions match;
 * the first matching rule wins.
 */
import type { Condition, RoutingRule } from "./rules";

/** What the edge knows about a request, extracted once (src/edge/facts.ts). */
export interface RequestFacts {
  method: string;
  /** Parsed query of the short-link request. */
  query: URLSearchParams;
  /** ISO 3166-1 alpha-2, upper case, from a trusted header only. */
  country: string | null;
  /** Subdivision code as the platform gives it (e.g. CA or US-CA), upper case. */
  region: string | null;
  city: string | null;
  device: "desktop" | "mobile" | "tablet" | "console" | "smarttv" | "wearable" | "xr" | "embedded";
  os: string | null;
  browser: string | null;
  /** Accept-Language tags in preference order, lower case. */
  languages: string[];
  ip: string | null;
  isBot: boolean;
  referrerHost: string | null;
  userAgent: string | null;
}

const equalsIgnoreCase = (a: string, b: string) => a.localeCompare(b, "en", { sensitivity: "accent" }) === 0;

function languageMatches(wanted: string, languages: string[]): boolean {
  // "en" matches "en" and "en-gb"; "pt-br" matches only "pt-br".
  return languages.some((tag) => tag === wanted || tag.startsWith(`${wanted}-`));
}

function regionMatches(wanted: string, facts: RequestFacts): boolean {
  if (!facts.region) return false;
  const region = facts.region.toUpperCase();
  if (wanted.includes("-")) return wanted === region || (facts.country !== null && wanted === `${facts.country}-${region}`);
  return region === wanted || region.endsWith(`-${wanted}`);
}

export function conditionMatches(condition: Condition, facts: RequestFacts, now: Date): boolean {
  switch (condition.type) {
    case "country":
      return facts.country !== null && condition.in.includes(facts.country);
    case "region":
      return condition.in.some((wanted) => regionMatches(wanted, facts));
    case "city":
      return facts.city !== null && condition.in.some((city) => equalsIgnoreCase(city, facts.city!));
    case "device":
      return condition.in.includes(facts.device);
    case "os":
      return facts.os !== null && condition.in.some((os) => equalsIgnoreCase(os, facts.os!));
    case "browser":
      return facts.browser !== null && condition.in.some((browser) => equalsIgnoreCase(browser, facts.browser!));
    case "language":
      return condition.in.some((wanted) => languageMatches(wanted, facts.languages));
    case "query": {
      const values = facts.query.getAll(condition.param);
      return condition.equals === undefined ? values.length > 0 : values.includes(condition.equals);
    }
    case "ip":
      return facts.ip !== null && condition.in.some((block) => ipInBlock(facts.ip!, block));
    case "before":
      return now.getTime() < Date.parse(condition.at);
    case "after":
      return now.getTime() >= Date.parse(condition.at);
  }
}

/** Index of the first rule whose conditions all match, or -1. */
export function firstMatchingRule(rules: readonly RoutingRule[], facts: RequestFacts, now: Date): number {
  return rules.findIndex((rule) => rule.conditions.every((condition) => conditionMatches(condition, facts, now)));
}

// ---- IP and CIDR --------------------------------------------------------------------------------

/** An address as 4 (IPv4) or 16 (IPv6) bytes; IPv4-mapped IPv6 becomes IPv4. Null if invalid. */
export function parseIp(text: string): Uint8Array | null {
  const v4 = parseIpv4(text);
  if (v4) return v4;
  const v6 = parseIpv6(text);
  if (!v6) return null;
  const mapped = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? v6.slice(12) : v6;
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes = parts.map((part) => (/^(0|[1-9]\d{0,2})$/.test(part) ? Number(part) : NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? Uint8Array.from(bytes) : null;
}

function parseIpv6(text: string): Uint8Array | null {
  // Drop a zone id ("fe80::1%eth0"); an empty or odd one makes the text invalid.
  const zone = text.indexOf("%");
  if (zone !== -1 && !/^[0-9A-Za-z._~-]+$/.test(text.slice(zone + 1))) return null;
  let address = zone === -1 ? text : text.slice(0, zone);
  let tail: Uint8Array | null = null;
  const lastColon = address.lastIndexOf(":");
  if (address.includes(".", lastColon)) {
    tail = parseIpv4(address.slice(lastColon + 1));
    if (!tail) return null;
    address = `${address.slice(0, lastColon + 1)}0:0`;
  }
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 2 && missing < 1) || (halves.length === 1 && missing !== 0)) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  if (all.length !== 8 || !all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  if (tail) bytes.set(tail, 12);
  return bytes;
}

/**
 * True when `ip` equals `block` (an address) or lies inside it (a CIDR block).
 *
 * IPv4 and IPv6 are separate families: an IPv4 block never contains an IPv6 address and vice
 * versa. IPv4-mapped IPv6 (`::ffff:10.1.2.3`) is IPv4, as an address and as a block: the block
 * `::ffff:10.0.0.0/104` is `10.0.0.0/8`. A mapped-notation block shorter than /96 reaches beyond
 * the mapped range, so it is an IPv6 block like any other.
 */
export function ipInBlock(ip: string, block: string): boolean {
  const [base, prefixText, ...extra] = block.split("/");
  if (extra.length > 0 || (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText))) return false;
  const address = parseIp(ip);
  let network = parseIp(base ?? "");
  if (!address || !network) return false;
  let bits = prefixText === undefined ? network.length * 8 : Number(prefixText);
  if (network.length === 4 && base!.includes(":") && prefixText !== undefined) {
    // Mapped notation: the prefix counts IPv6 bits.
    if (bits >= 96) bits -= 96;
    else network = Uint8Array.from([...Array<number>(10).fill(0), 0xff, 0xff, ...network]);
  }
  if (address.length !== network.length || bits > network.length * 8) return false;
  for (let i = 0; i < network.length; i++) {
    const remaining = bits - i * 8;
    if (remaining <= 0) return true;
    const mask = remaining >= 8 ? 0xff : (0xff << (8 - remaining)) & 0xff;
    if ((address[i]! & mask) !== (network[i]! & mask)) return false;
  }
  return true;
}

/**
 * The visitor's network, not the visitor: an IPv4 address with its last octet zeroed (/24), an
 * IPv6 address cut to its first 48 bits, the way analytics tools anonymise addresses. Precise
 * enough for a country lookup, which is all the origin uses it for. Null for anything unparsable.
 */
export function anonymizeIp(ip: string): string | null {
  const bytes = parseIp(ip);
  if (!bytes) return null;
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.0`;
  const group = (i: number) => ((bytes[i]! << 8) | bytes[i + 1]!).toString(16);
  return `${group(0)}:${group(2)}:${group(4)}::`;
}
