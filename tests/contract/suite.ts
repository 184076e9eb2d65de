/**
 * Runs the contract table (scenarios.ts) against one host of the edge app. A host adapter says
 * how to start it next to a Node origin, which short domain it serves, and how to send it a request.
 * The origin gets DNS_SERVERS pointing at a local DNS server, so the workspace can verify a custom
 * domain for the custom-domain scenarios.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { check, CUSTOM_DOMAIN, requestHeaders, SCENARIOS, UNCLAIMED_DOMAIN } from "./scenarios";

export interface ContractHost {
  /** The Node origin's URL (links are created through its API). */
  originUrl: string;
  /** The short domain this host answers for; links are created on it. */
  domain: string;
  /** Sends a request for `path` (starting with "/") to the host. */
  request(path: string, init: RequestInit): Promise<Response>;
  /** Sends a request for `path` to the host as for another domain name (a custom domain pointed at it). */
  requestAs(domain: string, path: string, init: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/** What the origin of a contract run must be started with (its environment). */
export interface OriginEnv {
  DNS_SERVERS: string;
}

export function defineContract(name: string, start: (originEnv: OriginEnv) => Promise<ContractHost>): void {
  describe(`edge contract: ${name}`, () => {
    let host: ContractHost;
    let dns: TestDnsServer;
    let apiKey: string;
    const keys = new Map<string, string>();

    async function verifyCustomDomain() {
      const api = (method: string, path: string) => fetch(`${host.originUrl}/api/v1${path}`, { method, headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" }, body: method === "POST" && path === "/domains" ? JSON.stringify({ host: CUSTOM_DOMAIN }) : undefined });
      const added = await api("POST", "/domains");
      expect(added.status, await added.clone().text()).toBe(201);
      const domain = (await added.json()) as { id: string; verification: { name: string; value: string } };
      dns.records.set(domain.verification.name, { TXT: [[domain.verification.value]] });
      const verified = await api("POST", `/domains/${domain.id}/verify`);
      expect(((await verified.json()) as { status: string }).status).toBe("verified");
    }

    beforeAll(async () => {
      dns = await startDnsServer();
      host = await start({ DNS_SERVERS: dns.address });
      const setup = await fetch(`${host.originUrl}/api/v1/setup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Contract", email: "contract@example.com", password: "a long enough password", workspace: "Contract" }),
      });
      expect(setup.status).toBe(201);
      apiKey = (await setup.json()).apiKey.key;
      await verifyCustomDomain();
      for (const [index, scenario] of SCENARIOS.entries()) {
        const key = `c${index}x${Math.random().toString(36).slice(2, 8)}`;
        keys.set(scenario.name, key);
        if (!scenario.link) continue;
        const response = await fetch(`${host.originUrl}/api/v1/links`, {
          method: "POST",
          headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
          body: JSON.stringify({ ...scenario.link, key, domain: scenario.on === "custom" ? CUSTOM_DOMAIN : host.domain }),
        });
        expect(response.status, await response.clone().text()).toBe(201);
      }
    });
    afterAll(async () => {
      await host?.stop();
      await dns?.stop();
    });

    test.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))("%s", async (_name, scenario) => {
      const path = `/${keys.get(scenario.name)}${scenario.suffix ?? ""}`;
      const init: RequestInit = { method: scenario.method ?? "GET", headers: requestHeaders(scenario), body: scenario.body, redirect: "manual" };
      const onDomain = scenario.on === "custom" ? CUSTOM_DOMAIN : scenario.on === "unclaimed" ? UNCLAIMED_DOMAIN : null;
      const response = onDomain ? await host.requestAs(onDomain, path, init) : await host.request(path, init);
      expect(await check(scenario, response)).toEqual([]);
    });
  });
}
