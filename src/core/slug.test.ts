import { describe, expect, test } from "vitest";
import { generateSlug, SLUG_PATTERN } from "./slug";

/** The alphabet generateSlug promises: letters and digits without the look-alikes 0 O 1 l I. */
const EXPECTED_ALPHABET = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"].filter((c) => !"0O1lI".includes(c));

describe("SLUG_PATTERN", () => {
  test.each(["a", "Z", "7", "ab", "abc-DEF_123", "a-b", "a_b", "a--__--b", "x".repeat(190)])("accepts %j", (slug) => {
    expect(SLUG_PATTERN.test(slug)).toBe(true);
  });

  test.each([
    ["empty", ""],
    ["leading dash", "-abc"],
    ["trailing dash", "abc-"],
    ["leading underscore", "_abc"],
    ["trailing underscore", "abc_"],
    ["a lone dash", "-"],
    ["a dot", "a.b"],
    ["a slash", "a/b"],
    ["a space", "a b"],
    ["a non-ASCII letter", "caf\u00e9"],
    ["a percent sign", "a%20b"],
    ["191 characters", "x".repeat(191)],
    ["a trailing newline", "abc\n"],
  ])("rejects %s", (_label, slug) => {
    expect(SLUG_PATTERN.test(slug)).toBe(false);
  });
});

describe("generateSlug", () => {
  test("is 7 characters by default", () => {
    expect(generateSlug()).toHaveLength(7);
  });

  test.each([1, 9, 32, 190])("honours an explicit length of %i", (length) => {
    const slug = generateSlug(length);
    expect(slug).toHaveLength(length);
    expect(SLUG_PATTERN.test(slug)).toBe(true);
  });

  const many = Array.from({ length: 3000 }, () => generateSlug());

  test("every generated slug matches SLUG_PATTERN", () => {
    expect(many.filter((slug) => !SLUG_PATTERN.test(slug))).toEqual([]);
  });

  test("never uses the look-alikes 0 O 1 l I", () => {
    expect(many.filter((slug) => /[0O1lI]/.test(slug))).toEqual([]);
  });

  test("uses exactly the 57-character alphabet, every character of it, roughly uniformly", () => {
    expect(EXPECTED_ALPHABET).toHaveLength(57);
    const counts = new Map<string, number>();
    for (const slug of many) for (const c of slug) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...EXPECTED_ALPHABET].sort());
    // 21,000 draws over 57 characters: ~368 each, standard deviation ~19. A modulo bias or a
    // stuck character would fall far outside these bounds.
    for (const [c, n] of counts) {
      expect(n, `count of ${c}`).toBeGreaterThan(250);
      expect(n, `count of ${c}`).toBeLessThan(490);
    }
  });

  test("many generated slugs are distinct", () => {
    expect(new Set(many).size).toBe(many.length);
  });
});
