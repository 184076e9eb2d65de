import { describe, expect, test } from "vitest";
import { contrastRatio, qrQuerySchema } from "./qr";

describe("contrastRatio (WCAG 2)", () => {
  test("black on white is 21:1, a colour on itself 1:1, order does not matter", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#ffffff", "#000000")).toBeCloseTo(21, 5);
    expect(contrastRatio("#3a7bd5", "#3a7bd5")).toBe(1);
  });
  test("matches published WCAG figures", () => {
    // #767676 on white is the classic 4.54:1 AA boundary grey; #777777 just misses it (4.48:1).
    expect(contrastRatio("#767676", "#ffffff")).toBeCloseTo(4.54, 2);
    expect(contrastRatio("#777777", "#ffffff")).toBeCloseTo(4.48, 2);
  });
});

describe("qrQuerySchema", () => {
  test("defaults", () => {
    expect(qrQuerySchema.parse({})).toEqual({ format: "svg", size: 512, fg: "#000000", bg: "#ffffff", margin: 2, ecc: "M", download: false });
  });
  test("normalises colours and coerces numbers", () => {
    expect(qrQuerySchema.parse({ fg: " #1A2B3C ", bg: "FFFFFF", size: "300", margin: "0", download: "true" })).toMatchObject({
      fg: "#1a2b3c",
      bg: "#ffffff",
      size: 300,
      margin: 0,
      download: true,
    });
  });
  test("light modules on a dark background are fine when they contrast", () => {
    expect(qrQuerySchema.safeParse({ fg: "ffffff", bg: "000000" }).success).toBe(true);
  });
  test("too little contrast is an error on fg", () => {
    const result = qrQuerySchema.safeParse({ fg: "777777", bg: "888888" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["fg"]);
  });
});
