/**
 * Runs the contract table (scenarios.ts) against one host of the edge app. A host adapter says
 * how to start it next to a Node origin, which short domain it serves, and how to send it a request.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { check, requestHeaders, SCENARIOS } from "./scenarios";

export interface ContractHost {
  /** The Node origin's URL (links are created through its API). */
  originUrl: string;
  /** The short domain this host answers for; links are created on it. */
  domain: string;
  /** Sends a request for `path` (starting with "/") to the host. */
  request(path: string, init: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

export function defineContract(name: string, start: () => Promise<ContractHost>): void {
  describe(`edge contract: ${name}`, () => {
    let host: ContractHost;
    let apiKey: string;
    const keys = new Map<string, string>();

    beforeAll(async () => {
      host = await start();
      const setup = await fetch(`${host.originUrl}/api/v1/setup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Contract", email: "contract@example.com", password: "a long enough password", workspace: "Contract" }),
      });
      expect(setup.status).toBe(201);
      apiKey = (await setup.json()).apiKey.key;
      for (const [index, scenario] of SCENARIOS.entries()) {
        const key = `c${index}x${Math.random().toString(36).slice(2, 8)}`;
        keys.set(scenario.name, key);
        if (!scenario.link) continue;
        const response = await fetch(`${host.originUrl}/api/v1/links`, {
          method: "POST",
          headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
          body: JSON.stringify({ ...scenario.link, key, domain: host.domain }),
        });
        expect(response.status, await response.clone().text()).toBe(201);
      }
    });
    afterAll(async () => {
      await host?.stop();
    });

    test.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))("%s", async (_name, scenario) => {
      const response = await host.request(`/${keys.get(scenario.name)}${scenario.suffix ?? ""}`, {
        method: scenario.method ?? "GET",
        headers: requestHeaders(scenario),
        body: scenario.body,
        redirect: "manual",
      });
      expect(await check(scenario, response)).toEqual([]);
    });
  });
}
