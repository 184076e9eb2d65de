/**
 * The SSRF guard and the bounded fetch, against real local HTTP servers on loopback (which the
 * guard refuses unless allow-listed — exactly what makes them good targets for both cases).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { addressAllowed, fetchGuarded, OutboundError, type FetchLimits, type OutboundPolicy } from "./outbound";

const NONE: OutboundPolicy = { allow: [] };
const LOOPBACK_ONE: OutboundPolicy = { allow: ["127.0.0.1"] };
const LIMITS: FetchLimits = { timeoutMs: 3_000, maxBytes: 64 * 1024, maxRedirects: 3, accept: "text/html", userAgent: "test" };

describe("addressAllowed", () => {
  test.each([
    "127.0.0.1",
    "127.1.2.3",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254", // cloud metadata
    "100.64.0.1", // carrier-grade NAT
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254", // AWS metadata over IPv6
    "::ffff:127.0.0.1", // IPv4-mapped loopback
    "::ffff:10.1.2.3",
    "64:ff9b::a9fe:a9fe", // NAT64 of 169.254.169.254
    "2002:c0a8:0101::1", // 6to4 of 192.168.1.1
    "not-an-address",
  ])("%s is refused", (address) => {
    expect(addressAllowed(address, NONE)).toBe(false);
  });

  test.each(["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:0808:0808::1"])("%s is public", (address) => {
    expect(addressAllowed(address, NONE)).toBe(true);
  });

  test("the allow-list admits addresses and networks, and nothing else", () => {
    const policy = { allow: ["10.0.0.0/8", "192.168.1.7", "fd00::/8", "intranet.example"] };
    expect(addressAllowed("10.200.3.4", policy)).toBe(true);
    expect(addressAllowed("::ffff:10.200.3.4", policy)).toBe(true);
    expect(addressAllowed("192.168.1.7", policy)).toBe(true);
    expect(addressAllowed("192.168.1.8", policy)).toBe(false);
    expect(addressAllowed("fd12::1", policy)).toBe(true);
    expect(addressAllowed("127.0.0.1", policy)).toBe(false);
  });
});

describe("fetchGuarded", () => {
  let server: http.Server;
  let port = 0;
  const slow = new Set<http.ServerResponse>();

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const url = new URL(request.url!, "http://x");
      switch (url.pathname) {
        case "/page":
          response.writeHead(200, { "content-type": "text/html" }).end("<title>hello</title>");
          return;
        case "/gzip":
          response.writeHead(200, { "content-type": "text/html", "content-encoding": "gzip" }).end(gzipSync("<title>zipped</title>"));
          return;
        case "/big":
          response.writeHead(200, { "content-type": "text/html" }).end("x".repeat(200 * 1024));
          return;
        case "/bomb":
          // 10 MB of zeros in ~10 KB: only maxBytes of it may be inflated.
          response.writeHead(200, { "content-type": "text/html", "content-encoding": "gzip" }).end(gzipSync(Buffer.alloc(10 * 1024 * 1024)));
          return;
        case "/redirect": {
          const to = url.searchParams.get("to")!;
          response.writeHead(302, { location: to }).end();
          return;
        }
        case "/loop":
          response.writeHead(301, { location: `/loop?n=${Number(url.searchParams.get("n") ?? 0) + 1}` }).end();
          return;
        case "/slow":
          slow.add(response);
          response.writeHead(200, { "content-type": "text/html" });
          response.write("<title>never finishes");
          return;
        default:
          response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const response of slow) response.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const at = (path: string, host = "127.0.0.1") => `http://${host}:${port}${path}`;

  async function refusal(promise: Promise<unknown>): Promise<OutboundError> {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OutboundError);
    return error as OutboundError;
  }

  test("a loopback literal is refused without an allow-list entry, fetched with one", async () => {
    expect((await refusal(fetchGuarded(at("/page"), NONE, LIMITS))).code).toBe("forbidden_address");
    const page = await fetchGuarded(at("/page"), LOOPBACK_ONE, LIMITS);
    expect(page.status).toBe(200);
    expect(page.body.toString()).toBe("<title>hello</title>");
  });

  test("a host name is checked by what it resolves to: localhost is loopback", async () => {
    const error = await refusal(fetchGuarded(at("/page", "localhost"), NONE, LIMITS));
    expect(error.code).toBe("forbidden_address");
    expect(error.message).toMatch(/localhost resolves to a non-public address/);
    // An allow-listed name is reachable whatever it resolves to.
    expect((await fetchGuarded(at("/page", "localhost"), { allow: ["localhost"] }, LIMITS)).status).toBe(200);
  });

  test("every redirect hop is checked: an allowed server cannot bounce us to a refused address", async () => {
    const hop = at(`/redirect?to=${encodeURIComponent(at("/page", "127.0.0.2"))}`);
    expect((await refusal(fetchGuarded(hop, { allow: ["127.0.0.1/32"] }, LIMITS))).code).toBe("forbidden_address");
    // With both allowed, the same chain is followed to the end.
    const page = await fetchGuarded(hop, { allow: ["127.0.0.0/8"] }, LIMITS);
    expect(page.url).toBe(at("/page", "127.0.0.2"));
    expect(page.body.toString()).toContain("hello");
  });

  test("redirects to other schemes are refused, and chains are bounded", async () => {
    const toFile = at(`/redirect?to=${encodeURIComponent("file:///etc/passwd")}`);
    expect((await refusal(fetchGuarded(toFile, LOOPBACK_ONE, LIMITS))).code).toBe("bad_url");
    const error = await refusal(fetchGuarded(at("/loop"), LOOPBACK_ONE, LIMITS));
    expect(error.code).toBe("too_many_redirects");
  });

  test("URLs with credentials or other schemes are not fetched", async () => {
    expect((await refusal(fetchGuarded(`http://user:pw@127.0.0.1:${port}/page`, LOOPBACK_ONE, LIMITS))).code).toBe("bad_url");
    expect((await refusal(fetchGuarded("ftp://example.com/", LOOPBACK_ONE, LIMITS))).code).toBe("bad_url");
  });

  test("bodies are decompressed and cut at maxBytes, compressed or not", async () => {
    expect((await fetchGuarded(at("/gzip"), LOOPBACK_ONE, LIMITS)).body.toString()).toBe("<title>zipped</title>");
    const big = await fetchGuarded(at("/big"), LOOPBACK_ONE, LIMITS);
    expect(big.body.length).toBe(LIMITS.maxBytes);
    expect(big.truncated).toBe(true);
    const bomb = await fetchGuarded(at("/bomb"), LOOPBACK_ONE, LIMITS);
    expect(bomb.body.length).toBe(LIMITS.maxBytes);
    expect(bomb.truncated).toBe(true);
  });

  test("a server that never finishes runs into the time limit", async () => {
    const error = await refusal(fetchGuarded(at("/slow"), LOOPBACK_ONE, { ...LIMITS, timeoutMs: 300 }));
    expect(error.code).toBe("timeout");
  });
});
