import { describe, expect, test } from "vitest";
import {
  HEADER_NONCE,
  HEADER_SIGNATURE,
  HEADER_TIMESTAMP,
  MAX_CLOCK_SKEW_MS,
  signRequest,
  verifyRequest,
  type SignedHeaders,
} from "./protocol";

const SECRET = "protocol-test-secret-0123456789abcdef";
const NOW = 1_750_000_000_000;
const LOOKUP = "/api/internal/v1/links/lookup?domain=sgn.st&key=abc123";
const CLICKS = "/api/internal/v1/clicks";
const BODY = JSON.stringify({ clicks: [{ id: "1" }] });

function headersOf(signed: SignedHeaders, overrides: Record<string, string | null> = {}): Headers {
  const headers = new Headers({ ...signed });
  for (const [name, value] of Object.entries(overrides)) {
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }
  return headers;
}

/** Changes one hex digit of a signature, keeping it well-formed. */
function flipLastHexDigit(signature: string): string {
  const last = signature.at(-1)!;
  return signature.slice(0, -1) + (last === "0" ? "1" : "0");
}

describe("signRequest", () => {
  test("produces the three headers: the timestamp given, a UUID nonce and a 64-digit lowercase hex signature", async () => {
    const signed = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    expect(Object.keys(signed).sort()).toEqual([HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP].sort());
    expect(signed[HEADER_TIMESTAMP]).toBe(String(NOW));
    expect(signed[HEADER_NONCE]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(signed[HEADER_SIGNATURE]).toMatch(/^[0-9a-f]{64}$/);
  });

  test("every signature uses a fresh nonce, so two signatures of the same request differ", async () => {
    const a = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    const b = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    expect(a[HEADER_NONCE]).not.toBe(b[HEADER_NONCE]);
    expect(a[HEADER_SIGNATURE]).not.toBe(b[HEADER_SIGNATURE]);
  });

  test("defaults the timestamp to the current time", async () => {
    const before = Date.now();
    const signed = await signRequest(SECRET, "GET", LOOKUP);
    const ts = Number(signed[HEADER_TIMESTAMP]);
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(Date.now());
  });
});

describe("verifyRequest round trip", () => {
  test("a signed GET without body verifies and reports its nonce and timestamp", async () => {
    const signed = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    expect(await verifyRequest(SECRET, "GET", LOOKUP, headersOf(signed), "", NOW)).toEqual({
      ok: true,
      nonce: signed[HEADER_NONCE],
      timestamp: NOW,
    });
  });

  test("a signed POST with a body verifies", async () => {
    const signed = await signRequest(SECRET, "POST", CLICKS, BODY, NOW);
    expect(await verifyRequest(SECRET, "POST", CLICKS, headersOf(signed), BODY, NOW)).toMatchObject({ ok: true });
  });

  test("verification uses the default current time when none is given", async () => {
    const signed = await signRequest(SECRET, "POST", CLICKS, BODY);
    expect((await verifyRequest(SECRET, "POST", CLICKS, headersOf(signed), BODY)).ok).toBe(true);
  });

  test("the method is compared case-insensitively", async () => {
    const signed = await signRequest(SECRET, "post", CLICKS, BODY, NOW);
    expect((await verifyRequest(SECRET, "POST", CLICKS, headersOf(signed), BODY, NOW)).ok).toBe(true);
  });
});

describe("verifyRequest rejects tampering", () => {
  const badSignature = { ok: false, reason: "bad signature" };

  test("a different method", async () => {
    const signed = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    expect(await verifyRequest(SECRET, "POST", LOOKUP, headersOf(signed), "", NOW)).toEqual(badSignature);
  });

  test("a different path", async () => {
    const signed = await signRequest(SECRET, "POST", CLICKS, BODY, NOW);
    expect(await verifyRequest(SECRET, "POST", "/api/internal/v1/clickz", headersOf(signed), BODY, NOW)).toEqual(badSignature);
  });

  test("a different query value", async () => {
    const signed = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    const target = "/api/internal/v1/links/lookup?domain=sgn.st&key=abc124";
    expect(await verifyRequest(SECRET, "GET", target, headersOf(signed), "", NOW)).toEqual(badSignature);
  });

  test("an added query parameter", async () => {
    const signed = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    expect(await verifyRequest(SECRET, "GET", `${LOOKUP}&extra=1`, headersOf(signed), "", NOW)).toEqual(badSignature);
  });

  test("a removed query string", async () => {
    const signed = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    expect(await verifyRequest(SECRET, "GET", "/api/internal/v1/links/lookup", headersOf(signed), "", NOW)).toEqual(badSignature);
  });

  test("a different body", async () => {
    const signed = await signRequest(SECRET, "POST", CLICKS, BODY, NOW);
    const tampered = JSON.stringify({ clicks: [{ id: "2" }] });
    expect(await verifyRequest(SECRET, "POST", CLICKS, headersOf(signed), tampered, NOW)).toEqual(badSignature);
  });

  test("an emptied body", async () => {
    const signed = await signRequest(SECRET, "POST", CLICKS, BODY, NOW);
    expect(await verifyRequest(SECRET, "POST", CLICKS, headersOf(signed), "", NOW)).toEqual(badSignature);
  });

  test("a changed timestamp, even one still within the allowed skew", async () => {
    const signed = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    const headers = headersOf(signed, { [HEADER_TIMESTAMP]: String(NOW + 1) });
    expect(await verifyRequest(SECRET, "GET", LOOKUP, headers, "", NOW)).toEqual(badSignature);
  });

  test("a changed nonce", async () => {
    const signed = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    const headers = headersOf(signed, { [HEADER_NONCE]: crypto.randomUUID() });
    expect(await verifyRequest(SECRET, "GET", LOOKUP, headers, "", NOW)).toEqual(badSignature);
  });

  test("a changed signature digit", async () => {
    const signed = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    const headers = headersOf(signed, { [HEADER_SIGNATURE]: flipLastHexDigit(signed[HEADER_SIGNATURE]) });
    expect(await verifyRequest(SECRET, "GET", LOOKUP, headers, "", NOW)).toEqual(badSignature);
  });

  test("another request's signature", async () => {
    const mine = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    const other = await signRequest(SECRET, "POST", CLICKS, BODY, NOW);
    const headers = headersOf(mine, { [HEADER_SIGNATURE]: other[HEADER_SIGNATURE] });
    expect(await verifyRequest(SECRET, "GET", LOOKUP, headers, "", NOW)).toEqual(badSignature);
  });

  test("a signature made with another secret", async () => {
    const signed = await signRequest("another-secret-0123456789abcdef0123456789", "GET", LOOKUP, "", NOW);
    expect(await verifyRequest(SECRET, "GET", LOOKUP, headersOf(signed), "", NOW)).toEqual(badSignature);
  });

  test("verification with another secret", async () => {
    const signed = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    expect(await verifyRequest(`${SECRET}x`, "GET", LOOKUP, headersOf(signed), "", NOW)).toEqual(badSignature);
  });
});

describe("clock skew", () => {
  const skewed = { ok: false, reason: "timestamp outside allowed skew" };

  test("MAX_CLOCK_SKEW_MS is one minute", () => {
    expect(MAX_CLOCK_SKEW_MS).toBe(60_000);
  });

  test.each([
    ["the verifier is ahead by", 1],
    ["the signer is ahead by", -1],
  ])("%s exactly MAX_CLOCK_SKEW_MS: accepted", async (_label, sign) => {
    const signed = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    expect((await verifyRequest(SECRET, "GET", LOOKUP, headersOf(signed), "", NOW + sign * MAX_CLOCK_SKEW_MS)).ok).toBe(true);
  });

  test.each([
    ["the verifier is ahead by", 1],
    ["the signer is ahead by", -1],
  ])("%s half the allowed skew: accepted", async (_label, sign) => {
    const signed = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    expect((await verifyRequest(SECRET, "GET", LOOKUP, headersOf(signed), "", NOW + (sign * MAX_CLOCK_SKEW_MS) / 2)).ok).toBe(true);
  });

  test("a request older than MAX_CLOCK_SKEW_MS is refused", async () => {
    const signed = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    expect(await verifyRequest(SECRET, "GET", LOOKUP, headersOf(signed), "", NOW + MAX_CLOCK_SKEW_MS + 1)).toEqual(skewed);
  });

  test("a request from further than MAX_CLOCK_SKEW_MS in the future is refused", async () => {
    const signed = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    expect(await verifyRequest(SECRET, "GET", LOOKUP, headersOf(signed), "", NOW - MAX_CLOCK_SKEW_MS - 1)).toEqual(skewed);
  });

  test.each(["soon", "NaN", "Infinity", `${NOW}.5`])("a timestamp that is not an integer (%j) is refused as outside the skew", async (timestamp) => {
    const signed = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    const result = await verifyRequest(SECRET, "GET", LOOKUP, headersOf(signed, { [HEADER_TIMESTAMP]: timestamp }), "", NOW);
    expect(result).toEqual(skewed);
  });
});

describe("query canonicalisation", () => {
  const path = "/api/internal/v1/links/lookup";

  test.each([
    ["percent-encoded ':'", `${path}?domain=localhost:3000&key=abc`, `${path}?domain=localhost%3A3000&key=abc`],
    ["reordered parameters", `${path}?domain=sgn.st&key=abc`, `${path}?key=abc&domain=sgn.st`],
    ["reordered and re-encoded", `${path}?domain=localhost%3A3000&key=abc`, `${path}?key=abc&domain=localhost:3000`],
    ["'+' versus '%20' for a space", `${path}?q=a+b&key=abc`, `${path}?key=abc&q=a%20b`],
    ["an empty query marker", path, `${path}?`],
  ])("%s verify as the same request", async (_label, signedTarget, receivedTarget) => {
    const signed = await signRequest(SECRET, "GET", signedTarget, "", NOW);
    expect((await verifyRequest(SECRET, "GET", receivedTarget, headersOf(signed), "", NOW)).ok).toBe(true);
  });

  test("the edge's URLSearchParams encoding verifies against the raw form the origin may see", async () => {
    const sent = `${path}?${new URLSearchParams({ domain: "localhost:3000", key: "abc" })}`;
    expect(sent).toContain("localhost%3A3000");
    const signed = await signRequest(SECRET, "GET", sent, "", NOW);
    expect((await verifyRequest(SECRET, "GET", `${path}?key=abc&domain=localhost:3000`, headersOf(signed), "", NOW)).ok).toBe(true);
  });

  test("repeated names keep their order: a=1&a=2 and a=2&a=1 mean different things", async () => {
    const signed = await signRequest(SECRET, "GET", `${path}?t=2&t=1`, "", NOW);
    expect((await verifyRequest(SECRET, "GET", `${path}?t=1&t=2`, headersOf(signed), "", NOW)).ok).toBe(false);
    expect((await verifyRequest(SECRET, "GET", `${path}?t=2&t=1`, headersOf(signed), "", NOW)).ok).toBe(true);
  });

  test("the path is bound exactly: a '//host/...' target does not reuse a signature", async () => {
    const signed = await signRequest(SECRET, "GET", `${path}?key=abc`, "", NOW);
    expect(await verifyRequest(SECRET, "GET", `//evil.example${path}?key=abc`, headersOf(signed), "", NOW)).toEqual({ ok: false, reason: "malformed path" });
    await expect(signRequest(SECRET, "GET", "relative/path")).rejects.toThrow(TypeError);
  });

  test("values that decode differently do not verify as equal", async () => {
    const signed = await signRequest(SECRET, "GET", `${path}?domain=a%2Bb`, "", NOW);
    expect((await verifyRequest(SECRET, "GET", `${path}?domain=a+b`, headersOf(signed), "", NOW)).ok).toBe(false);
  });
});

describe("missing and malformed headers", () => {
  test.each([HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE])("without %s: refused as missing", async (header) => {
    const signed = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    expect(await verifyRequest(SECRET, "GET", LOOKUP, headersOf(signed, { [header]: null }), "", NOW)).toEqual({
      ok: false,
      reason: "missing signature headers",
    });
  });

  test("no headers at all: refused as missing", async () => {
    expect(await verifyRequest(SECRET, "GET", LOOKUP, new Headers(), "", NOW)).toEqual({ ok: false, reason: "missing signature headers" });
  });

  test.each([
    ["uppercase hex", (s: string) => s.toUpperCase()],
    ["one digit short", (s: string) => s.slice(1)],
    ["one digit long", (s: string) => `${s}0`],
    ["a non-hex digit", (s: string) => `${s.slice(1)}g`],
    ["base64 instead of hex", () => btoa("x".repeat(48))],
  ])("a signature with %s: refused as malformed", async (_label, mangle) => {
    const signed = await signRequest(SECRET, "GET", LOOKUP, "", NOW);
    const headers = headersOf(signed, { [HEADER_SIGNATURE]: mangle(signed[HEADER_SIGNATURE]) });
    expect(await verifyRequest(SECRET, "GET", LOOKUP, headers, "", NOW)).toEqual({ ok: false, reason: "malformed signature" });
  });
});
