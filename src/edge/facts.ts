/**
 * Request facts, extracted once per short-link request: everything routing rules, bot handling
 * and click recording need to know about the visitor. Web APIs only (it runs on every edge host).
 *
 * Nothing here throws on header content: headers are attacker-controlled, so every value is
 * bounded, validated and, when it does not look right, dropped (null / empty), never trusted.
 *
 * Vocabulary rule authors type (matching is case-insensitive):
 *
 * - device: desktop | mobile | tablet | console | smarttv | wearable | xr | embedded. From
 *   ua-parser-js 1.x `device.type`; a UA with no device type (every desktop browser, and most
 *   bots and HTTP clients) is `desktop`. ua-parser 1.x files headsets (Quest, Pico, Glass) under
 *   `wearable`; they are reported as `xr`. Apple Vision Pro and iPadOS in desktop mode send a Mac
 *   Safari UA and cannot be told apart from a Mac.
 * - os: ua-parser's `os.name`, except "Mac OS" which is reported as "macOS". Common values: iOS,
 *   Android, Windows, macOS, Linux, Ubuntu, Chromium OS, HarmonyOS, Tizen, PlayStation, Xbox.
 * - browser: ua-parser's `browser.name` with mobile variants folded into their family, so a rule
 *   "Safari" also matches Safari on iPhone and "Opera" matches Opera Mobile: "Mobile Safari" ->
 *   "Safari", "Opera Mobi" / "Opera Tablet" -> "Opera", "IEMobile" -> "IE". ua-parser already
 *   names Chrome, Firefox and Edge the same on desktop, Android and iOS (CriOS, FxiOS, EdgiOS).
 *   Distinct products keep their own names: Samsung Internet, Opera Mini, Opera GX, Chrome
 *   WebView (an app's embedded browser, not the user's Chrome), Chrome Headless, and in-app
 *   browsers such as Instagram, Facebook, TikTok, WeChat.
 */
import { isbot } from "isbot";
import UAParser from "ua-parser-js";
import type { GeoPlatform } from "@/config/env";
import { parseIp, type RequestFacts } from "@/core/match-rules";

/** Which geo headers to trust: edgeConfig().geo (GEO_HEADERS, GEO_*_HEADER). */
export interface GeoOptions {
  /** Platforms whose headers are trusted, in order of preference. */
  trusted: readonly GeoPlatform[];
  /** Custom header names (lower case), set by a proxy the operator runs. */
  countryHeader?: string;
  regionHeader?: string;
  cityHeader?: string;
}

/** What extractFacts needs besides the request; edgeConfig() is one (plus remoteAddress). */
export interface FactsOptions {
  geo: GeoOptions;
  /** Header carrying the client IP, set by a trusted proxy (edgeConfig().trustedIpHeader). */
  trustedIpHeader?: string;
  /** The peer address the host reports (Node's socket address, ...), when it has one. */
  remoteAddress?: string | null;
}

const USER_AGENT_MAX = 1024;
const CITY_MAX = 100;
const LANGUAGES_MAX = 10;
/** A real Accept-Language has a handful of entries; a longer list is cut, not parsed in full. */
const LANGUAGE_ENTRIES_MAX = 50;
/** Longer than any textual IPv6 address with a zone id, port and brackets. */
const IP_TEXT_MAX = 100;

/** A header lookup: a Web `Headers`, or a host's own view of its request's headers. */
export interface HeaderReader {
  get(name: string): string | null;
}

/** What extractFacts reads of a request (a Web `Request` is one; so is the edge app's EdgeRequest). */
export interface FactsRequest {
  method: string;
  url: string;
  headers: HeaderReader;
}

/** `url` is the request's URL when the caller has parsed it already (the edge app has). */
export function extractFacts(request: FactsRequest, options: FactsOptions, url: URL = new URL(request.url)): RequestFacts {
  const headers = request.headers;
  const userAgent = headers.get("user-agent")?.slice(0, USER_AGENT_MAX) || null;
  const agent = agentFacts(userAgent);
  const geo = geoFacts(headers, options.geo);
  const method = request.method.toUpperCase();
  return {
    method,
    query: url.searchParams,
    country: geo.country,
    region: geo.region,
    city: geo.city,
    device: agent.device,
    os: agent.os,
    browser: agent.browser,
    languages: parseAcceptLanguage(headers.get("accept-language")),
    ip: clientIp(headers, options),
    isBot: method === "HEAD" || agent.isBot,
    referrerHost: referrerHost(headers.get("referer")),
    userAgent,
  };
}

// ---- Geo ----------------------------------------------------------------------------------------

interface Geo {
  country: string | null;
  region: string | null;
  city: string | null;
}

const PLATFORM_HEADERS: Record<GeoPlatform, { country: string; region: string; city: string }> = {
  vercel: { country: "x-vercel-ip-country", region: "x-vercel-ip-country-region", city: "x-vercel-ip-city" },
  cloudflare: { country: "cf-ipcountry", region: "cf-region-code", city: "cf-ipcity" },
};

function geoFacts(headers: HeaderReader, geo: GeoOptions): Geo {
  const platform = platformGeo(headers, geo.trusted);
  // Custom headers come from a proxy the operator runs: each one that is set and valid wins.
  return {
    country: (geo.countryHeader ? countryCode(headers.get(geo.countryHeader)) : null) ?? platform.country,
    region: (geo.regionHeader ? regionCode(headers.get(geo.regionHeader)) : null) ?? platform.region,
    city: (geo.cityHeader ? cityName(headers.get(geo.cityHeader)) : null) ?? platform.city,
  };
}

/**
 * One platform answers for the whole location (fields are never mixed across platforms): the
 * first trusted platform, in configured order, that gives a valid country.
 *
 * Trusting two platforms (the default) is weaker than trusting one: each platform overwrites its
 * own headers but passes the other's through from the client. So when two trusted platforms give
 * different countries, one of them is spoofed and we cannot tell which: the location is unknown.
 * A client can then erase its location, but never choose it.
 */
function platformGeo(headers: HeaderReader, trusted: readonly GeoPlatform[]): Geo {
  let chosen: Geo | null = null;
  for (const platform of trusted) {
    const names = PLATFORM_HEADERS[platform];
    const country = countryCode(headers.get(names.country));
    if (country === null) continue;
    if (chosen === null) {
      chosen = { country, region: regionCode(headers.get(names.region)), city: cityName(headers.get(names.city)) };
    } else if (chosen.country !== country) {
      return { country: null, region: null, city: null };
    }
  }
  return chosen ?? { country: null, region: null, city: null };
}

/** ISO 3166-1 alpha-2. `XX` (Cloudflare: unknown) and `T1` (Tor) are not countries. */
function countryCode(value: string | null): string | null {
  const code = value?.trim();
  // ASCII is checked before upper-casing: "ß".toUpperCase() is "SS".
  if (!code || !/^[A-Za-z]{2}$/.test(code)) return null;
  const upper = code.toUpperCase();
  return upper === "XX" ? null : upper;
}

/** A subdivision code as the platform sends it: "CA" or "US-CA". */
function regionCode(value: string | null): string | null {
  const code = value?.trim();
  if (!code || code.length > 6 || !/^[A-Za-z0-9]+(-[A-Za-z0-9]+)?$/.test(code)) return null;
  return code.toUpperCase();
}

/**
 * Vercel percent-encodes the city ("S%C3%A3o%20Paulo"). A platform that sends raw UTF-8 bytes
 * reaches us as Latin-1 text ("SÃ£o Paulo", how fetch exposes header bytes); that is repaired too.
 */
function cityName(value: string | null): string | null {
  if (!value || value.length > CITY_MAX * 12) return null; // 100 characters, each at most %XX%XX%XX%XX
  let city = value;
  if (city.includes("%")) {
    try {
      city = decodeURIComponent(city);
    } catch {
      return null; // malformed percent-encoding: not something a platform sends
    }
  } else {
    city = repairLatin1Utf8(city);
  }
  city = city.trim();
  if (!city || [...city].length > CITY_MAX || /[\u0000-\u001f\u007f-\u009f]/.test(city)) return null;
  return city;
}

/** "SÃ£o Paulo" (UTF-8 bytes read as Latin-1) -> "São Paulo"; anything else is returned unchanged. */
function repairLatin1Utf8(text: string): string {
  const codes = Array.from(text, (char) => char.charCodeAt(0));
  if (!codes.some((code) => code >= 0x80) || codes.some((code) => code > 0xff)) return text;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(codes));
  } catch {
    return text; // real Latin-1 ("Z\u00fcrich"), not UTF-8
  }
}

// ---- User agent ---------------------------------------------------------------------------------

type Device = RequestFacts["device"];

const DEVICE_TYPES: Record<string, Device> = {
  mobile: "mobile",
  tablet: "tablet",
  console: "console",
  smarttv: "smarttv",
  wearable: "wearable",
  xr: "xr",
  embedded: "embedded",
};

const BROWSER_FAMILIES: Record<string, string> = {
  "mobile safari": "Safari",
  mobilesafari: "Safari",
  "opera mobi": "Opera",
  "opera mobile": "Opera",
  "opera tablet": "Opera",
  iemobile: "IE",
};

type AgentFacts = Readonly<{ device: Device; os: string | null; browser: string | null; isBot: boolean }>;

const NO_AGENT: AgentFacts = Object.freeze({ device: "desktop", os: null, browser: null, isBot: false });

/**
 * What a user agent says, by agent string. ua-parser's and isbot's regexes were the costliest step
 * of a redirect, and real traffic repeats a few hundred agent strings, so answers are kept: at most
 * AGENT_CACHE_MAX, the oldest dropped first. A flood of distinct agents only evicts; each miss costs
 * what every request cost without the cache. Entries are frozen: callers share them.
 */
const AGENT_CACHE_MAX = 2000;
const agentCache = new Map<string, AgentFacts>();

function agentFacts(userAgent: string | null): AgentFacts {
  if (!userAgent) return NO_AGENT;
  let facts = agentCache.get(userAgent);
  if (!facts) {
    facts = Object.freeze({ ...uncachedParse(userAgent), isBot: isbot(userAgent) });
    if (agentCache.size >= AGENT_CACHE_MAX) agentCache.delete(agentCache.keys().next().value!);
    agentCache.set(userAgent, facts);
  }
  return facts;
}

/** Device, OS and browser family of a user agent (cached; see agentFacts). */
export function parseUserAgent(userAgent: string | null): { device: Device; os: string | null; browser: string | null } {
  return agentFacts(userAgent);
}

function uncachedParse(userAgent: string): { device: Device; os: string | null; browser: string | null } {
  // Never hand ua-parser an empty string (agentFacts does not): it would fall back to the runtime's own navigator.
  try {
    const parser = new UAParser(userAgent); // it reads at most the first 500 characters
    const device = parser.getDevice();
    const osName = parser.getOS().name?.trim() || null;
    const browserName = parser.getBrowser().name?.trim() || null;
    let type: Device = (device.type && DEVICE_TYPES[device.type]) || "desktop";
    // ua-parser 1.x calls headsets wearables (its "XR" section: Quest, Pico, Google Glass).
    if (type === "wearable" && (/^(quest|glass)\b/i.test(device.model ?? "") || /^pico$/i.test(device.vendor ?? ""))) type = "xr";
    return {
      device: type,
      os: osName === "Mac OS" ? "macOS" : osName,
      browser: browserName ? (BROWSER_FAMILIES[browserName.toLowerCase()] ?? browserName) : null,
    };
  } catch {
    return { device: "desktop", os: null, browser: null };
  }
}

// Bots: HEAD requests, and isbot. Link-preview agents (Slack, Facebook, Twitter/X, LinkedIn,
// WhatsApp, Telegram, Discord, Apple, Skype/Teams, Iframely, Reddit, Pinterest, Embedly,
// Google-InspectionTool, VK, Mastodon, Signal, iMessage, ...) were each checked against isbot 5.2.3
// and are all recognised, so no list of our own is needed; facts.test.ts pins that so an isbot
// upgrade that drops one fails loudly.

// ---- Languages ----------------------------------------------------------------------------------

/** Accept-Language -> tags by preference (q desc, then order), lower case, deduplicated, at most 10. */
export function parseAcceptLanguage(value: string | null): string[] {
  if (!value) return [];
  const entries: { tag: string; q: number; index: number }[] = [];
  const parts = value.split(",", LANGUAGE_ENTRIES_MAX);
  parts.forEach((part, index) => {
    const [rawTag, ...params] = part.split(";");
    const tag = rawTag!.trim().toLowerCase();
    if (tag.length > 35 || !/^[a-z]{1,8}(-[a-z0-9]{1,8})*$/.test(tag)) return; // also drops "*"
    let q = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*(0(\.\d{0,3})?|1(\.0{0,3})?)\s*$/i.exec(param);
      if (!match) return; // a malformed weight: the entry means nothing reliable
      q = Number(match[1]);
    }
    if (q > 0) entries.push({ tag, q, index });
  });
  entries.sort((a, b) => b.q - a.q || a.index - b.index);
  const tags: string[] = [];
  for (const { tag } of entries) {
    if (!tags.includes(tag)) tags.push(tag);
    if (tags.length === LANGUAGES_MAX) break;
  }
  return tags;
}

// ---- IP -----------------------------------------------------------------------------------------

/**
 * With TRUSTED_IP_HEADER set, the IP comes from that header only (missing or invalid: null): the
 * peer address is then the proxy's, not the visitor's.
 *
 * A list (x-forwarded-for, or a header sent twice) yields its RIGHTMOST entry: that is the one the
 * trusted proxy appended, the address it saw the request come from. Entries to its left were sent
 * by the client or by proxies we know nothing about, so they can be forged; a forged value must
 * never become the visitor's IP (IP rules would be bypassable).
 */
function clientIp(headers: HeaderReader, options: FactsOptions): string | null {
  if (options.trustedIpHeader) {
    const value = headers.get(options.trustedIpHeader);
    if (!value) return null;
    return validIp(value.slice(value.lastIndexOf(",") + 1));
  }
  return options.remoteAddress ? validIp(options.remoteAddress) : null;
}

/** A bare address from "1.2.3.4", "1.2.3.4:5678", "[2001:db8::1]" or "[2001:db8::1]:443"; else null. */
function validIp(text: string): string | null {
  let address = text.trim();
  if (!address || address.length > IP_TEXT_MAX) return null;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(address);
  if (bracketed) address = bracketed[1]!;
  else if (/^[\d.]+:\d{1,5}$/.test(address)) address = address.slice(0, address.lastIndexOf(":"));
  return parseIp(address) ? address : null;
}

// ---- Referrer -----------------------------------------------------------------------------------

function referrerHost(value: string | null): string | null {
  if (!value) return null;
  try {
    const url = new URL(value.trim());
    return (url.protocol === "http:" || url.protocol === "https:") && url.host ? url.host : null;
  } catch {
    return null;
  }
}
