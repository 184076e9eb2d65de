import { describe, expect, test } from "vitest";
import { toHex } from "@/core/keys";
import { HEADER_SIGNATURE, signRequest, verifyRequest } from "@/core/protocol";
import { nodeSignatureCrypto } from "./verify";

const SECRET = "unit-secret-0123456789abcdef0123456789abcdef";
const NOW = Date.parse("2026-12-07T12:00:00Z");

const bodies = ["", "{}", JSON.stringify({ clicks: [{ id: "a", referrer: "ünïcødé — 東京 🚀" }] }), "x".repeat(200_000)];
const paths = ["/api/internal/v1/clicks", "/api/internal/v1/links/lookup?key=hello&domain=localhost%3A3000", "/api/internal/v1/links/lookup?domain=a&key=%C3%BC"];

async function webSha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

describe("the origin's node:crypto signature check", () => {
  test("hashes bodies exactly as Web Crypto does, unicode and large ones included", async () => {
    for (const body of bodies) expect(nodeSignatureCrypto.sha256Hex(body)).toBe(await webSha256Hex(body));
  });

  test("accepts what the edge's Web Crypto signer signed", async () => {
    for (const path of paths) {
      for (const body of bodies) {
        const headers = new Headers({ ...(await signRequest(SECRET, "POST", path, body, NOW)) });
        expect(await verifyRequest(SECRET, "POST", path, headers, body, NOW, nodeSignatureCrypto)).toMatchObject({ ok: true });
      }
    }
  });

  test("refuses every tampered request with the same reason as the Web Crypto check", async () => {
    const path = paths[0]!;
    const body = bodies[2]!;
    const signed = { ...(await signRequest(SECRET, "POST", path, body, NOW)) };
    const flipped = signed[HEADER_SIGNATURE].replace(/^./, (c) => (c === "0" ? "1" : "0"));
    const cases: { secret: string; method: string; path: string; headers: Record<string, string>; body: string }[] = [
      { secret: SECRET, method: "POST", path, headers: signed, body: `${body} ` },
      { secret: SECRET, method: "POST", path, headers: { ...signed, [HEADER_SIGNATURE]: flipped }, body },
      { secret: `${SECRET}x`, method: "POST", path, headers: signed, body },
      { secret: SECRET, method: "PUT", path, headers: signed, body },
      { secret: SECRET, method: "POST", path: `${path}?extra=1`, headers: signed, body },
      { secret: SECRET, method: "POST", path, headers: { ...signed, [HEADER_SIGNATURE]: "ab".repeat(31) }, body },
    ];
    for (const c of cases) {
      const node = await verifyRequest(c.secret, c.method, c.path, new Headers(c.headers), c.body, NOW, nodeSignatureCrypto);
      const web = await verifyRequest(c.secret, c.method, c.path, new Headers(c.headers), c.body, NOW);
      expect(node.ok).toBe(false);
      expect(node).toEqual(web);
    }
  });
});
