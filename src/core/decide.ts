/**
 * The redirect decision: pure, runtime-neutral, exhaustively tested. Given a link (or none), the
 * request's facts and the time, it says what to answer and why. The edge turns the decision into
 * a response; nothing here does I/O.
 */
import type { EdgeLink, Utm } from "./link";
import { firstMatchingRule, type RequestFacts } from "./match-rules";

export type Decision =
  | { kind: "not_found"; status: 404; reason: "unknown" | "disabled" | "archived" }
  | { kind: "gone"; status: 410; reason: "expired" | "max_clicks" }
  | { kind: "redirect"; status: 301 | 302 | 307 | 308; location: string; reason: "destination" | "rule" | "variant" | "expired_url" | "bot_redirect"; rule?: number; variant?: number }
  | { kind: "frame"; status: 200; location: string; reason: "destination" | "rule" | "variant" | "bot_redirect"; rule?: number; variant?: number }
  | { kind: "preview"; status: 200; reason: "bot_preview" }
  | { kind: "blocked"; status: 403; reason: "bot_blocked" }
  | { kind: "password"; status: 401; reason: "password_required" };

export interface DecisionContext {
  /** A valid password cookie (or a correct password just posted) for this link. */
  passwordVerified: boolean;
  /** The origin refused a click reservation: `maxClicks` is used up. */
  clicksExhausted: boolean;
  /** 0 <= roll < 100, deterministic per visitor and link (the A/B bucket). */
  variantRoll: number;
  /** A variant index the visitor was given before (sticky cookie), if any. */
  stickyVariant: number | null;
}

/** Outcomes that are a visit by a person or bot (previews are fetches, not visits). */
export function emitsClick(decision: Decision): boolean {
  return decision.kind === "redirect" || decision.kind === "frame";
}

/** The variant for a roll: cumulative weights, so weight 30 owns 30 of the 100 buckets. */
export function chooseVariant(weights: readonly number[], roll: number): number {
  let cumulative = 0;
  for (const [index, weight] of weights.entries()) {
    cumulative += weight;
    if (roll < cumulative) return index;
  }
  return weights.length - 1;
}

const UTM_PARAMS: Record<keyof Utm, string> = {
  source: "utm_source",
  medium: "utm_medium",
  campaign: "utm_campaign",
  term: "utm_term",
  content: "utm_content",
};

/** The final URL: the link's UTM fields set, then (if asked) the visitor's query merged in. */
export function finalLocation(destination: string, link: Pick<EdgeLink, "utm" | "forwardQuery">, query: URLSearchParams): string {
  const hasUtm = link.utm && Object.values(link.utm).some(Boolean);
  const forwarding = link.forwardQuery && [...query.keys()].length > 0;
  if (!hasUtm && !forwarding) return destination;
  const url = new URL(destination);
  if (hasUtm) {
    for (const [field, param] of Object.entries(UTM_PARAMS) as [keyof Utm, string][]) {
      const value = link.utm?.[field];
      if (value) url.searchParams.set(param, value);
    }
  }
  if (forwarding) {
    // The visitor's parameters win over the destination's: that is the point of forwarding.
    for (const name of new Set(query.keys())) {
      url.searchParams.delete(name);
      for (const value of query.getAll(name)) url.searchParams.append(name, value);
    }
  }
  return url.toString();
}

export function decide(link: EdgeLink | null, facts: RequestFacts, now: Date, context: DecisionContext): Decision {
  if (!link) return { kind: "not_found", status: 404, reason: "unknown" };
  if (link.disabled) return { kind: "not_found", status: 404, reason: "disabled" };
  if (link.archived) return { kind: "not_found", status: 404, reason: "archived" };

  const expired = link.expiresAt !== null && now.getTime() >= Date.parse(link.expiresAt);
  if (expired || context.clicksExhausted) {
    if (link.expiredUrl) return { kind: "redirect", status: 302, location: link.expiredUrl, reason: "expired_url" };
    return { kind: "gone", status: 410, reason: expired ? "expired" : "max_clicks" };
  }

  const locked = link.passwordHash !== null && !context.passwordVerified;
  if (facts.isBot) {
    if (link.botBehavior === "block") return { kind: "blocked", status: 403, reason: "bot_blocked" };
    // A bot never passes a password gate by being a bot: it gets the card, which names no destination.
    if (link.botBehavior === "preview" || locked) return { kind: "preview", status: 200, reason: "bot_preview" };
  }
  if (locked) return { kind: "password", status: 401, reason: "password_required" };

  let destination = link.url;
  let reason: "destination" | "rule" | "variant" = "destination";
  let rule: number | undefined;
  let variant: number | undefined;

  const matched = firstMatchingRule(link.rules, facts, now);
  const variantsActive = link.variants.length > 0 && (link.variantsEndAt === null || now.getTime() < Date.parse(link.variantsEndAt));
  if (matched !== -1) {
    destination = link.rules[matched]!.url;
    reason = "rule";
    rule = matched;
  } else if (variantsActive) {
    const sticky = context.stickyVariant;
    variant =
      sticky !== null && Number.isInteger(sticky) && sticky >= 0 && sticky < link.variants.length && link.variants[sticky]!.weight > 0
        ? sticky
        : chooseVariant(
            link.variants.map((v) => v.weight),
            context.variantRoll,
          );
    destination = link.variants[variant]!.url;
    reason = "variant";
  }

  const location = finalLocation(destination, link, facts.query);
  const picked = { ...(rule !== undefined ? { rule } : {}), ...(variant !== undefined ? { variant } : {}) };
  const why = facts.isBot ? "bot_redirect" : reason;
  if (link.cloaked) return { kind: "frame", status: 200, location, reason: why, ...picked };
  return { kind: "redirect", status: link.redirectStatus, location, reason: why, ...picked };
}
