import type { EdgeLink } from "@/core/link";

/**
 * A complete, plain EdgeLink — every field of edgeLinkSchema at its API default: enabled, no
 * expiry, no password, no rules or variants, 302, bot preview. Tests override what they test.
 * Web-standard only: edge-runtime tests import it.
 */
export function plainEdgeLink(overrides: Partial<EdgeLink> = {}): EdgeLink {
  return {
    id: "lnk_1",
    workspaceId: "ws_1",
    domain: "sgn.test",
    key: "abc",
    url: "https://example.com/landing",
    version: 1,
    createdAt: "2024-03-05T12:00:00.000Z",
    title: null,
    description: null,
    image: null,
    archived: false,
    disabled: false,
    expiresAt: null,
    expiredUrl: null,
    maxClicks: null,
    passwordHash: null,
    forwardQuery: false,
    utm: null,
    cloaked: false,
    redirectStatus: 302,
    botBehavior: "preview",
    rules: [],
    variants: [],
    variantsEndAt: null,
    ...overrides,
  };
}
