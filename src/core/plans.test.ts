import { describe, expect, test } from "vitest";
import { describeLimit, monthStart, PLAN_LIMITS, PLANS, withinLimit } from "./plans";

describe("plans", () => {
  test("each bigger plan allows at least as much of everything", () => {
    for (let i = 1; i < PLANS.length; i++) {
      for (const [resource, limit] of Object.entries(PLAN_LIMITS[PLANS[i]!])) {
        expect(limit ?? Infinity, `${PLANS[i]} ${resource}`).toBeGreaterThanOrEqual(PLAN_LIMITS[PLANS[i - 1]!][resource as keyof (typeof PLAN_LIMITS)["free"]] ?? Infinity);
      }
    }
  });

  test("withinLimit: up to and including the limit; null is unlimited", () => {
    expect(withinLimit(100, 99, 1)).toBe(true);
    expect(withinLimit(100, 100, 1)).toBe(false);
    expect(withinLimit(100, 98, 3)).toBe(false);
    expect(withinLimit(null, 1e9, 1e9)).toBe(true);
  });

  test("monthStart is the first instant of the UTC month, whatever the local time", () => {
    expect(monthStart(new Date("2026-12-31T23:59:59.999Z")).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(monthStart(new Date("2027-01-01T00:00:00.000Z")).toISOString()).toBe("2027-01-01T00:00:00.000Z");
  });

  test("describeLimit speaks singular and plural", () => {
    expect(describeLimit("domains", 1)).toBe("1 custom domain");
    expect(describeLimit("links", 2000)).toBe("2,000 links a month");
    expect(describeLimit("members", null)).toBe("Unlimited members");
  });
});
