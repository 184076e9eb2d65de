import type { RequestFacts } from "@/core/match-rules";

/**
 * Facts of a plain desktop GET with nothing known (no geo, IP, UA or languages), not a bot.
 * Tests override what they need. Web-standard only: edge-runtime tests import it.
 */
export function plainFacts(overrides: Partial<RequestFacts> = {}): RequestFacts {
  return {
    method: "GET",
    query: new URLSearchParams(),
    country: null,
    region: null,
    city: null,
    device: "desktop",
    os: null,
    browser: null,
    languages: [],
    ip: null,
    isBot: false,
    referrerHost: null,
    userAgent: null,
    ...overrides,
  };
}
