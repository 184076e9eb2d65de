import { describe, expect, test } from "vitest";
import { parseEdgeConfig } from "@/config/env";
import { extractFacts, parseAcceptLanguage, type FactsOptions } from "./facts";

const DEFAULTS: FactsOptions = { geo: { trusted: ["vercel", "cloudflare"] } };

function request(headers: Record<string, string> = {}, init: { method?: string; url?: string } = {}): Request {
  return new Request(init.url ?? "https://sgn.st/abc", { method: init.method ?? "GET", headers });
}

function facts(headers: Record<string, string> = {}, options: Partial<FactsOptions> = {}, init: { method?: string; url?: string } = {}) {
  return extractFacts(request(headers, init), { ...DEFAULTS, ...options });
}

/** Options exactly as the edge builds them from the environment. */
function fromEnv(env: Record<string, string>): FactsOptions {
  return parseEdgeConfig({ SIGNPOST_SECRET: "s".repeat(32), ...env });
}

// ---- User agent ---------------------------------------------------------------------------------

const UA = {
  iphoneSafari:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
  iphoneChrome:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
  iphoneFirefox:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15",
  androidChrome:
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
  androidChromeReduced: "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
  androidEdge:
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36 EdgA/124.0.2478.64",
  androidSamsung:
    "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
  androidWebView:
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A.240205.004; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36",
  ipad: "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
  windowsEdge:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
  windowsChrome: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
  macFirefox: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0",
  macSafari: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
  linuxFirefox: "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
  operaMobile:
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36 OPR/81.0.0.0",
  samsungTv:
    "Mozilla/5.0 (SMART-TV; Linux; Tizen 5.5) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/3.0 Chrome/69.0.3497.106 TV Safari/537.36",
  playStation: "Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 Safari/605.1.15",
  xbox: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.71",
  galaxyWatch: "Mozilla/5.0 (Linux; Android 11; SM-R890) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/95.0.4638.74 Mobile Safari/537.36",
  quest:
    "Mozilla/5.0 (X11; Linux x86_64; Quest 3) AppleWebKit/537.36 (KHTML, like Gecko) OculusBrowser/33.0.0.x SamsungBrowser/4.0 Chrome/124.0.0.0 VR Safari/537.36",
  googlebot: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
  curl: "curl/8.5.0",
};

describe("device, os and browser from the user agent", () => {
  test.each([
    ["iPhone Safari", UA.iphoneSafari, "mobile", "iOS", "Safari"],
    ["iPhone Chrome", UA.iphoneChrome, "mobile", "iOS", "Chrome"],
    ["iPhone Firefox", UA.iphoneFirefox, "mobile", "iOS", "Firefox"],
    ["Android Chrome", UA.androidChrome, "mobile", "Android", "Chrome"],
    ["Android Chrome, reduced UA", UA.androidChromeReduced, "mobile", "Android", "Chrome"],
    ["Android Edge", UA.androidEdge, "mobile", "Android", "Edge"],
    ["Samsung Internet", UA.androidSamsung, "mobile", "Android", "Samsung Internet"],
    ["Android in-app WebView", UA.androidWebView, "mobile", "Android", "Chrome WebView"],
    ["Opera on Android", UA.operaMobile, "mobile", "Android", "Opera"],
    ["iPad", UA.ipad, "tablet", "iOS", "Safari"],
    ["Windows Edge", UA.windowsEdge, "desktop", "Windows", "Edge"],
    ["Windows Chrome", UA.windowsChrome, "desktop", "Windows", "Chrome"],
    ["macOS Firefox", UA.macFirefox, "desktop", "macOS", "Firefox"],
    ["macOS Safari", UA.macSafari, "desktop", "macOS", "Safari"],
    ["Ubuntu Firefox", UA.linuxFirefox, "desktop", "Ubuntu", "Firefox"],
    ["Samsung TV", UA.samsungTv, "smarttv", "Tizen", "Samsung Internet"],
    ["PlayStation 5", UA.playStation, "console", "PlayStation", "Safari"],
    ["Xbox", UA.xbox, "console", "Xbox", "Edge"],
    ["Galaxy Watch", UA.galaxyWatch, "wearable", "Android", "Chrome"],
    ["Meta Quest", UA.quest, "xr", "Linux", "Oculus Browser"],
  ] as const)("%s", (_name, userAgent, device, os, browser) => {
    const result = facts({ "user-agent": userAgent });
    expect({ device: result.device, os: result.os, browser: result.browser, isBot: result.isBot }).toEqual({ device, os, browser, isBot: false });
    expect(result.userAgent).toBe(userAgent);
  });

  test.each([
    ["Googlebot", UA.googlebot],
    ["curl", UA.curl],
  ])("%s is a bot on a 'desktop' with no browser family", (_name, userAgent) => {
    const result = facts({ "user-agent": userAgent });
    expect(result.isBot).toBe(true);
    expect(result.device).toBe("desktop");
    expect(result.browser).toBeNull();
  });

  test.each([
    ["no user-agent header", {}],
    ["an empty user-agent", { "user-agent": "" }],
  ])("%s: desktop, nothing known, not a bot", (_name, headers) => {
    expect(facts(headers)).toMatchObject({ device: "desktop", os: null, browser: null, userAgent: null, isBot: false });
  });

  test.each([
    ["Latin-1 bytes", "\u00ff\u00fe\u00e9\u0001".repeat(50)],
    ["a random token", "x"],
    ["only spaces and punctuation", " ;/()[] ".repeat(10)],
  ])("an unrecognisable agent (%s) is a desktop with no os or browser", (_name, userAgent) => {
    expect(facts({ "user-agent": userAgent })).toMatchObject({ device: "desktop", os: null, browser: null });
  });

  test("userAgent is truncated to 1024 characters", () => {
    const userAgent = `${UA.iphoneSafari} ${"x".repeat(5000)}`;
    const result = facts({ "user-agent": userAgent });
    expect(result.userAgent).toHaveLength(1024);
    expect(result.userAgent).toBe(userAgent.slice(0, 1024));
    expect(result.device).toBe("mobile");
  });
});

// ---- Bots ---------------------------------------------------------------------------------------

describe("user-agent answers are cached by agent string", () => {
  test("a flood of distinct agents evicts older answers without mixing them up; a HEAD is a bot whatever the cache holds", () => {
    const first = facts({ "user-agent": UA.iphoneSafari });
    expect(first).toMatchObject({ device: "mobile", os: "iOS", browser: "Safari", isBot: false });
    // More distinct agents than the cache keeps (2,000): bots and browsers, each answered right.
    for (let i = 0; i < 2500; i++) {
      const bot = i % 2 === 0;
      const agent = bot ? `ExampleCrawler/${i}.0 (+https://crawler.example/bot)` : `${UA.windowsChrome} Build/${i}`;
      const answer = facts({ "user-agent": agent });
      expect([i, answer.isBot, answer.device]).toEqual([i, bot, "desktop"]);
    }
    // The first agent was evicted long ago: parsed again, the same answer.
    expect(facts({ "user-agent": UA.iphoneSafari })).toMatchObject({ device: "mobile", os: "iOS", browser: "Safari", isBot: false });
    expect(facts({ "user-agent": UA.iphoneSafari }, {}, { method: "HEAD" }).isBot).toBe(true);
    expect(facts({ "user-agent": UA.iphoneSafari }).isBot).toBe(false);
  });
});

describe("bots", () => {
  // Link-preview agents: isbot 5.2.3 recognises every one (facts.ts keeps no list of its own).
  test.each([
    ["Slack", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"],
    ["Facebook", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"],
    ["iMessage", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0"],
    ["Twitter / X", "Twitterbot/1.0"],
    ["LinkedIn", "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"],
    ["WhatsApp", "WhatsApp/2.23.20.0 A"],
    ["Signal (sends WhatsApp's agent)", "WhatsApp/2"],
    ["Telegram", "TelegramBot (like TwitterBot)"],
    ["Discord", "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)"],
    ["Applebot", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)"],
    ["Skype / Teams", "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com"],
    ["Iframely", "Mozilla/5.0 (compatible; Iframely/1.3.1; +https://iframely.com/docs/about)"],
    ["Reddit", "Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)"],
    ["Pinterest", "Mozilla/5.0 (compatible; Pinterestbot/1.0; +http://www.pinterest.com/bot.html)"],
    ["Embedly", "Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)"],
    ["Google-InspectionTool", "Mozilla/5.0 (compatible; Google-InspectionTool/1.0;)"],
    ["VK", "Mozilla/5.0 (compatible; vkShare; +http://vk.com/dev/Share)"],
    ["Mastodon", "http.rb/5.1.1 (Mastodon/4.2.8; +https://mastodon.social/)"],
    ["Bluesky", "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)"],
    ["Googlebot", UA.googlebot],
    ["curl", UA.curl],
  ])("%s is a bot", (_name, userAgent) => {
    expect(facts({ "user-agent": userAgent }).isBot).toBe(true);
  });

  test("a HEAD request is a bot, whatever its agent", () => {
    const result = facts({ "user-agent": UA.iphoneSafari }, {}, { method: "HEAD" });
    expect(result.isBot).toBe(true);
    expect(result.method).toBe("HEAD");
    expect(result.device).toBe("mobile");
  });

  test("a GET from a browser is not a bot", () => {
    expect(facts({ "user-agent": UA.windowsChrome }).isBot).toBe(false);
  });

  test("the method is reported upper-case", () => {
    expect(facts({}, {}, { method: "patch" }).method).toBe("PATCH");
    expect(facts({}, {}, { method: "get" }).method).toBe("GET");
  });
});

// ---- Geo ----------------------------------------------------------------------------------------

const VERCEL = { "x-vercel-ip-country": "BR", "x-vercel-ip-country-region": "SP", "x-vercel-ip-city": "S%C3%A3o%20Paulo" };
const CLOUDFLARE = { "cf-ipcountry": "DE", "cf-region-code": "BY", "cf-ipcity": "Munich" };
const geoOf = (result: { country: string | null; region: string | null; city: string | null }) => ({
  country: result.country,
  region: result.region,
  city: result.city,
});
const NO_GEO = { country: null, region: null, city: null };

describe("geo from trusted headers", () => {
  test("Vercel headers, the city percent-decoded", () => {
    expect(geoOf(facts(VERCEL))).toEqual({ country: "BR", region: "SP", city: "São Paulo" });
  });

  test("Cloudflare headers", () => {
    expect(geoOf(facts(CLOUDFLARE))).toEqual({ country: "DE", region: "BY", city: "Munich" });
  });

  test("no geo headers: all null", () => {
    expect(geoOf(facts({}))).toEqual(NO_GEO);
  });

  test.each([
    ["GEO_HEADERS=cloudflare ignores a spoofed Vercel country", { GEO_HEADERS: "cloudflare" }, VERCEL, NO_GEO],
    ["GEO_HEADERS=cloudflare uses Cloudflare's headers, not Vercel's", { GEO_HEADERS: "cloudflare" }, { ...VERCEL, ...CLOUDFLARE }, { country: "DE", region: "BY", city: "Munich" }],
    ["GEO_HEADERS=vercel ignores a spoofed Cloudflare country", { GEO_HEADERS: "vercel" }, CLOUDFLARE, NO_GEO],
    ["GEO_HEADERS=vercel uses Vercel's headers", { GEO_HEADERS: "vercel" }, { ...CLOUDFLARE, ...VERCEL }, { country: "BR", region: "SP", city: "São Paulo" }],
    ["GEO_HEADERS=none ignores every platform header", { GEO_HEADERS: "none" }, { ...VERCEL, ...CLOUDFLARE }, NO_GEO],
    ["the default trusts both platforms", {}, CLOUDFLARE, { country: "DE", region: "BY", city: "Munich" }],
  ])("%s", (_name, env, headers, expected) => {
    expect(geoOf(extractFacts(request(headers), fromEnv(env)))).toEqual(expected);
  });

  test("fields are never mixed across platforms: the region and city come from the platform that gave the country", () => {
    const result = facts({ "x-vercel-ip-country": "BR", "cf-ipcountry": "BR", "cf-region-code": "SP", "cf-ipcity": "Campinas" });
    expect(geoOf(result)).toEqual({ country: "BR", region: null, city: null });
  });

  test("with both platforms trusted, two different countries mean one is spoofed: the location is unknown", () => {
    expect(geoOf(facts({ ...VERCEL, ...CLOUDFLARE }))).toEqual(NO_GEO);
  });

  test("with both platforms trusted and agreeing, the first configured platform answers", () => {
    const headers = { ...VERCEL, "cf-ipcountry": "BR", "cf-region-code": "XX", "cf-ipcity": "Elsewhere" };
    expect(geoOf(facts(headers))).toEqual({ country: "BR", region: "SP", city: "São Paulo" });
    expect(geoOf(extractFacts(request(headers), fromEnv({ GEO_HEADERS: "cloudflare,vercel" })))).toEqual({ country: "BR", region: "XX", city: "Elsewhere" });
  });

  test("a platform without a valid country does not answer; the next trusted one does", () => {
    expect(geoOf(facts({ "x-vercel-ip-country": "??", "x-vercel-ip-city": "Spoofville", ...CLOUDFLARE }))).toEqual({
      country: "DE",
      region: "BY",
      city: "Munich",
    });
  });

  test.each([
    ["XX (unknown)", "XX"],
    ["T1 (Tor)", "T1"],
    ["empty", ""],
  ])("Cloudflare country %s is no country, and no region or city either", (_name, country) => {
    expect(geoOf(facts({ ...CLOUDFLARE, "cf-ipcountry": country }))).toEqual(NO_GEO);
  });

  describe("custom headers (GEO_*_HEADER)", () => {
    const env = { GEO_COUNTRY_HEADER: "X-Geo-Country", GEO_REGION_HEADER: "x-geo-region", GEO_CITY_HEADER: "x-geo-city" };

    test("are trusted and win over platform headers", () => {
      const headers = { ...VERCEL, "x-geo-country": "FR", "x-geo-region": "IDF", "x-geo-city": "Paris" };
      expect(geoOf(extractFacts(request(headers), fromEnv(env)))).toEqual({ country: "FR", region: "IDF", city: "Paris" });
    });

    test("work with GEO_HEADERS=none", () => {
      const headers = { ...VERCEL, "x-geo-country": "FR" };
      expect(geoOf(extractFacts(request(headers), fromEnv({ ...env, GEO_HEADERS: "none" })))).toEqual({ country: "FR", region: null, city: null });
    });

    test("a custom header that is missing or invalid falls back to the trusted platform, field by field", () => {
      const headers = { ...VERCEL, "x-geo-country": "France", "x-geo-city": "Lyon" };
      expect(geoOf(extractFacts(request(headers), fromEnv(env)))).toEqual({ country: "BR", region: "SP", city: "Lyon" });
    });

    test("are ignored when not configured", () => {
      expect(geoOf(facts({ "x-geo-country": "FR" }))).toEqual(NO_GEO);
    });
  });

  describe("value validation", () => {
    const country = (value: string) => facts({ "x-vercel-ip-country": value }).country;
    test.each([
      ["US", "US"],
      ["us", "US"],
      [" gb ", "GB"],
      ["USA", null],
      ["U", null],
      ["1A", null],
      ["U-", null],
      ["\u00dfa", null], // "ßa": not ASCII (upper-cased it would be "SSA")
      ["\u00df", null], // "ß".toUpperCase() is "SS"
      ["XX", null],
    ])("country %j -> %j", (value, expected) => {
      expect(country(value)).toBe(expected);
    });

    const region = (value: string) => facts({ "x-vercel-ip-country": "US", "x-vercel-ip-country-region": value }).region;
    test.each([
      ["CA", "CA"],
      ["ca", "CA"],
      ["US-CA", "US-CA"],
      ["GB-ENG", "GB-ENG"],
      ["13", "13"],
      ["TOOLONG", null],
      ["-", null],
      ["US-", null],
      ["US--CA", null],
      ["C A", null],
      ["CA;DROP", null],
    ])("region %j -> %j", (value, expected) => {
      expect(region(value)).toBe(expected);
    });

    const city = (value: string) => facts({ "x-vercel-ip-country": "US", "x-vercel-ip-city": value }).city;
    test.each([
      ["S%C3%A3o%20Paulo", "São Paulo"],
      ["New%20York", "New York"],
      ["Berlin", "Berlin"],
      ["  Berlin  ", "Berlin"],
      ["%20%20Oslo%20", "Oslo"],
      ["%E0%A4%A", null], // truncated UTF-8 sequence
      ["%ZZ", null],
      ["%", null],
      ["%ED%A0%80", null], // an encoded lone surrogate
      ["%00Berlin", null], // control characters
      ["Ber%0Alin", null],
      ["%20", null],
      ["a".repeat(100), "a".repeat(100)],
      ["a".repeat(101), null],
      ["%C3%A3".repeat(100), "ã".repeat(100)],
      ["%C3%A3".repeat(101), null],
      // Raw UTF-8 bytes reach fetch's Headers as Latin-1 text: repaired.
      ["S\u00c3\u00a3o Paulo", "São Paulo"],
      // Real Latin-1 that is not UTF-8 is kept as it is.
      ["Z\u00fcrich", "Zürich"],
    ])("city %j -> %j", (value, expected) => {
      expect(city(value)).toBe(expected);
    });

    test("Cloudflare's city is validated the same way", () => {
      expect(facts({ "cf-ipcountry": "BR", "cf-ipcity": "S%C3%A3o%20Paulo" }).city).toBe("São Paulo");
      expect(facts({ "cf-ipcountry": "BR", "cf-ipcity": "%E0%A4%A" }).city).toBeNull();
    });
  });
});

// ---- Languages ----------------------------------------------------------------------------------

describe("languages from Accept-Language", () => {
  test.each([
    ["en-GB,en;q=0.9,fr;q=0.8", ["en-gb", "en", "fr"]],
    ["fr;q=0.5, de, en;q=0.8", ["de", "en", "fr"]],
    ["da, en-gb;q=0.8, en;q=0.7", ["da", "en-gb", "en"]],
    ["a;q=0.5,b;q=0.5,c;q=0.5", ["a", "b", "c"]], // equal weights keep their order
    ["pt-BR", ["pt-br"]],
    ["zh-Hant-TW,zh;q=0.8", ["zh-hant-tw", "zh"]],
    ["en;q=0,fr", ["fr"]], // q=0 means "not acceptable"
    ["en;q=0.000,fr;q=0.001", ["fr"]],
    ["*", []],
    ["*;q=0.5,de", ["de"]],
    ["en;q=1.0", ["en"]],
    ["en;q=1.5,fr", ["fr"]], // invalid weight: the entry is dropped
    ["en;q=abc,fr", ["fr"]],
    ["en;q=0.1234,fr", ["fr"]],
    ["en;level=1,fr", ["fr"]],
    ["en; q = 0.5 ,de", ["de", "en"]],
    ["en,EN,en-us,En-Us", ["en", "en-us"]], // deduplicated
    ["en_US,de", ["de"]], // underscore: not a language tag
    ["e n,de", ["de"]],
    ["123,de", ["de"]],
    ["toolongtag,de", ["de"]],
    ["en-,de", ["de"]],
    [",,,  ,;q=1,de", ["de"]],
    ["", []],
    ["a,b,c,d,e,f,g,h,i,j,k,l", ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]], // at most 10
  ])("%j -> %j", (header, expected) => {
    expect(parseAcceptLanguage(header)).toEqual(expected);
    expect(facts({ "accept-language": header }).languages).toEqual(expected);
  });

  test("no header: no languages", () => {
    expect(facts({}).languages).toEqual([]);
  });
});

// ---- IP -----------------------------------------------------------------------------------------

describe("client IP", () => {
  test.each([
    ["x-real-ip", "203.0.113.7", "203.0.113.7"],
    ["x-real-ip", " 203.0.113.7 ", "203.0.113.7"],
    ["cf-connecting-ip", "2001:db8::1", "2001:db8::1"],
    ["cf-connecting-ip", "::ffff:10.1.2.3", "::ffff:10.1.2.3"],
    // x-forwarded-for: the rightmost entry is the one our trusted proxy appended.
    ["x-forwarded-for", "203.0.113.7", "203.0.113.7"],
    ["x-forwarded-for", "1.1.1.1, 203.0.113.7", "203.0.113.7"],
    ["x-forwarded-for", "spoofed, 10.0.0.1,203.0.113.7", "203.0.113.7"],
    ["x-forwarded-for", "203.0.113.7, garbage", null], // never fall back to a client-supplied entry
    ["x-forwarded-for", "203.0.113.7,", null],
    ["x-forwarded-for", "203.0.113.7:51234", "203.0.113.7"],
    ["x-forwarded-for", "[2001:db8::1]:443", "2001:db8::1"],
    ["x-forwarded-for", "[2001:db8::1]", "2001:db8::1"],
    ["x-real-ip", "garbage", null],
    ["x-real-ip", "010.0.0.1", null],
    ["x-real-ip", "256.1.1.1", null],
    ["x-real-ip", "1.2.3", null],
    ["x-real-ip", "1.2.3.4.5", null],
    ["x-real-ip", "2001:db8::1::2", null],
    ["x-real-ip", "[2001:db8::1", null],
    ["x-real-ip", "unknown", null],
    ["x-real-ip", "", null],
    ["x-real-ip", "1.2.3.4 5.6.7.8", null],
    ["x-real-ip", "1.2.3.4;proto=https", null],
  ])("%s: %j -> %j", (header, value, expected) => {
    expect(facts({ [header]: value }, { trustedIpHeader: header }).ip).toBe(expected);
  });

  test.each([
    ["5000 digits", "1".repeat(5000)],
    ["an address padded past 100 characters", `${"0:".repeat(60)}1`],
    ["a long zone id", `fe80::1%${"a".repeat(200)}`],
  ])("an overlong value (%s) is no IP", (_name, value) => {
    expect(facts({ "x-real-ip": value }, { trustedIpHeader: "x-real-ip" }).ip).toBeNull();
  });

  test("a trusted header that is missing gives null, not the peer address (that is the proxy's)", () => {
    expect(facts({}, { trustedIpHeader: "x-real-ip", remoteAddress: "10.0.0.2" }).ip).toBeNull();
  });

  test("a header sent twice is a list: its last value wins", () => {
    const headers = new Headers();
    headers.append("x-real-ip", "6.6.6.6");
    headers.append("x-real-ip", "203.0.113.7");
    const result = extractFacts(new Request("https://sgn.st/abc", { headers }), { ...DEFAULTS, trustedIpHeader: "x-real-ip" });
    expect(result.ip).toBe("203.0.113.7");
  });

  test("without a trusted header, client-sent IP headers are ignored and the peer address is used", () => {
    expect(facts({ "x-forwarded-for": "6.6.6.6", "x-real-ip": "6.6.6.6" }, { remoteAddress: "198.51.100.4" }).ip).toBe("198.51.100.4");
    expect(facts({ "x-forwarded-for": "6.6.6.6" }).ip).toBeNull();
  });

  test.each([
    ["198.51.100.4", "198.51.100.4"],
    ["::ffff:127.0.0.1", "::ffff:127.0.0.1"],
    ["::1", "::1"],
    ["not an ip", null],
    ["", null],
    [null, null],
  ])("remoteAddress %j -> %j", (remoteAddress, expected) => {
    expect(facts({}, { remoteAddress }).ip).toBe(expected);
  });

  test("TRUSTED_IP_HEADER from the environment", () => {
    const options = fromEnv({ TRUSTED_IP_HEADER: "X-Forwarded-For" });
    expect(extractFacts(request({ "x-forwarded-for": "6.6.6.6, 203.0.113.7" }), options).ip).toBe("203.0.113.7");
  });
});

// ---- Referrer, query ----------------------------------------------------------------------------

describe("referrer host", () => {
  test.each([
    ["https://news.example.com/story?id=1", "news.example.com"],
    ["http://Example.COM:8080/x", "example.com:8080"],
    ["https://bücher.example/", "xn--bcher-kva.example"],
    ["android-app://com.google.android.gm/", null],
    ["javascript:alert(1)", null],
    ["data:text/html,hi", null],
    ["news.example.com/story", null],
    ["not a url", null],
    ["", null],
    ["http://", null],
  ])("%j -> %j", (referer, expected) => {
    expect(facts({ referer }).referrerHost).toBe(expected);
  });
});

describe("query", () => {
  test("is the short-link request's parsed query, repeated values kept", () => {
    const result = facts({}, {}, { url: "https://sgn.st/abc?utm_source=x&tag=a&tag=b&empty" });
    expect(result.query.get("utm_source")).toBe("x");
    expect(result.query.getAll("tag")).toEqual(["a", "b"]);
    expect(result.query.has("empty")).toBe(true);
  });

  test("no query: an empty one", () => {
    expect([...facts({}).query]).toEqual([]);
  });
});

// ---- Bad input ----------------------------------------------------------------------------------

describe("hostile headers never crash and give the normal outcome", () => {
  const HUGE = 100 * 1024;
  const everyHeader = (value: string) => ({
    "user-agent": value,
    "accept-language": value,
    referer: value,
    "x-vercel-ip-country": value,
    "x-vercel-ip-country-region": value,
    "x-vercel-ip-city": value,
    "cf-ipcountry": value,
    "cf-region-code": value,
    "cf-ipcity": value,
    "x-forwarded-for": value,
  });

  test.each([
    ["100 KB of letters", "a".repeat(HUGE)],
    ["100 KB of percent signs", "%".repeat(HUGE)],
    ["100 KB of %E0", "%E0".repeat(HUGE / 3)],
    ["100 KB of commas", ",".repeat(HUGE)],
    ["100 KB of language entries", "en-us;q=0.5,".repeat(HUGE / 12)],
    ["100 KB of IPs", "1.2.3.4,".repeat(HUGE / 8)],
    ["100 KB of colons", ":".repeat(HUGE)],
    ["100 KB of Latin-1", "\u00e9\u00ff\u0080".repeat(HUGE / 3)],
    ["Latin-1 controls and symbols", "\u0085\u00a0\u00ad\u00b5\u00c3"],
  ])("%s", (_name, value) => {
    const started = performance.now();
    const result = extractFacts(request(everyHeader(value)), { ...DEFAULTS, trustedIpHeader: "x-forwarded-for", remoteAddress: value });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result.country).toBeNull();
    expect(result.region).toBeNull();
    expect(result.referrerHost).toBeNull();
    expect(result.userAgent!.length).toBeLessThanOrEqual(1024);
    expect(result.languages.length).toBeLessThanOrEqual(10);
    expect(result.city === null || result.city.length <= 100).toBe(true);
    expect(["desktop", "mobile", "tablet", "console", "smarttv", "wearable", "xr", "embedded"]).toContain(result.device);
  });

  test("a huge but valid x-forwarded-for still yields its rightmost address", () => {
    const value = `${"6.6.6.6, ".repeat(10_000)}203.0.113.7`;
    expect(facts({ "x-forwarded-for": value }, { trustedIpHeader: "x-forwarded-for" }).ip).toBe("203.0.113.7");
  });

  test("a huge Accept-Language keeps its first preferences", () => {
    const value = `de,fr;q=0.9,${"en;q=0.1,".repeat(10_000)}`;
    expect(facts({ "accept-language": value }).languages).toEqual(["de", "fr", "en"]);
  });
});
