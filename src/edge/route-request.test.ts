import { describe, expect, test } from "vitest";
import { servedByEdge, type HostRouting } from "./route-request";

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
