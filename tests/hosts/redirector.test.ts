/**
 * The standalone Node redirector (`npm run start:redirector`, src/hosts/node) as a child process,
 * with the built app as its origin: redirects and gates through the origin protocol, clicks
 * landing (also those still buffered at SIGTERM), prompt cache eviction through Redis pub/sub
 * (REDIS_URL set) versus the cache TTL without it, multi-core mode, config errors, and the Node
 * HTTP adapter itself over raw sockets (request targets, HEAD, unread bodies on keep-alive).
 */
import { connect } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { signRequest } from "@/core/protocol";
import { BROWSER_UA, TEST_SECRET, freePort, startApp, type RunningApp } from "../support/app-server";
import { backends } from "../support/databases";
import { locationWithin, metricValue, REDIS_URL, running, sleep, spawnRedirector, startRedirector, waitForListening, waitForSubscribed, type Redirector } from "../support/redirector";

describe.each(backends())("standalone redirector against the %s origin", (backend) => {
  let app: RunningApp;
  let apiKey: string;
  let port: number;
  let host: string;

  beforeAll(async () => {
    port = await freePort();
    host = `localhost:${port}`;
    // The origin lists the redirector's host, so the API accepts links on it; it publishes link changes when Redis is there.
    app = await startApp(backend, { SHORT_DOMAINS: host, ...(REDIS_URL ? { REDIS_URL } : {}) });
    const setup = await fetch(`${app.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Hosts", email: "hosts@example.com", password: "a long enough password", workspace: "Hosts" }),
    });
    expect(setup.status, await setup.clone().text()).toBe(201);
    apiKey = (await setup.json()).apiKey.key;
  });
  afterEach(async () => {
    await Promise.all([...running].map((r) => r.stop()));
  });
  afterAll(async () => {
    await app?.stop();
  });

  const redirectorEnv = (extra: Record<string, string> = {}) => ({ SIGNPOST_SECRET: TEST_SECRET, ORIGIN_URL: app.url, SHORT_DOMAINS: host, ...extra });

  async function api(method: string, pathname: string, body?: unknown) {
    return fetch(`${app.url}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }
  async function createLink(body: Record<string, unknown>) {
    const response = await api("POST", "/api/v1/links", { domain: host, ...body });
    expect(response.status, await response.clone().text()).toBe(201);
    return (await response.json()) as { id: string; key: string; domain: string };
  }
  async function patchLink(id: string, body: Record<string, unknown>) {
    const response = await api("PATCH", `/api/v1/links/${id}`, body);
    expect(response.status, await response.clone().text()).toBe(200);
  }
  const visit = (redirector: Redirector, key: string, init: RequestInit = {}) =>
    fetch(`${redirector.url}/${key}`, { redirect: "manual", ...init, headers: { "user-agent": BROWSER_UA, ...init.headers } });
  const clicksOf = async (id: string) => ((await (await api("GET", `/api/v1/links/${id}`)).json()) as { clicks: number }).clicks;
  async function waitForClicks(id: string, expected: number) {
    let clicks = 0;
    for (let i = 0; i < 100 && clicks < expected; i++) {
      clicks = await clicksOf(id);
      if (clicks < expected) await sleep(100);
    }
    return clicks;
  }

  test("302 with Location and Server-Timing, a password link 401, clicks landing at the origin", async () => {
    const link = await createLink({ url: "https://example.com/hello", key: "hello" });
    await createLink({ url: "https://example.com/secret", key: "secret", password: "open sesame" });
    const redirector = await startRedirector(port, redirectorEnv());

    const response = await visit(redirector, "hello");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("https://example.com/hello");
    expect(response.headers.get("server-timing")).toMatch(/cache;dur=[\d.]+;desc="miss".*edge;dur=[\d.]+/);
    expect((await visit(redirector, "hello")).headers.get("server-timing")).toContain('desc="hit"');

    const gate = await visit(redirector, "secret");
    expect(gate.status).toBe(401);
    expect(await gate.text()).not.toContain("example.com/secret");

    expect((await visit(redirector, "no-such-link")).status).toBe(404);
    // Another host is not served: this process answers its short hosts only.
    expect((await fetch(`http://127.0.0.1:${port}/hello`, { redirect: "manual" })).status).toBe(404);

    expect(await waitForClicks(link.id, 2)).toBe(2);
  });

  test("the origin's protocol answers are not compressed, though the edge's fetch accepts gzip", async () => {
    await createLink({ url: "https://example.com/plain", key: "plain" });
    const path = `/api/internal/v1/links/lookup?domain=${encodeURIComponent(host)}&key=plain`;
    const headers = { "accept-encoding": "gzip, deflate", ...(await signRequest(TEST_SECRET, "GET", path)) };
    const signed = await fetch(`${app.url}${path}`, { headers });
    expect(signed.status).toBe(200);
    expect(signed.headers.get("cache-control")).toBe("no-store, no-transform");
    expect(signed.headers.get("content-encoding")).toBeNull();
    const refused = await fetch(`${app.url}${path}`, { headers: { "accept-encoding": "gzip, deflate" } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("content-encoding")).toBeNull();
    // The same server compresses an ordinary API answer for that client: the check above can fail.
    const listed = await fetch(`${app.url}/api/v1/links`, { headers: { authorization: `Bearer ${apiKey}`, "accept-encoding": "gzip, deflate" } });
    expect(listed.status).toBe(200);
    expect(listed.headers.get("content-encoding")).toBe("gzip");
  });

  test("its counters reach the origin's /metrics (host=redirector) with its click batches; one JSON line per request on stdout", async () => {
    const scrape = async () => (await fetch(`${app.url}/metrics`)).text();
    const before = await scrape();
    await createLink({ url: "https://example.com/counted", key: "counted" });
    const redirector = await startRedirector(port, redirectorEnv());
    expect((await visit(redirector, "counted", { headers: { "x-request-id": "req-redirector-01" } })).status).toBe(302);
    expect((await visit(redirector, "counted")).status).toBe(302);
    expect((await visit(redirector, "nothing-here")).status).toBe(404);

    const redirects = 'signpost_edge_redirects_total{host="redirector",outcome="redirect"}';
    const notFound = 'signpost_edge_redirects_total{host="redirector",outcome="not_found"}';
    let text = "";
    for (let i = 0; i < 100; i++) {
      text = await scrape();
      if (metricValue(text, redirects) - metricValue(before, redirects) >= 2 && metricValue(text, notFound) - metricValue(before, notFound) >= 1) break;
      await sleep(100);
    }
    expect(metricValue(text, redirects) - metricValue(before, redirects)).toBe(2);
    expect(metricValue(text, notFound) - metricValue(before, notFound)).toBe(1);
    expect(metricValue(text, 'signpost_edge_cache_lookups_total{host="redirector",result="hit"}')).toBeGreaterThan(metricValue(before, 'signpost_edge_cache_lookups_total{host="redirector",result="hit"}'));
    expect(metricValue(text, 'signpost_edge_origin_lookups_total{host="redirector",status="found"}')).toBeGreaterThan(metricValue(before, 'signpost_edge_origin_lookups_total{host="redirector",status="found"}'));

    const line = redirector
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === "request" && l.requestId === "req-redirector-01");
    expect(line).toMatchObject({ level: "info", host: "redirector", method: "GET", route: "/:key", status: 302, outcome: "redirect", cache: "miss" });
    expect(line!.durationMs).toEqual(expect.any(Number));
  });

  test("the Node adapter: the host comes from the request target or Host, bad targets get 400, HEAD has no body, unread bodies keep the connection usable", async () => {
    await createLink({ url: "https://example.com/adapter", key: "adapter" });
    await startRedirector(port, redirectorEnv()); // stopped by afterEach
    const ua = `User-Agent: ${BROWSER_UA}`;
    const one = async (lines: string[]) => (await rawExchange(port, [[...lines, ua].join("\r\n") + "\r\n\r\n"]))[0]!;

    // Origin-form under the Host header: a redirect.
    const plain = await one(["GET /adapter HTTP/1.1", `Host: ${host}`, "Connection: close"]);
    expect(plain.status).toBe(302);
    expect(plain.headers.location).toBe("https://example.com/adapter");
    // Absolute-form names its own host, which wins over Host (RFC 9112 3.2.2) and is the one checked.
    expect((await one([`GET http://${host}/adapter HTTP/1.1`, "Host: elsewhere.example", "Connection: close"])).status).toBe(302);
    expect((await one([`GET http://127.0.0.1:${port}/adapter HTTP/1.1`, `Host: ${host}`, "Connection: close"])).status).toBe(404);
    // "//host/path" is a path on the Host header's host, never another host.
    const slashes = await one([`GET //127.0.0.1:${port}/adapter HTTP/1.1`, `Host: ${host}`, "Connection: close"]);
    expect(slashes.status).toBe(404);
    expect(slashes.headers.location).toBeUndefined();
    // A Host that is no URL host, and an asterisk target: 400 before the app is asked.
    const badHost = await one(["GET /adapter HTTP/1.1", "Host: bad host", "Connection: close"]);
    expect(badHost.status).toBe(400);
    expect(badHost.body).toBe("Bad request.\n");
    expect((await one(["OPTIONS * HTTP/1.1", `Host: ${host}`, "Connection: close"])).status).toBe(400);
    // A Host carrying a path, query, fragment or userinfo cannot move the path or smuggle a host in.
    for (const bad of [`${host}/adapter`, `${host}#`, `${host}?x`, `user@${host}`]) {
      expect([bad, (await one(["GET /adapter HTTP/1.1", `Host: ${bad}`, "Connection: close"])).status]).toEqual([bad, 400]);
    }
    // HEAD (treated as a bot: the preview page) has the page's headers and length, and no body.
    const head = await one(["HEAD /adapter HTTP/1.1", `Host: ${host}`, "Connection: close"]);
    expect(head.status).toBe(200);
    expect(Number(head.headers["content-length"])).toBeGreaterThan(0);
    expect(head.body).toBe("");

    // Keep-alive: a POST whose body the app never reads (a link without a password answers 303),
    // then a GET on the same connection, which must still be answered.
    const form = "password=irrelevant";
    const [posted, next] = await rawExchange(port, [
      ["POST /adapter HTTP/1.1", `Host: ${host}`, ua, "Content-Type: application/x-www-form-urlencoded", `Content-Length: ${form.length}`].join("\r\n") + "\r\n\r\n" + form,
      ["GET /adapter HTTP/1.1", `Host: ${host}`, ua, "Connection: close"].join("\r\n") + "\r\n\r\n",
    ]);
    expect(posted!.status).toBe(303);
    expect(next!.status).toBe(302);
    expect(next!.headers.location).toBe("https://example.com/adapter");
  });

  test("SIGTERM right after the responses: buffered clicks are flushed, then exit 0", async () => {
    const link = await createLink({ url: "https://example.com/flush", key: "flush" });
    const redirector = await startRedirector(port, redirectorEnv());
    const responses = await Promise.all(Array.from({ length: 20 }, () => visit(redirector, "flush")));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(302));
    redirector.child.kill("SIGTERM");
    expect(await redirector.stop()).toBe(0);
    expect(redirector.output()).toMatch(/"msg":"redirector stopped".*"sent":20/);
    // Durable at the origin by the time the process exited: committed, or (with Redis) on the
    // click stream, which the app's consumer stores within moments.
    expect(await waitForClicks(link.id, 20)).toBe(20);
  });

  test("without Redis and with the change feed off, an edited link stays stale in the cache (TTL 30 s)", async () => {
    const link = await createLink({ url: "https://example.com/before", key: "stale" });
    const redirector = await startRedirector(port, redirectorEnv({ EDGE_CHANGES_POLL_MS: "0" }));
    expect((await visit(redirector, "stale")).headers.get("location")).toBe("https://example.com/before");
    await patchLink(link.id, { url: "https://example.com/after" });
    for (let i = 0; i < 5; i++) {
      expect((await visit(redirector, "stale")).headers.get("location")).toBe("https://example.com/before");
      await sleep(300);
    }
  });

  test("without Redis, an edit reaches the redirector through the link-change feed (polled every 500 ms here)", async () => {
    const link = await createLink({ url: "https://example.com/polled-before", key: "polled" });
    const redirector = await startRedirector(port, redirectorEnv({ EDGE_CHANGES_POLL_MS: "500" }));
    expect((await visit(redirector, "polled")).headers.get("location")).toBe("https://example.com/polled-before");
    await patchLink(link.id, { url: "https://example.com/polled-after" });
    const { location, ms } = await locationWithin(() => visit(redirector, "polled"), "https://example.com/polled-after", 5_000);
    expect(location).toBe("https://example.com/polled-after");
    expect(ms).toBeLessThan(5_000);
  });

  /**
   * What `key` answers once the eviction arrived. The origin has Redis take the event before the
   * API answers, but the redirector may read the next request a hair before the event off its
   * sockets; one second (against the 30 s TTL, and the stale test's 1.5 s) absorbs that race.
   */
  async function answerOf(redirector: Redirector, key: string, expected: (r: Response) => boolean) {
    const deadline = Date.now() + 1_000;
    for (;;) {
      const response = await visit(redirector, key);
      if (expected(response) || Date.now() > deadline) return response;
      await sleep(20);
    }
  }
  const locationIs = (url: string) => (r: Response) => r.headers.get("location") === url;
  const statusIs = (status: number) => (r: Response) => r.status === status;

  test.skipIf(!REDIS_URL)("with Redis, edits, key changes and deletes reach the redirector within a second", async () => {
    const link = await createLink({ url: "https://example.com/before", key: "fresh" });
    const redirector = await startRedirector(port, redirectorEnv({ REDIS_URL: REDIS_URL! }));
    await waitForSubscribed(redirector);
    expect((await visit(redirector, "fresh")).headers.get("location")).toBe("https://example.com/before");

    await patchLink(link.id, { url: "https://example.com/after" });
    expect((await answerOf(redirector, "fresh", locationIs("https://example.com/after"))).headers.get("location")).toBe("https://example.com/after");

    // A key change evicts both the old key and the new one (which may be cached as "not found").
    expect((await visit(redirector, "renamed")).status).toBe(404);
    await patchLink(link.id, { key: "renamed" });
    expect((await answerOf(redirector, "fresh", statusIs(404))).status).toBe(404);
    expect((await answerOf(redirector, "renamed", statusIs(302))).headers.get("location")).toBe("https://example.com/after");

    await patchLink(link.id, { archived: true });
    expect((await answerOf(redirector, "renamed", statusIs(404))).status).toBe(404);
    await patchLink(link.id, { archived: false });
    expect((await answerOf(redirector, "renamed", statusIs(302))).status).toBe(302);

    expect((await api("DELETE", `/api/v1/links/${link.id}`)).status).toBe(204);
    expect((await answerOf(redirector, "renamed", statusIs(404))).status).toBe(404);
  });

  test("multi-core mode (REDIRECTOR_WORKERS=2) serves redirects and stops cleanly", async () => {
    const link = await createLink({ url: "https://example.com/multi", key: "multi" });
    const redirector = await startRedirector(port, redirectorEnv({ REDIRECTOR_WORKERS: "2" }));
    // Both processes, not only the one that answered first, before anything counts on them.
    await waitForListening(redirector, 2);
    const responses = await Promise.all(Array.from({ length: 10 }, () => visit(redirector, "multi")));
    expect(responses.map((r) => r.headers.get("location"))).toEqual(Array(10).fill("https://example.com/multi"));
    expect(await redirector.stop()).toBe(0);
    const output = redirector.output();
    expect(output.match(/"msg":"redirector listening"/g)).toHaveLength(2);
    expect(output.match(/"msg":"redirector stopped"/g)).toHaveLength(2);
    expect(await waitForClicks(link.id, 10)).toBe(10);
  });
});

describe("redirector configuration", () => {
  test.each([
    ["REDIRECTOR_WORKERS", { REDIRECTOR_WORKERS: "zero" }],
    ["REDIRECTOR_PORT", { REDIRECTOR_PORT: "70000" }],
    ["REDIS_URL", { REDIS_URL: "http://127.0.0.1:6379" }],
    ["SIGNPOST_SECRET", { SIGNPOST_SECRET: "short" }],
  ])("`npm run start:redirector` with a bad %s exits non-zero naming it", async (variable, env) => {
    const { exited, output } = spawnRedirector({ SIGNPOST_SECRET: TEST_SECRET, ORIGIN_URL: "http://127.0.0.1:9", ...env }, "npm");
    expect(await exited).not.toBe(0);
    expect(output()).toContain(`${variable}:`);
  });
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Writes raw HTTP/1.1 requests on one connection (pipelined) and parses the answers in order: what
 * the adapter does with targets and bodies a fetch() client would never send. Content-Length framed
 * answers only (the redirector always sends one).
 */
async function rawExchange(port: number, requests: string[]): Promise<RawResponse[]> {
  const socket = connect(port, "127.0.0.1");
  socket.setTimeout(10_000, () => socket.destroy(new Error("raw exchange timed out")));
  const chunks: Buffer[] = [];
  const answers: RawResponse[] = [];
  return new Promise((resolve, reject) => {
    const parse = () => {
      let data = Buffer.concat(chunks).toString("latin1");
      for (;;) {
        const end = data.indexOf("\r\n\r\n");
        if (end === -1) break;
        const [statusLine, ...lines] = data.slice(0, end).split("\r\n");
        const headers: Record<string, string> = {};
        for (const line of lines) headers[line.slice(0, line.indexOf(":")).toLowerCase()] = line.slice(line.indexOf(":") + 1).trim();
        const head = /^(?:HEAD) /.test(requests[answers.length] ?? "");
        const length = head ? 0 : Number(headers["content-length"] ?? 0);
        if (data.length < end + 4 + length) break;
        answers.push({ status: Number(statusLine!.split(" ")[1]), headers, body: data.slice(end + 4, end + 4 + length) });
        data = data.slice(end + 4 + length);
        chunks.length = 0;
        chunks.push(Buffer.from(data, "latin1"));
      }
      if (answers.length === requests.length) {
        socket.destroy();
        resolve(answers);
      }
    };
    socket.on("data", (chunk) => {
      chunks.push(chunk);
      parse();
    });
    socket.on("error", reject);
    socket.on("close", () => (answers.length === requests.length ? resolve(answers) : reject(new Error(`connection closed after ${answers.length} of ${requests.length} answers`))));
    socket.write(requests.join(""));
  });
}
