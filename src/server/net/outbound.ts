import "server-only";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { Readable } from "node:stream";
import ipaddr from "ipaddr.js";

/**
 * Outbound HTTP to addresses people give us (link destinations, webhook targets), guarded against
 * server-side request forgery: only http(s), and every address a host name resolves to is checked
 * **when the connection is made** — on every redirect hop — so a name that resolves to a private,
 * loopback, link-local or metadata address (directly, or by rebinding between a check and the
 * connect) is refused. Sizes, time and redirects are bounded.
 */

/** Why an outbound request was refused or failed; `code` is stable, for logs and delivery records. */
export class OutboundError extends Error {
  constructor(
    readonly code: "forbidden_address" | "bad_url" | "too_many_redirects" | "too_large" | "timeout" | "http_status" | "unsupported_type" | "network",
    message: string,
  ) {
    super(message);
    this.name = "OutboundError";
  }
}

/**
 * Address ranges (ipaddr.js names) that are never reached without an allow-list entry: everything
 * but ordinary unicast. Includes loopback, RFC 1918, link-local (169.254/16: cloud metadata
 * endpoints), unique-local and site-local IPv6, CGNAT, multicast, reserved and unspecified, and
 * the IPv6 forms that embed an IPv4 address (checked as that address).
 */
function isPublic(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (address.kind() === "ipv6") {
    const v6 = address as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return isPublic(v6.toIPv4Address());
    // NAT64 (64:ff9b::/96, RFC 6052/6145) and 6to4 (2002::/16) reach IPv4 hosts: check the IPv4 inside.
    const range = v6.range();
    if (range === "rfc6052" || range === "rfc6145") return isPublic(ipv4Of(v6.parts[6]!, v6.parts[7]!));
    if (range === "6to4") return isPublic(ipv4Of(v6.parts[1]!, v6.parts[2]!));
    return range === "unicast";
  }
  return address.range() === "unicast";
}

function ipv4Of(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 255, low >> 8, low & 255]);
}

/** An allow-list entry: a host name (exact), an address, or a CIDR. */
export interface OutboundPolicy {
  allow: readonly string[];
}

function allowedByList(address: ipaddr.IPv4 | ipaddr.IPv6, policy: OutboundPolicy): boolean {
  for (const entry of policy.allow) {
    if (!/[/:]|^\d+\.\d+\.\d+\.\d+$/.test(entry)) continue; // a host name, matched elsewhere
    try {
      const [network, bits] = entry.includes("/") ? ipaddr.parseCIDR(entry) : [ipaddr.parse(entry), entry.includes(":") ? 128 : 32];
      const candidate = address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress() ? (address as ipaddr.IPv6).toIPv4Address() : address;
      if (candidate.kind() === network.kind() && candidate.match(network, bits)) return true;
    } catch {
      // Config validation keeps entries well-formed; an odd one simply matches nothing.
    }
  }
  return false;
}

/** Whether `address` (a literal) may be connected to under `policy`. */
export function addressAllowed(address: string, policy: OutboundPolicy): boolean {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address.replace(/^\[|\]$/g, ""));
  } catch {
    return false;
  }
  return isPublic(parsed) || allowedByList(parsed, policy);
}

function hostAllowListed(hostname: string, policy: OutboundPolicy): boolean {
  return policy.allow.includes(hostname.toLowerCase());
}

/**
 * A `lookup` for http.request: resolves like the system would, then refuses the connection when
 * any resolved address is not allowed (one bad address is enough: a client may try them all).
 */
function guardedLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      const refused = hostAllowListed(hostname, policy) ? [] : addresses.filter((entry) => !addressAllowed(entry.address, policy));
      if (refused.length > 0 || addresses.length === 0) {
        const blocked = new OutboundError("forbidden_address", `${hostname} resolves to a non-public address (${refused[0]?.address ?? "none"})`);
        return callback(blocked as NodeJS.ErrnoException, "", 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

export interface FetchLimits {
  /** Whole request, redirects included. */
  timeoutMs: number;
  /** Body bytes read (after decompression); the rest is not read. */
  maxBytes: number;
  maxRedirects: number;
  /** `accept` header sent. */
  accept: string;
  userAgent: string;
}

/** A request other than a plain GET (webhooks POST a signed body and follow no redirects). */
export interface OutboundRequest {
  method?: "GET" | "POST";
  body?: string;
  headers?: Record<string, string>;
  /** false: a 3xx is the answer (its status is returned), not followed. Default true. */
  followRedirects?: boolean;
}

export interface FetchedBody {
  /** The URL that answered, after redirects. */
  url: string;
  status: number;
  contentType: string;
  body: Buffer;
  /** Whether the body was cut at `maxBytes`. */
  truncated: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Validates a URL we are about to request: http(s), no credentials, literal addresses checked. */
function checkUrl(raw: string, policy: OutboundPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundError("bad_url", `not a URL: ${raw.slice(0, 200)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new OutboundError("bad_url", `only http and https are fetched, not ${url.protocol}`);
  if (url.username || url.password) throw new OutboundError("bad_url", "URLs with credentials are not fetched");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  // The lookup hook is not consulted for literal addresses: check them here.
  if (isIP(host) && !addressAllowed(host, policy)) throw new OutboundError("forbidden_address", `${host} is not a public address`);
  return url;
}

/**
 * GET `url` under the SSRF policy and the limits; follows redirects itself so that every hop is
 * checked. Answers the final response's status and (decompressed, bounded) body; throws
 * OutboundError for refusals and failures.
 */
export async function fetchGuarded(url: string, policy: OutboundPolicy, limits: FetchLimits, request: OutboundRequest = {}): Promise<FetchedBody> {
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  let current = checkUrl(url, policy);
  for (let hop = 0; ; hop++) {
    const response = await requestOnce(current, policy, limits, deadline, request);
    if (REDIRECTS.has(response.status) && request.followRedirects !== false) {
      response.stream.destroy();
      if (!response.location) throw new OutboundError("http_status", `redirect ${response.status} without a location`);
      if (hop >= limits.maxRedirects) throw new OutboundError("too_many_redirects", `more than ${limits.maxRedirects} redirects`);
      current = checkUrl(new URL(response.location, current).toString(), policy);
      continue;
    }
    const { body, truncated } = await readBounded(response.stream, response.encoding, limits.maxBytes, deadline);
    return { url: current.toString(), status: response.status, contentType: response.contentType, body, truncated };
  }
}

interface RawResponse {
  status: number;
  location?: string;
  contentType: string;
  encoding: string;
  stream: Readable;
}

function requestOnce(url: URL, policy: OutboundPolicy, limits: FetchLimits, signal: AbortSignal, options: OutboundRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === "https:" ? https : http;
    const request = client.request(
      url,
      {
        method: options.method ?? "GET",
        lookup: guardedLookup(policy),
        signal,
        headers: {
          accept: limits.accept,
          "accept-encoding": "gzip, deflate, br",
          "user-agent": limits.userAgent,
          ...(options.body !== undefined ? { "content-length": String(Buffer.byteLength(options.body)) } : {}),
          ...options.headers,
        },
      },
      (response) => {
        resolve({
          status: response.statusCode ?? 0,
          location: response.headers.location,
          contentType: String(response.headers["content-type"] ?? ""),
          encoding: String(response.headers["content-encoding"] ?? "").toLowerCase(),
          stream: response,
        });
      },
    );
    request.on("error", (error) => reject(toOutboundError(error, signal)));
    request.end(options.body);
  });
}

function toOutboundError(error: unknown, signal: AbortSignal): OutboundError {
  if (error instanceof OutboundError) return error;
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof OutboundError) return cause;
  if (signal.aborted) return new OutboundError("timeout", "the request took too long");
  return new OutboundError("network", (error as Error)?.message ?? String(error));
}

/** Reads at most `maxBytes` of the decompressed body, then stops reading. */
async function readBounded(raw: Readable, encoding: string, maxBytes: number, signal: AbortSignal): Promise<{ body: Buffer; truncated: boolean }> {
  let stream: Readable = raw;
  if (encoding === "gzip" || encoding === "x-gzip") stream = raw.pipe(createGunzip());
  else if (encoding === "deflate") stream = raw.pipe(createInflate());
  else if (encoding === "br") stream = raw.pipe(createBrotliDecompress());
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of stream) {
      if (signal.aborted) throw new OutboundError("timeout", "the request took too long");
      const buffer = chunk as Buffer;
      if (size + buffer.length >= maxBytes) {
        chunks.push(buffer.subarray(0, maxBytes - size));
        size = maxBytes;
        truncated = true;
        break;
      }
      chunks.push(buffer);
      size += buffer.length;
    }
  } catch (error) {
    throw error instanceof OutboundError ? error : signal.aborted ? new OutboundError("timeout", "the request took too long") : new OutboundError("network", (error as Error).message);
  } finally {
    raw.destroy();
    if (stream !== raw) stream.destroy();
  }
  return { body: Buffer.concat(chunks), truncated };
}

/**
 * Checks a target before it is saved (a webhook URL), for an early, clear error: the scheme, and
 * every address its host resolves to now. Delivery checks again at connect time; this is not the
 * guard, only the courtesy. Throws OutboundError ("bad_url", "forbidden_address", "network").
 */
export async function checkOutboundTarget(raw: string, policy: OutboundPolicy): Promise<void> {
  const url = checkUrl(raw, policy);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) || hostAllowListed(host, policy)) return;
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(host, { all: true }, (error, found) => (error ? reject(new OutboundError("network", `${host} does not resolve (${error.code ?? error.message})`)) : resolve(found))),
  );
  const refused = addresses.find((entry) => !addressAllowed(entry.address, policy));
  if (refused) throw new OutboundError("forbidden_address", `${host} resolves to a non-public address (${refused.address})`);
}
