import { describe, expect, test } from "vitest";
import { isAppPath, isReservedKey, RESERVED_PATH_PREFIXES } from "./reserved";

describe("isReservedKey", () => {
  test.each(["api", "API", "Api", "_next", "login", "Settings", "favicon.ico", "ROBOTS.TXT", "healthz"])("%j is reserved", (key) => {
    expect(isReservedKey(key)).toBe(true);
  });

  test.each(["apis", "ap", "hello", "abc123", "next", "login2", "", "api/x"])("%j is not reserved", (key) => {
    expect(isReservedKey(key)).toBe(false);
  });

  test("every listed prefix is reserved in upper case too", () => {
    for (const prefix of RESERVED_PATH_PREFIXES) expect(isReservedKey(prefix.toUpperCase()), prefix).toBe(true);
  });
});

describe("isAppPath", () => {
  test.each([
    ["/", true],
    ["/api/x", true],
    ["/api", true],
    ["/API", true],
    ["/Api/Links", true],
    ["/_next/static/x", true],
    ["/login", true],
    ["/favicon.ico", true],
    ["/hello", false],
    ["/abc123", false],
    ["/apis", false],
    ["/hello/api", false],
  ])("%s -> %s", (pathname, expected) => {
    expect(isAppPath(pathname)).toBe(expected);
  });
});
