import { describe, expect, test } from "vitest";
import { challengeName, isDomainName, normalizeHost } from "./domains";

describe("normalizeHost", () => {
  test.each([
    ["go.example.com", "go.example.com"],
    ["  GO.Example.COM  ", "go.example.com"],
    ["go.example.com.", "go.example.com"],
    ["bücher.example", "xn--bcher-kva.example"],
    ["ÉCOLE.example", "xn--cole-9oa.example"],
    ["a-b.c-d.example", "a-b.c-d.example"],
  ])("accepts %j as %j", (input, host) => {
    expect(normalizeHost(input)).toEqual({ ok: true, host });
  });

  test.each([
    ["", /required/],
    ["http://go.example.com", /without http/],
    ["go.example.com/x", /without a path/],
    ["go.example.com?x", /without a path/],
    ["a@go.example.com", /without user/],
    ["go example.com", /spaces/],
    ["go.example.com:443", /port/],
    ["10.0.0.1", /IP address/],
    ["[::1]", /IP address/],
    ["2001:db8::1", /IP address/],
    ["localhost", /valid domain/],
    ["example.123", /valid domain/],
    ["go_link.example.com", /valid domain/],
    [`${"a".repeat(64)}.example`, /valid domain/],
    ["x.-y.example", /valid domain/],
  ])("refuses %j", (input, problem) => {
    const result = normalizeHost(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(problem);
  });
});

test("isDomainName caps the whole name at 253 characters", () => {
  const label = "a".repeat(63);
  const name = (last: number) => [label, label, label, "a".repeat(last), "com"].join(".");
  expect(name(57)).toHaveLength(253);
  expect(isDomainName(name(57))).toBe(true);
  expect(isDomainName(name(58))).toBe(false);
});

test("the challenge lives under _signpost-challenge", () => {
  expect(challengeName("go.example.com")).toBe("_signpost-challenge.go.example.com");
});
