/**
 * The edge contract: one table of scenarios — request in, status / location / cookies / body
 * markers / Server-Timing stages out — covering every outcome of the edge engine. The same table
 * runs against every host of the edge app (Next middleware, the standalone Node redirector, the
 * Cloudflare Worker in workerd), so the hosts cannot drift apart.
 */
import type { CreateLinkInput } from "@/core/link";

export const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const IPHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const PAST = "2001-01-01T00:00:00.000Z";

export interface Scenario {
  name: string;
  /** The link to create (its `key` is generated per host run); null: no link (unknown key). */
  link: Omit<CreateLinkInput, "key" | "domain"> | null;
  /**
   * Where the link lives and the request goes: the host's short domain (default), a custom domain
   * the workspace verified, or a domain name no workspace verified (no link can exist there).
   */
  on?: "custom" | "unclaimed";
  /** Appended to `/<key>` (e.g. "?x=1" or "+"). */
  suffix?: string;
  method?: "GET" | "HEAD" | "POST" | "OPTIONS";
  headers?: Record<string, string>;
  body?: string;
  expect: {
    status: number;
    location?: string;
    /** Strings the body must contain / must not contain. */
    body?: string[];
    notInBody?: string[];
    setCookie?: RegExp;
    /** Server-Timing stages that must be present. */
    timing?: string[];
    /** The decision's reason as Server-Timing reports it (`decide;…;desc="<reason>"`). */
    reason?: string;
  };
}

export const SCENARIOS: Scenario[] = [
  {
    name: "destination: 302 with Location, timing stages and the reason",
    link: { url: "https://example.com/landing" },
    expect: { status: 302, location: "https://example.com/landing", timing: ["cache", "facts", "decide", "edge"], reason: "destination" },
  },
  { name: "redirect status 308 per link", link: { url: "https://example.com/perm", redirectStatus: 308 }, expect: { status: 308, location: "https://example.com/perm" } },
  { name: "unknown key: 404 page", link: null, expect: { status: 404, body: ["Link not found"] } },
  { name: "disabled link: 404 page", link: { url: "https://example.com/off", disabled: true }, expect: { status: 404, body: ["Link not found"], notInBody: ["example.com/off"] } },
  { name: "archived link: 404 page", link: { url: "https://example.com/old", archived: true }, expect: { status: 404, body: ["Link not found"] } },
  { name: "expired: 410 page", link: { url: "https://example.com/gone", expiresAt: PAST }, expect: { status: 410, body: ["expired"], notInBody: ["example.com/gone"], reason: "expired" } },
  {
    name: "expired with expiredUrl: 302 there",
    link: { url: "https://example.com/gone", expiresAt: PAST, expiredUrl: "https://example.com/sorry" },
    expect: { status: 302, location: "https://example.com/sorry", reason: "expired_url" },
  },
  {
    name: "bot, preview: card with Open Graph tags, no destination",
    link: { url: "https://example.com/secret-target", title: "Spring sale", description: "Half off" },
    headers: { "user-agent": "Twitterbot/1.0" },
    expect: { status: 200, body: ['property="og:title" content="Spring sale"', 'name="twitter:card"'], notInBody: ["secret-target"], reason: "bot_preview" },
  },
  { name: "bot, block: 403", link: { url: "https://example.com/b", botBehavior: "block" }, headers: { "user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)" }, expect: { status: 403 } },
  {
    name: "bot, redirect: 302",
    link: { url: "https://example.com/r", botBehavior: "redirect" },
    headers: { "user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)" },
    expect: { status: 302, location: "https://example.com/r", reason: "bot_redirect" },
  },
  { name: "HEAD counts as a bot: preview", link: { url: "https://example.com/h" }, method: "HEAD", expect: { status: 200 } },
  {
    name: "password: form that reveals nothing",
    link: { url: "https://example.com/private-place", title: "Private title", password: "open sesame" },
    expect: { status: 401, body: ["needs a password"], notInBody: ["private-place", "Private title"] },
  },
  {
    name: "password: wrong password, 401",
    link: { url: "https://example.com/p", password: "open sesame" },
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "password=nope",
    expect: { status: 401, body: ["not correct"] },
  },
  {
    name: "password: right password, 303 with a link-scoped HttpOnly pass",
    link: { url: "https://example.com/p", password: "open sesame" },
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "password=open+sesame",
    expect: { status: 303, setCookie: /^sp_pw_lnk_[0-9a-f]+=\d+\.[0-9a-f]{64}; Path=\/[^;]+; Max-Age=\d+; SameSite=Lax; HttpOnly/ },
  },
  {
    name: "rule on device: iPhone goes to the app store",
    link: { url: "https://example.com/web", rules: [{ conditions: [{ type: "os", in: ["iOS"] }], url: "https://apps.apple.com/app/id1" }] },
    headers: { "user-agent": IPHONE_UA },
    expect: { status: 302, location: "https://apps.apple.com/app/id1", reason: "rule" },
  },
  {
    name: "rule on language: first matching rule wins",
    link: {
      url: "https://example.com/en",
      rules: [
        { conditions: [{ type: "language", in: ["de"] }], url: "https://example.de/" },
        { conditions: [{ type: "language", in: ["de", "fr"] }], url: "https://example.eu/" },
      ],
    },
    headers: { "accept-language": "de-DE,de;q=0.9,en;q=0.5" },
    expect: { status: 302, location: "https://example.de/" },
  },
  {
    name: "rule on a query parameter",
    link: { url: "https://example.com/", rules: [{ conditions: [{ type: "query", param: "src", equals: "qr" }], url: "https://example.com/from-qr" }] },
    suffix: "?src=qr",
    expect: { status: 302, location: "https://example.com/from-qr" },
  },
  {
    name: "variants 100/0: always the first, with a sticky cookie",
    link: { url: "https://example.com/", variants: [{ url: "https://example.com/a", weight: 100 }, { url: "https://example.com/b", weight: 0 }] },
    expect: { status: 302, location: "https://example.com/a", setCookie: /^sp_v_lnk_[0-9a-f]+=0; Path=\//, reason: "variant" },
  },
  {
    name: "UTM fields and forwarded query",
    link: { url: "https://example.com/page?keep=1", forwardQuery: true, utm: { source: "newsletter", campaign: "spring" } },
    suffix: "?x=1",
    expect: { status: 302, location: "https://example.com/page?keep=1&utm_source=newsletter&utm_campaign=spring&x=1" },
  },
  { name: "cloaked: the destination in a frame", link: { url: "https://example.com/framed", cloaked: true }, expect: { status: 200, body: ['<iframe src="https://example.com/framed"'] } },
  {
    name: "info page: where the link goes",
    link: { url: "https://example.com/info-target" },
    suffix: "+",
    expect: { status: 200, body: ["https://example.com/info-target", "Created"] },
  },
  { name: "OPTIONS: 405 with Allow", link: { url: "https://example.com/o" }, method: "OPTIONS", expect: { status: 405 } },
  {
    name: "custom domain: a link on a verified workspace domain, 302",
    link: { url: "https://example.com/custom-domain" },
    on: "custom",
    expect: { status: 302, location: "https://example.com/custom-domain", timing: ["cache", "decide", "edge"], reason: "destination" },
  },
  { name: "custom domain nobody verified: 404 page", link: null, on: "unclaimed", expect: { status: 404, body: ["Link not found"] } },
];

/** The verified custom domain of the contract's workspace, and a domain name nobody added. */
export const CUSTOM_DOMAIN = "go.contract.test";
export const UNCLAIMED_DOMAIN = "nobody.contract.test";

/** A default browser request unless the scenario says otherwise. */
export function requestHeaders(scenario: Scenario): Record<string, string> {
  return { "user-agent": BROWSER_UA, ...scenario.headers };
}

/** Asserts one response against its scenario; returns problems (empty when it holds). */
export async function check(scenario: Scenario, response: Response): Promise<string[]> {
  const problems: string[] = [];
  const { expect } = scenario;
  if (response.status !== expect.status) problems.push(`status ${response.status}, expected ${expect.status}`);
  if (expect.location !== undefined && response.headers.get("location") !== expect.location) {
    problems.push(`location ${response.headers.get("location")}, expected ${expect.location}`);
  }
  if (expect.setCookie && !expect.setCookie.test(response.headers.get("set-cookie") ?? "")) {
    problems.push(`set-cookie ${response.headers.get("set-cookie")} does not match ${expect.setCookie}`);
  }
  const timing = response.headers.get("server-timing") ?? "";
  for (const stage of expect.timing ?? []) if (!new RegExp(`(^|, )${stage};dur=[\\d.]+`).test(timing)) problems.push(`server-timing lacks ${stage}: ${timing}`);
  if (expect.reason && !timing.includes(`decide;`) ) problems.push(`server-timing lacks decide: ${timing}`);
  if (expect.reason && !timing.includes(`desc="${expect.reason}"`)) problems.push(`reason is not ${expect.reason}: ${timing}`);
  if (!response.headers.get("x-request-id")) problems.push("no x-request-id");
  const body = scenario.method === "HEAD" ? "" : await response.text();
  for (const marker of expect.body ?? []) if (!body.includes(marker)) problems.push(`body lacks ${JSON.stringify(marker)}`);
  for (const marker of expect.notInBody ?? []) if (body.includes(marker)) problems.push(`body leaks ${JSON.stringify(marker)}`);
  return problems;
}
