import { describe, expect, test } from "vitest";
import { hmacHex } from "@/core/keys";
import { attemptVisitor, variantRoll, visitorId } from "./visitor";

const SECRET = "visitor-secret-0123456789abcdef0123456789abcdef";
const DAY = new Date("2030-06-15T12:00:00Z");

describe("visitorId", () => {
  test("is HMAC(HMAC(secret, 'signpost/visitor/<day>'), ip, UA, workspace), the keys.ts construction, cut to 32 hex", async () => {
    const expected = (await hmacHex(SECRET, "signpost/visitor/2030-06-15", "203.0.113.7\nMozilla/5.0\nws_1")).slice(0, 32);
    expect(visitorId(SECRET, DAY, "203.0.113.7", "Mozilla/5.0", "ws_1")).toBe(expected);
  });

  test("same day, same visitor: same id; another day, workspace, IP or UA: another id", () => {
    const id = visitorId(SECRET, DAY, "203.0.113.7", "UA", "ws_1");
    expect(visitorId(SECRET, new Date("2030-06-15T23:59:59Z"), "203.0.113.7", "UA", "ws_1")).toBe(id);
    expect(visitorId(SECRET, new Date("2030-06-16T00:00:00Z"), "203.0.113.7", "UA", "ws_1")).not.toBe(id);
    expect(visitorId(SECRET, DAY, "203.0.113.7", "UA", "ws_2")).not.toBe(id);
    expect(visitorId(SECRET, DAY, "203.0.113.8", "UA", "ws_1")).not.toBe(id);
    expect(visitorId(SECRET, DAY, "203.0.113.7", "UA2", "ws_1")).not.toBe(id);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(id).not.toContain("203");
  });
});

describe("variantRoll", () => {
  test("is deterministic, in 0..99, and spreads evenly over many visitors", () => {
    expect(variantRoll("v1", "lnk_1")).toBe(variantRoll("v1", "lnk_1"));
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const roll = variantRoll(visitorId(SECRET, DAY, `10.0.${i >> 8}.${i & 255}`, "UA", "ws"), "lnk_1");
      expect(roll).toBeGreaterThanOrEqual(0);
      expect(roll).toBeLessThan(100);
      buckets[Math.floor(roll / 10)]++;
    }
    // 1,000 expected per decile; a fair hash stays well within ±15 %.
    for (const count of buckets) expect(Math.abs(count - 1000)).toBeLessThan(150);
  });
});

describe("attemptVisitor", () => {
  test("hashes the IP with its own purpose key; a missing IP is one shared bucket", async () => {
    const a = await attemptVisitor(SECRET, "203.0.113.7");
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(await attemptVisitor(SECRET, "203.0.113.8"));
    expect(await attemptVisitor(SECRET, null)).toBe(await attemptVisitor(SECRET, null));
  });
});
