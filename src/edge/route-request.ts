import { isAppPath } from "@/core/reserved";

export interface HostRouting {
  appHost: string;
  shortDomains: readonly string[];
}

/**
 * The brief's host/path rule. A request on a short domain that is not the app host goes wholly to
 * the edge app; where one host is both, the app keeps its reserved prefixes and every other path
 * is a short link.
 */
export function servedByEdge(host: string, pathname: string, routing: HostRouting): boolean {
  const normalized = host.toLowerCase();
  if (!routing.shortDomains.includes(normalized)) return false;
  if (normalized !== routing.appHost) return true;
  return !isAppPath(pathname);
}
