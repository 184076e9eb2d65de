import dgram from "node:dgram";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startDnsServer, type TestDnsServer } from "../../../tests/support/dns-server";
import { checkDomainDns } from "./dns-check";

describe("checkDomainDns against a local DNS server", () => {
  let dns: TestDnsServer;
  beforeAll(async () => {
    dns = await startDnsServer();
    dns.records.set("_signpost-challenge.go.example.test", { TXT: [["other"], ["tok", "en123"]] });
    dns.records.set("go.example.test", { A: ["198.51.100.4"], AAAA: ["2001:db8::4"] });
    dns.records.set("cname.example.test", { CNAME: "edge.example.net." });
  });
  afterAll(() => dns?.stop());

  const settings = (target: string[] = []) => ({ servers: [dns.address], target });

  test("finds the token among several TXT records, chunks joined", async () => {
    expect(await checkDomainDns("go.example.test", "token123", settings())).toEqual({ verified: true, error: null, pointsHere: null });
    const wrong = await checkDomainDns("go.example.test", "token999", settings());
    expect(wrong.verified).toBe(false);
    expect(wrong.error).toMatch(/does not hold this domain's token \(found "other", "token123"\)/);
  });

  test("no record at all: NXDOMAIN reads as a missing record, not a failure", async () => {
    const missing = await checkDomainDns("nothing.example.test", "token123", settings());
    expect(missing).toEqual({ verified: false, error: "No TXT record found at _signpost-challenge.nothing.example.test", pointsHere: null });
  });

  test("pointsHere: IP targets compare every A/AAAA address; a CNAME target matches the host's CNAME", async () => {
    expect((await checkDomainDns("go.example.test", "token123", settings(["198.51.100.4", "2001:db8::4"]))).pointsHere).toBe(true);
    expect((await checkDomainDns("go.example.test", "token123", settings(["198.51.100.4"]))).pointsHere).toBe(false);
    expect((await checkDomainDns("cname.example.test", "x", settings(["edge.example.net"]))).pointsHere).toBe(true);
    expect((await checkDomainDns("cname.example.test", "x", settings(["elsewhere.example.net"]))).pointsHere).toBe(false);
  });

  test("a server failure (SERVFAIL) is reported as a failed lookup and skips the pointing check", async () => {
    dns.failing.add("_signpost-challenge.flaky.example.test");
    const failed = await checkDomainDns("flaky.example.test", "token123", settings(["198.51.100.4"]));
    expect(failed.verified).toBe(false);
    expect(failed.error).toMatch(/^DNS lookup of _signpost-challenge\.flaky\.example\.test failed \(ESERVFAIL\)/);
    expect(failed.pointsHere).toBeNull();
  });

  test("a resolver that does not answer is a failed lookup, not a missing record", async () => {
    // A bound socket that never replies: the resolver times out (2 tries of 2.5 s).
    const silent = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
    try {
      const result = await checkDomainDns("go.example.test", "token123", { servers: [`127.0.0.1:${(silent.address() as AddressInfo).port}`], target: [] });
      expect(result.verified).toBe(false);
      expect(result.error).toMatch(/failed \(ETIMEOUT\)/);
    } finally {
      silent.close();
    }
  }, 15_000);
});
