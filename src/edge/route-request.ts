import { isDomainName } from "@/core/domains";
import { isAppPath } from "@/core/reserved";

export interface HostRouting {
  appHost: string;
  shortDomains: readonly string[];
  /** Where the edge reaches the origin; never a custom domain (it would loop). Defaults to the app host. */
  originHost?: string;
  /** Answer other domain names as custom short domains (CUSTOM_DOMAINS, default on). */
  customDomains?: boolean;
}

/**
 * Whether a request on `host` is for short links: a configured short domain, or (custom domains on)
 * any DNS name without a port that is neither the app host nor the origin. Custom domains are not
 * listed anywhere at the edge: the origin's lookup by host + key answers not-found for a host no
 * workspace verified, and the edge caches that like any unknown key (docs/decisions/0020).
 */
export function isShortHost(host: string, routing: HostRouting): boolean {
  const normalized = host.toLowerCase();
  if (routing.shortDomains.includes(normalized)) return true;
  if (!routing.customDomains) return false;
  return normalized !== routing.appHost && normalized !== (routing.originHost ?? routing.appHost) && isDomainName(normalized.replace(/\.$/, ""));
}

const LOOPBACK_HOST = /^(?:localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/**
 * The host a request is routed and looked up by. With a loopback app host (the default APP_URL,
 * http://localhost:3000), the other loopback names for the same port reach the same process: a
 * visitor who typed 127.0.0.1:3000/abc gets the link localhost:3000/abc instead of Next's 404. A
 * loopback name listed in SHORT_DOMAINS is a short domain of its own and stays itself.
 */
export function canonicalHost(host: string, routing: HostRouting): string {
  if (host === routing.appHost || routing.shortDomains.includes(host)) return host;
  const app = LOOPBACK_HOST.exec(routing.appHost);
  if (!app) return host;
  const normalized = host.toLowerCase();
  const visited = LOOPBACK_HOST.exec(normalized);
  const ownShortDomain = normalized !== routing.appHost && routing.shortDomains.includes(normalized);
  return visited && visited[1] === app[1] && !ownShortDomain ? routing.appHost : host;
}

/**
 * The brief's host/path rule. A request on a short host that is not the app host goes wholly to
 * the edge app; where one host is both, the app keeps its reserved prefixes and every other path
 * is a short link.
 */
export function servedByEdge(host: string, pathname: string, routing: HostRouting): boolean {
  const normalized = host.toLowerCase();
  if (!isShortHost(normalized, routing)) return false;
  if (normalized !== routing.appHost) return true;
  return !isAppPath(pathname);
}
