/**
 * Behind a proxy, `next start` listens on one address while visitors ask for the short domain:
 * the middleware must route and look links up by the Host header, not by Next's listen URL.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BROWSER_UA, freePort, spawnApp, type RunningApp } from "../support/app-server";
import { clonePglite } from "../support/templates";

/** A GET with its own Host header (fetch cannot set one): status, headers and body. */
function getWithHost(url: string, host: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { host, "user-agent": BROWSER_UA } }, (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode!, headers: response.headers, body }));
      })
      .on("error", reject);
  });
}

/** The same GET, as a redirect: status and location. */
async function get(url: string, host: string): Promise<{ status: number; location: string | undefined }> {
  const { status, headers } = await getWithHost(url, host);
  return { status, location: headers.location };
}

describe("short domain served through a proxy's Host header", () => {
  let app: RunningApp;
  let dataDir: ReturnType<typeof clonePglite>;

  beforeAll(async () => {
    const port = await freePort();
    dataDir = clonePglite();
    app = await spawnApp({ DATA_DIR: dataDir.dataDir, SHORT_DOMAINS: `localhost:${port},go.example` }, { port });
  });
  afterAll(async () => {
    await app?.stop();
    dataDir?.remove();
  });

  test("a link on go.example redirects when the request arrives with Host: go.example", async () => {
    const setup = await fetch(`${app.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Proxy", email: "proxy@example.com", password: "a long enough password", workspace: "Proxy" }),
    });
    const key = (await setup.json()).apiKey.key;
    const created = await fetch(`${app.url}/api/v1/links`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ url: "https://example.com/proxied", key: "via-proxy", domain: "go.example" }),
    });
    expect(created.status).toBe(201);

    expect(await get(`${app.url}/via-proxy`, "go.example")).toEqual({ status: 302, location: "https://example.com/proxied" });
    // On go.example every path is a short link (it is not the app host), so /api is not the API.
    expect((await get(`${app.url}/api`, "go.example")).status).toBe(404);
    // The same key on the app host is a different link (none): 404.
    expect((await get(`${app.url}/via-proxy`, `localhost:${app.port}`)).status).toBe(404);

    // The app host is loopback (localhost): its other loopback names for the same port are the same
    // host, so a visitor who typed 127.0.0.1 gets the app host's link, not Next's 404.
    const local = await fetch(`${app.url}/api/v1/links`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ url: "https://example.com/on-loopback", key: "on-loopback" }),
    });
    expect(local.status).toBe(201);
    for (const host of [`localhost:${app.port}`, `127.0.0.1:${app.port}`, `[::1]:${app.port}`]) {
      expect(await get(`${app.url}/on-loopback`, host), host).toEqual({ status: 302, location: "https://example.com/on-loopback" });
    }
    // Another port is another host; the API stays the API on the alias.
    expect((await get(`${app.url}/on-loopback`, `127.0.0.1:${app.port + 1}`)).status).toBe(404);
    expect((await getWithHost(`${app.url}/api/v1/links`, `127.0.0.1:${app.port}`)).status).toBe(401);
  });

  test("edge → origin routes skip the middleware on every host; other API paths on a short host stay the edge's", async () => {
    const lookup = "/api/internal/v1/links/lookup?domain=go.example&key=via-proxy";
    // Not the edge app's 404 page: the route itself refuses the unsigned call (ADR 0026).
    for (const host of ["go.example", `localhost:${app.port}`]) {
      const response = await getWithHost(`${app.url}${lookup}`, host);
      expect(response.status, host).toBe(401);
      expect((JSON.parse(response.body) as { error: { code: string } }).error.code, host).toBe("unauthorized");
      expect(String(response.headers["server-timing"] ?? ""), host).not.toMatch(/edge;dur=/);
    }
    // The public API is still not served on a short host: the middleware answers there.
    const api = await getWithHost(`${app.url}/api/v1/links`, "go.example");
    expect(api.status).toBe(404);
    expect(String(api.headers["server-timing"])).toMatch(/edge;dur=/);
  });
});
