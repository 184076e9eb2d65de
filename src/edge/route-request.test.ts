import { describe, expect, test } from "vitest";
import { canonicalHost, isShortHost, servedByEdge, type HostRouting } from "./route-request";

describe("servedByEdge", () => {
  describe("a short domain that is not the app host", () => {
    const routing: HostRouting = { appHost: "app.example.com", shortDomains: ["sgn.st", "go.example.com"] };

    test.each(["/abc123", "/api/x", "/_next/static/x", "/login", "/", "/a/b"])("sends %s to the edge", (path) => {
      expect(servedByEdge("sgn.st", path, routing)).toBe(true);
      expect(servedByEdge("go.example.com", path, routing)).toBe(true);
    });
  });

  describe("the app host that is also a short domain", () => {
    const routing: HostRouting = { appHost: "localhost:3000", shortDomains: ["localhost:3000"] };

    test.each(["/", "/api/x", "/API/x", "/_next/static/x", "/login", "/settings/profile", "/favicon.ico"])("keeps the reserved %s for Next", (path) => {
      expect(servedByEdge("localhost:3000", path, routing)).toBe(false);
    });

    test.each(["/abc123", "/hello", "/my-link"])("sends the single-segment %s to the edge", (path) => {
      expect(servedByEdge("localhost:3000", path, routing)).toBe(true);
    });
  });

  describe("a host that is not a short domain", () => {
    const routing: HostRouting = { appHost: "app.example.com", shortDomains: ["sgn.st"] };

    test.each(["app.example.com", "other.example.com", "sgn.st.evil.com", "st"])("never sends %s to the edge", (host) => {
      for (const path of ["/abc123", "/hello", "/api/x", "/"]) expect(servedByEdge(host, path, routing)).toBe(false);
    });
  });

  test("compares the host case-insensitively", () => {
    const routing: HostRouting = { appHost: "app.example.com", shortDomains: ["sgn.st", "app.example.com"] };
    expect(servedByEdge("SGN.ST", "/api/x", routing)).toBe(true);
    expect(servedByEdge("App.Example.COM", "/abc123", routing)).toBe(true);
    expect(servedByEdge("App.Example.COM", "/api/x", routing)).toBe(false);
  });

  test("the port is part of the host", () => {
    const routing: HostRouting = { appHost: "localhost:3000", shortDomains: ["localhost:3000", "sgn.test:8080"] };
    expect(servedByEdge("localhost:3000", "/abc123", routing)).toBe(true);
    expect(servedByEdge("localhost:3001", "/abc123", routing)).toBe(false);
    expect(servedByEdge("localhost", "/abc123", routing)).toBe(false);
    expect(servedByEdge("sgn.test:8080", "/api/x", routing)).toBe(true);
    expect(servedByEdge("sgn.test", "/api/x", routing)).toBe(false);
  });

  test("a short domain on another port than the app host is not the app host", () => {
    const routing: HostRouting = { appHost: "localhost:3000", shortDomains: ["localhost:3000", "localhost:4000"] };
    expect(servedByEdge("localhost:4000", "/api/x", routing)).toBe(true);
    expect(servedByEdge("localhost:3000", "/api/x", routing)).toBe(false);
  });
});

describe("custom domains (CUSTOM_DOMAINS=on)", () => {
  const routing: HostRouting = { appHost: "app.example.com", originHost: "origin.internal:3000", shortDomains: ["sgn.st"], customDomains: true };

  test.each(["go.acme.com", "GO.Acme.COM", "links.xn--bcher-kva.example", "a.b.c.example.org"])("answers every path on the domain name %s at the edge", (host) => {
    for (const path of ["/abc123", "/", "/api/x", "/login", "/_next/static/x"]) expect(servedByEdge(host, path, routing)).toBe(true);
    expect(isShortHost(host, routing)).toBe(true);
  });

  test.each([
    ["the app host", "app.example.com"],
    ["the origin host", "origin.internal:3000"],
    ["a host with a port", "go.acme.com:8080"],
    ["an IPv4 address", "203.0.113.7"],
    ["an IPv4 address with a port", "127.0.0.1:3000"],
    ["an IPv6 literal", "[::1]:3000"],
    ["a single-label name", "localhost"],
    ["a single-label name with a port", "localhost:3000"],
    ["a malformed name", "-bad.example.com"],
    ["an empty host", ""],
  ])("leaves %s (%s) to the app", (_what, host) => {
    expect(isShortHost(host, routing)).toBe(false);
    for (const path of ["/abc123", "/login", "/api/x"]) expect(servedByEdge(host, path, routing)).toBe(false);
  });

  test("the app host that is also a short domain keeps its reserved paths", () => {
    const shared: HostRouting = { appHost: "sgn.st", shortDomains: ["sgn.st"], customDomains: true };
    expect(servedByEdge("sgn.st", "/login", shared)).toBe(false);
    expect(servedByEdge("sgn.st", "/abc", shared)).toBe(true);
    expect(servedByEdge("go.acme.com", "/login", shared)).toBe(true);
  });

  test("the origin host defaults to the app host", () => {
    expect(isShortHost("app.example.com", { appHost: "app.example.com", shortDomains: [], customDomains: true })).toBe(false);
  });

  test("CUSTOM_DOMAINS=off serves SHORT_DOMAINS only", () => {
    const off: HostRouting = { ...routing, customDomains: false };
    expect(isShortHost("go.acme.com", off)).toBe(false);
    expect(isShortHost("sgn.st", off)).toBe(true);
  });
});

describe("canonicalHost", () => {
  const local: HostRouting = { appHost: "localhost:3000", shortDomains: ["localhost:3000", "sgn.st"] };

  test.each(["127.0.0.1:3000", "[::1]:3000", "LOCALHOST:3000"])("%s is the loopback app host's other name", (host) => {
    expect(canonicalHost(host, local)).toBe("localhost:3000");
  });

  test.each(["127.0.0.1:3001", "127.0.0.1", "localhost:3001", "sgn.st", "127.0.0.2:3000", "example.com:3000"])("%s stays itself (another port, or not loopback)", (host) => {
    expect(canonicalHost(host, local)).toBe(host);
  });

  test("the app host and the short domains are themselves", () => {
    expect(canonicalHost("localhost:3000", local)).toBe("localhost:3000");
    expect(canonicalHost("sgn.st", local)).toBe("sgn.st");
  });

  test("a loopback name listed as a short domain has links of its own", () => {
    const both: HostRouting = { appHost: "localhost:3000", shortDomains: ["localhost:3000", "127.0.0.1:3000"] };
    expect(canonicalHost("127.0.0.1:3000", both)).toBe("127.0.0.1:3000");
  });

  test("an app host that is not loopback has no aliases", () => {
    const hosted: HostRouting = { appHost: "app.example.com", shortDomains: ["sgn.st"] };
    expect(canonicalHost("127.0.0.1", hosted)).toBe("127.0.0.1");
    expect(canonicalHost("localhost", hosted)).toBe("localhost");
  });

  test("the default port: a port-less loopback app host takes the other port-less names", () => {
    const bare: HostRouting = { appHost: "localhost", shortDomains: ["localhost"] };
    expect(canonicalHost("127.0.0.1", bare)).toBe("localhost");
    expect(canonicalHost("127.0.0.1:80", bare)).toBe("127.0.0.1:80");
  });
});
