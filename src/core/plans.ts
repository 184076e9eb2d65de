import { z } from "zod";

/**
 * Billing plans and their limits: the one place they are defined (docs/billing.md shows the same
 * table). Pure data, shared by the server's enforcement, the settings page and the docs test.
 */

export const PLANS = ["free", "pro", "business"] as const;
export type Plan = (typeof PLANS)[number];
export type PaidPlan = Exclude<Plan, "free">;
export const PAID_PLANS = ["pro", "business"] as const satisfies readonly PaidPlan[];

/** The resources a plan limits. */
export const LIMITED_RESOURCES = ["links", "clicks", "members", "domains"] as const;
export type LimitedResource = (typeof LIMITED_RESOURCES)[number];

/** A limit: a count, or null for unlimited. */
export type Limits = Record<LimitedResource, number | null>;

export const PLAN_LIMITS: Record<Plan, Limits> = {
  free: { links: 100, clicks: 10_000, members: 2, domains: 1 },
  pro: { links: 2_000, clicks: 250_000, members: 10, domains: 10 },
  business: { links: 25_000, clicks: 2_500_000, members: 50, domains: 100 },
};

/** Every limit off: what a workspace gets when billing is not configured on the instance. */
export const UNLIMITED: Limits = { links: null, clicks: null, members: null, domains: null };

export const PLAN_NAMES: Record<Plan, string> = { free: "Free", pro: "Pro", business: "Business" };

/** What each limit counts, in words: for error messages and the settings page. */
export const RESOURCE_LABELS: Record<LimitedResource, { title: string; unit: string; period: "month" | null }> = {
  links: { title: "Links created", unit: "links created this month", period: "month" },
  clicks: { title: "Clicks tracked", unit: "clicks tracked this month", period: "month" },
  members: { title: "Members", unit: "members and pending invitations", period: null },
  domains: { title: "Custom domains", unit: "custom domains", period: null },
};

/** A plan's limit in words for the plans table: "1 custom domain", "2,000 links a month". */
export function describeLimit(resource: LimitedResource, limit: number | null): string {
  if (limit === null) return `Unlimited ${RESOURCE_LABELS[resource].title.toLowerCase()}`;
  const n = limit.toLocaleString("en");
  const one = limit === 1;
  switch (resource) {
    case "links":
      return `${n} ${one ? "link" : "links"} a month`;
    case "clicks":
      return `${n} tracked ${one ? "click" : "clicks"} a month`;
    case "members":
      return `${n} ${one ? "member" : "members"}, invitations included`;
    case "domains":
      return `${n} custom ${one ? "domain" : "domains"}`;
  }
}

export function isPlan(value: unknown): value is Plan {
  return typeof value === "string" && (PLANS as readonly string[]).includes(value);
}

export function isPaidPlan(value: unknown): value is PaidPlan {
  return typeof value === "string" && (PAID_PLANS as readonly string[]).includes(value);
}

/** The first instant of `at`'s calendar month, UTC: monthly limits count from here. */
export function monthStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

/** Whether adding `adding` to `used` stays within `limit` (null: unlimited). */
export function withinLimit(limit: number | null, used: number, adding: number): boolean {
  return limit === null || used + adding <= limit;
}

/** POST /api/v1/billing/checkout: the paid plan to subscribe to. */
export const checkoutSchema = z.strictObject({ plan: z.enum(PAID_PLANS, { error: "must be pro or business" }).meta({ description: "The paid plan to subscribe to." }) });

/** A Stripe-hosted page to send the owner's browser to (Checkout or the customer portal). */
export const stripeRedirectSchema = z.object({ url: z.url().meta({ description: "The Stripe-hosted page: open it in the owner's browser." }) });

/** GET /api/v1/billing. */
export const billingOverviewSchema = z.object({
  enabled: z.boolean().meta({ description: "False when billing is not enabled on this instance: then no limit applies." }),
  plan: z.enum(PLANS).nullable().meta({ description: "The workspace's plan; null when billing is off." }),
  usage: z.array(
    z.object({
      resource: z.enum(LIMITED_RESOURCES),
      used: z.number().int().min(0).meta({ description: "Links created and human clicks tracked this UTC month; members plus pending invitations; custom domains." }),
      limit: z.number().int().min(0).nullable().meta({ description: "The plan's limit; null: unlimited." }),
    }),
  ),
  subscription: z
    .object({ status: z.string().meta({ description: "Stripe's subscription status: active, trialing, past_due, canceled, ..." }), currentPeriodEnd: z.iso.datetime().nullable(), cancelAtPeriodEnd: z.boolean() })
    .nullable(),
  hasCustomer: z.boolean().meta({ description: "A Stripe customer exists, so the billing portal can open." }),
});
