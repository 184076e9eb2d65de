import { describe, expect, test } from "vitest";
import { clickBatchSchema, createLinkSchema, type ClickEvent } from "./link";

function issuesOf(input: unknown) {
  const result = createLinkSchema.safeParse(input);
  expect(result.success, "expected the input to be rejected").toBe(false);
  return result.error!.issues;
}

describe("createLinkSchema: destination url", () => {
  test.each(["https://example.com", "http://example.com/path?q=1#frag", "HTTPS://EXAMPLE.COM/X", "https://localhost:8443/a"])("accepts %s", (url) => {
    expect(createLinkSchema.parse({ url })).toEqual({ url });
  });

  test("trims surrounding whitespace", () => {
    expect(createLinkSchema.parse({ url: "  https://example.com/a  " }).url).toBe("https://example.com/a");
  });

  test.each([
    ["javascript:", "javascript:alert(1)"],
    ["ftp:", "ftp://files.example.com/x"],
    ["data:", "data:text/html,<script>alert(1)</script>"],
    ["mailto:", "mailto:someone@example.com"],
    ["a relative path", "/relative/path"],
    ["a scheme-less host", "example.com"],
    ["a protocol-relative URL", "//example.com/x"],
    ["an empty string", ""],
  ])("rejects %s", (_label, url) => {
    const issues = issuesOf({ url });
    expect(issues.map((i) => i.path.join("."))).toEqual(["url"]);
    expect(issues[0]!.message).toBe("must be an absolute http(s) URL");
  });

  test("rejects a missing url", () => {
    expect(issuesOf({}).map((i) => i.path.join("."))).toEqual(["url"]);
  });

  test("rejects a destination longer than 32,000 characters", () => {
    const url = `https://example.com/${"a".repeat(32_000)}`;
    expect(issuesOf({ url })[0]!.message).toBe("must be at most 32,000 characters");
  });
});

describe("createLinkSchema: key", () => {
  test("accepts a valid custom key and trims it", () => {
    expect(createLinkSchema.parse({ url: "https://example.com", key: " my-Link_1 " }).key).toBe("my-Link_1");
  });

  test.each(["api", "API", "login", "Settings", "healthz"])("rejects the reserved key %j", (key) => {
    const issues = issuesOf({ url: "https://example.com", key });
    expect(issues.map((i) => i.path.join("."))).toEqual(["key"]);
    expect(issues.some((i) => i.message === "is reserved by the app")).toBe(true);
  });

  test.each(["a b", "-abc", "abc-", "a/b", "a.b", "caf\u00e9", ""])("rejects the invalid key %j", (key) => {
    const issues = issuesOf({ url: "https://example.com", key });
    expect(issues.map((i) => i.path.join("."))).toContain("key");
    expect(issues[0]!.message).toMatch(/letters, digits/);
  });

  test("rejects a key longer than 190 characters, saying so", () => {
    const issues = issuesOf({ url: "https://example.com", key: "x".repeat(191) });
    expect(issues[0]!.path).toEqual(["key"]);
    expect(issues[0]!.message).toBe("must be at most 190 characters");
  });
});

describe("createLinkSchema: domain and unknown fields", () => {
  test("lower-cases and trims the domain", () => {
    expect(createLinkSchema.parse({ url: "https://example.com", domain: " Sgn.ST " }).domain).toBe("sgn.st");
  });

  test("rejects unknown fields because the object is strict", () => {
    const issues = issuesOf({ url: "https://example.com", clicks: 99 });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.code).toBe("unrecognized_keys");
    expect((issues[0] as { keys?: string[] }).keys).toEqual(["clicks"]);
  });
});

describe("clickBatchSchema", () => {
  function click(overrides: Partial<ClickEvent> = {}): ClickEvent {
    return {
      id: crypto.randomUUID(),
      linkId: "lnk_1",
      workspaceId: "ws_1",
      at: new Date().toISOString(),
      url: "https://example.com",
      userAgent: "Mozilla/5.0",
      referrer: "news.example.com",
      isBot: false,
      country: null,
      ...overrides,
    };
  }
  const batchOf = (n: number) => ({ clicks: Array.from({ length: n }, () => click()) });

  test("rejects an empty batch", () => {
    expect(clickBatchSchema.safeParse(batchOf(0)).success).toBe(false);
  });

  test.each([1, 500])("accepts %i clicks", (n) => {
    expect(clickBatchSchema.parse(batchOf(n)).clicks).toHaveLength(n);
  });

  test("rejects 501 clicks", () => {
    expect(clickBatchSchema.safeParse(batchOf(501)).success).toBe(false);
  });

  test.each([
    ["an id that is not a UUID", { id: "click-1" }],
    ["a timestamp that is not ISO", { at: "yesterday" }],
    ["a three-letter country", { country: "USA" }],
    ["a user agent over 1024 characters", { userAgent: "u".repeat(1025) }],
  ])("rejects a click with %s", (_label, overrides) => {
    expect(clickBatchSchema.safeParse({ clicks: [click(), click(overrides as Partial<ClickEvent>)] }).success).toBe(false);
  });

  test("accepts null user agent, referrer and country", () => {
    expect(clickBatchSchema.safeParse({ clicks: [click({ userAgent: null, referrer: null, country: null })] }).success).toBe(true);
  });
});
