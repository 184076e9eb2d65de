import "server-only";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import path from "node:path";
import { Reader, type Response as MaxmindResponse } from "maxmind";
import type { clickEventSchema } from "@/core/link";
import { parseUserAgent } from "@/edge/facts";
import type { z } from "zod";

/** A click as the origin received it (defaults applied), before enrichment. */
export type IncomingClick = z.output<typeof clickEventSchema>;
/** A click ready to queue and store: enriched, and without the visitor's network. */
export type StoredClick = Omit<IncomingClick, "ipNetwork">;

/**
 * The GeoLite2 country database shipped as an npm package (@ip-location-db/geolite2-country-mmdb,
 * records `{ country_code }`), or one the operator points GEOIP_DATABASE at (MaxMind's own
 * GeoLite2-Country / GeoIP2-Country, records `{ country: { iso_code } }`). Read once, in memory.
 */
export interface GeoLookup {
  country(ip: string): string | null;
}

type CountryRecord = MaxmindResponse & { country_code?: string; country?: { iso_code?: string } };

/**
 * The shipped database, read from node_modules at run time (a literal path under the working
 * directory, like the API reference's assets: bundlers leave it alone, and next.config.ts traces it).
 */
export const SHIPPED_GEO_DATABASE = "node_modules/@ip-location-db/geolite2-country-mmdb/geolite2-country.mmdb";

export function openGeoDatabase(file?: string): GeoLookup {
  file ??= path.join(process.cwd(), SHIPPED_GEO_DATABASE);
  const reader = new Reader<CountryRecord>(readFileSync(file));
  return {
    country(ip) {
      if (isIP(ip) === 0) return null;
      try {
        const record = reader.get(ip);
        const code = record?.country_code ?? record?.country?.iso_code ?? null;
        return code && /^[A-Z]{2}$/.test(code) ? code : null;
      } catch {
        return null;
      }
    },
  };
}

let defaultGeo: GeoLookup | undefined;

/** The process's GeoIP database, opened on first use (about 9 MB). */
export function geoDatabase(file?: string): GeoLookup {
  defaultGeo ??= openGeoDatabase(file);
  return defaultGeo;
}

/**
 * Fills what the edge could not know, on Node where the databases live:
 * - country from the GeoIP database when the edge had no geo header (the edge then sends the
 *   visitor's anonymised network, which is dropped here: nothing after this function sees it);
 * - device / OS / browser from the user agent when a producer left them out;
 * - the referrer reduced to its host, whatever a producer sent.
 */
export function enrichClick(click: IncomingClick, geo: GeoLookup): StoredClick {
  const { ipNetwork, ...rest } = click;
  const enriched: StoredClick = { ...rest };
  if (!enriched.country && ipNetwork) enriched.country = geo.country(ipNetwork);
  if (enriched.userAgent && (enriched.device === null || enriched.os === null || enriched.browser === null)) {
    const agent = parseUserAgent(enriched.userAgent);
    enriched.device ??= agent.device;
    enriched.os ??= agent.os;
    enriched.browser ??= agent.browser;
  }
  enriched.referrer = referrerHost(enriched.referrer);
  return enriched;
}

/** "https://news.example.com/a?b" or "news.example.com" -> "news.example.com"; junk -> null. */
export function referrerHost(value: string | null): string | null {
  if (!value) return null;
  const trimmed = value.trim().toLowerCase();
  if (/^[a-z0-9.-]+(:\d{1,5})?$/.test(trimmed)) return trimmed.slice(0, 255);
  try {
    const url = new URL(trimmed);
    return (url.protocol === "http:" || url.protocol === "https:") && url.host ? url.host.slice(0, 255) : null;
  } catch {
    return null;
  }
}
