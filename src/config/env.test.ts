import { describe, expect, test } from "vitest";
import { ConfigError, parseEdgeConfig, parseRedirectorConfig, parseServerConfig } from "./env";

const SECRET = "s".repeat(32);

/** Runs `fn`, expects a ConfigError and returns it (fails the test otherwise). */
function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError, but parsing succeeded");
}

function variables(error: ConfigError): string[] {
  return error.issues.map((issue) => issue.variable).sort();
}

describe("parseEdgeConfig defaults", () => {
  test("with only the secret set, everything defaults to the embedded localhost:3000 setup", () => {
    expect(parseEdgeConfig({ SIGNPOST_SECRET: SECRET })).toEqual({
      appUrl: "http://localhost:3000",
      appHost: "localhost:3000",
      originUrl: "http://localhost:3000",
      originHost: "localhost:3000",
      customDomains: true,
      shortDomains: ["localhost:3000"],
      secret: SECRET,
      geo: { trusted: ["vercel", "cloudflare"] },
      homeUrl: null,
      linkPasswordTtlSeconds: 86_400,
      clickDelayMs: null,
      changesPollMs: 2_000,
      logLevel: "info",
    });
  });

  test("EDGE_CHANGES_POLL_MS: 0 turns the link-change feed off; otherwise 100 ms to 10 minutes", () => {
    expect(parseEdgeConfig({ SIGNPOST_SECRET: SECRET, EDGE_CHANGES_POLL_MS: "0" }).changesPollMs).toBe(0);
    expect(parseRedirectorConfig({ SIGNPOST_SECRET: SECRET, EDGE_CHANGES_POLL_MS: "500" }).changesPollMs).toBe(500);
    for (const bad of ["50", "-1", "1.5", "600001", "soon"]) {
      expect(() => parseEdgeConfig({ SIGNPOST_SECRET: SECRET, EDGE_CHANGES_POLL_MS: bad }), bad).toThrow(/EDGE_CHANGES_POLL_MS: must be 0 \(off\) or a (whole )?number of milliseconds \(100-600000\)/);
    }
  });

  test("LOG_LEVEL: debug, info, warn, error or silent (any case); anything else is named", () => {
    expect(parseEdgeConfig({ SIGNPOST_SECRET: SECRET, LOG_LEVEL: "WARN" }).logLevel).toBe("warn");
    expect(parseServerConfig({ SIGNPOST_SECRET: SECRET, LOG_LEVEL: "debug" }).logLevel).toBe("debug");
    expect(parseRedirectorConfig({ SIGNPOST_SECRET: SECRET, LOG_LEVEL: "silent" }).logLevel).toBe("silent");
    expect(() => parseEdgeConfig({ SIGNPOST_SECRET: SECRET, LOG_LEVEL: "verbose" })).toThrow(/LOG_LEVEL: must be one of debug, info, warn, error, silent/);
  });

  test("HOME_URL must be http(s); LINK_PASSWORD_TTL_SECONDS is bounded (60 s to a year)", () => {
    expect(parseEdgeConfig({ SIGNPOST_SECRET: SECRET, HOME_URL: "https://example.com/" }).homeUrl).toBe("https://example.com");
    expect(parseEdgeConfig({ SIGNPOST_SECRET: SECRET, LINK_PASSWORD_TTL_SECONDS: "3600" }).linkPasswordTtlSeconds).toBe(3600);
    expect(() => parseEdgeConfig({ SIGNPOST_SECRET: SECRET, HOME_URL: "ftp://x" })).toThrow(/HOME_URL/);
    expect(() => parseEdgeConfig({ SIGNPOST_SECRET: SECRET, LINK_PASSWORD_TTL_SECONDS: "10" })).toThrow(/LINK_PASSWORD_TTL_SECONDS/);
  });

  test("EDGE_CLICK_DELAY_MS is a whole number of ms from 1 to 5000; unset leaves each host its own", () => {
    expect(parseEdgeConfig({ SIGNPOST_SECRET: SECRET, EDGE_CLICK_DELAY_MS: "100" }).clickDelayMs).toBe(100);
    expect(parseRedirectorConfig({ SIGNPOST_SECRET: SECRET, EDGE_CLICK_DELAY_MS: "5000" }).clickDelayMs).toBe(5000);
    for (const bad of ["0", "5001", "1.5", "soon"]) {
      expect(() => parseEdgeConfig({ SIGNPOST_SECRET: SECRET, EDGE_CLICK_DELAY_MS: bad })).toThrow(/EDGE_CLICK_DELAY_MS: must be a (whole )?number of milliseconds \(1-5000\)/);
    }
  });

  test("shortDomains default to APP_URL's host, port included and lower-cased", () => {
    const config = parseEdgeConfig({ SIGNPOST_SECRET: SECRET, APP_URL: "https://App.Example.com:8443" });
    expect(config.appHost).toBe("app.example.com:8443");
    expect(config.shortDomains).toEqual(["app.example.com:8443"]);
  });

  test("originUrl defaults to APP_URL", () => {
    const config = parseEdgeConfig({ SIGNPOST_SECRET: SECRET, APP_URL: "https://app.example.com" });
    expect(config.originUrl).toBe("https://app.example.com");
  });

  test("an explicit ORIGIN_URL wins over APP_URL and does not change the short domains", () => {
    const config = parseEdgeConfig({ SIGNPOST_SECRET: SECRET, APP_URL: "https://app.example.com", ORIGIN_URL: "http://origin.internal:4000" });
    expect(config.originUrl).toBe("http://origin.internal:4000");
    expect(config.shortDomains).toEqual(["app.example.com"]);
  });

  test("trailing slashes are removed from APP_URL and ORIGIN_URL", () => {
    const config = parseEdgeConfig({ SIGNPOST_SECRET: SECRET, APP_URL: "https://app.example.com/", ORIGIN_URL: "http://origin.internal:4000//" });
    expect(config.appUrl).toBe("https://app.example.com");
    expect(config.originUrl).toBe("http://origin.internal:4000");
  });

  test("ORIGIN_URL falls back to the slash-stripped APP_URL", () => {
    expect(parseEdgeConfig({ SIGNPOST_SECRET: SECRET, APP_URL: "http://localhost:4000/" }).originUrl).toBe("http://localhost:4000");
  });

  test("an APP_URL that is not a URL is rejected and named", () => {
    const error = configErrorOf(() => parseEdgeConfig({ SIGNPOST_SECRET: SECRET, APP_URL: "not a url" }));
    expect(variables(error)).toEqual(["APP_URL"]);
  });

  // zod's `.url()` alone accepts any WHATWG URL: "localhost:3000" would parse as scheme "localhost:".
  test.each(["localhost:3000", "mailto:a@b.c", "ftp://files.example.com"])("a non-http(s) APP_URL (%s) is refused", (value) => {
    const error = configErrorOf(() => parseEdgeConfig({ SIGNPOST_SECRET: SECRET, APP_URL: value }));
    expect(variables(error)).toEqual(["APP_URL"]);
    expect(error.issues[0]!.problem).toContain("http:// or https://");
  });

  test("a non-http(s) ORIGIN_URL is refused too", () => {
    expect(variables(configErrorOf(() => parseEdgeConfig({ SIGNPOST_SECRET: SECRET, ORIGIN_URL: "localhost:3000" })))).toEqual(["ORIGIN_URL"]);
  });
});

describe("SHORT_DOMAINS", () => {
  test("is a comma list; entries are trimmed and lower-cased, empty entries dropped", () => {
    const config = parseEdgeConfig({ SIGNPOST_SECRET: SECRET, SHORT_DOMAINS: " Sgn.ST , ,go.Example.com:8443," });
    expect(config.shortDomains).toEqual(["sgn.st", "go.example.com:8443"]);
  });

  test("a single host is a one-entry list and replaces the APP_URL default", () => {
    const config = parseEdgeConfig({ SIGNPOST_SECRET: SECRET, APP_URL: "https://app.example.com", SHORT_DOMAINS: "sgn.st" });
    expect(config.shortDomains).toEqual(["sgn.st"]);
    expect(config.appHost).toBe("app.example.com");
  });

  test("a list with only separators falls back to APP_URL's host", () => {
    const config = parseEdgeConfig({ SIGNPOST_SECRET: SECRET, APP_URL: "https://app.example.com", SHORT_DOMAINS: " , ," });
    expect(config.shortDomains).toEqual(["app.example.com"]);
  });

  test.each(["https://sgn.st", "sgn.st/path", "sgn st", "sgn.st:port", "user@sgn.st"])("rejects the entry %j and names SHORT_DOMAINS", (entry) => {
    const error = configErrorOf(() => parseEdgeConfig({ SIGNPOST_SECRET: SECRET, SHORT_DOMAINS: `ok.example.com,${entry}` }));
    expect(variables(error)).toEqual(["SHORT_DOMAINS"]);
    expect(error.message).toContain("SHORT_DOMAINS");
    expect(error.message).toContain("must be a host");
  });
});

describe("SIGNPOST_SECRET", () => {
  test("missing: ConfigError whose message names SIGNPOST_SECRET and says it is required", () => {
    const error = configErrorOf(() => parseEdgeConfig({}));
    expect(error.name).toBe("ConfigError");
    expect(error.issues).toEqual([{ variable: "SIGNPOST_SECRET", problem: "is required but not set" }]);
    expect(error.message).toMatch(/SIGNPOST_SECRET: .*required/);
  });

  test("missing is also reported by parseServerConfig", () => {
    const error = configErrorOf(() => parseServerConfig({}));
    expect(variables(error)).toEqual(["SIGNPOST_SECRET"]);
    expect(error.message).toMatch(/SIGNPOST_SECRET: .*required/);
  });

  test("31 characters is too short; the message says the minimum", () => {
    const error = configErrorOf(() => parseEdgeConfig({ SIGNPOST_SECRET: "s".repeat(31) }));
    expect(variables(error)).toEqual(["SIGNPOST_SECRET"]);
    expect(error.message).toMatch(/SIGNPOST_SECRET: must be at least 32 characters/);
  });

  test("32 characters is enough and the secret is passed through unchanged", () => {
    expect(parseEdgeConfig({ SIGNPOST_SECRET: "0123456789abcdef0123456789ABCDEF" }).secret).toBe("0123456789abcdef0123456789ABCDEF");
  });
});

describe("empty strings count as unset", () => {
  test("empty APP_URL, ORIGIN_URL and SHORT_DOMAINS take their defaults", () => {
    expect(parseEdgeConfig({ SIGNPOST_SECRET: SECRET, APP_URL: "", ORIGIN_URL: "", SHORT_DOMAINS: "" })).toEqual(
      parseEdgeConfig({ SIGNPOST_SECRET: SECRET }),
    );
  });

  test("an empty SIGNPOST_SECRET is reported as required, not as too short", () => {
    const error = configErrorOf(() => parseEdgeConfig({ SIGNPOST_SECRET: "" }));
    expect(error.issues).toEqual([{ variable: "SIGNPOST_SECRET", problem: "is required but not set" }]);
  });

  test("empty server variables take their defaults", () => {
    const config = parseServerConfig({ SIGNPOST_SECRET: SECRET, DATABASE_URL: "", DATA_DIR: "", SETUP_TOKEN: "", NODE_ENV: "", DATABASE_POOL_MAX: "" });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toBe(".signpost");
    expect(config.setupToken).toBeUndefined();
    expect(config.nodeEnv).toBe("development");
    expect(config.databasePoolMax).toBe(10);
  });

  test("undefined values are treated like absent ones", () => {
    expect(parseEdgeConfig({ SIGNPOST_SECRET: SECRET, APP_URL: undefined }).appUrl).toBe("http://localhost:3000");
  });
});

describe("parseServerConfig", () => {
  test("defaults on top of the edge view", () => {
    expect(parseServerConfig({ SIGNPOST_SECRET: SECRET })).toEqual({
      ...parseEdgeConfig({ SIGNPOST_SECRET: SECRET }),
      nodeEnv: "development",
      databaseUrl: undefined,
      dataDir: ".signpost",
      setupToken: undefined,
      databasePoolMax: 10,
      emailFrom: "Signpost <no-reply@localhost>",
      clickConsumers: 1,
      clickClaimIdleSeconds: 30,
      clickRoundClicks: 10_000,
      clickRetentionDays: 0,
      redisKeyPrefix: "signpost:",
      linkMetadata: true,
      outboundAllowlist: [],
      dnsServers: [],
      domainTarget: [],
      billing: null,
    });
  });

  test("custom domain settings: CUSTOM_DOMAINS on/off, DNS_SERVERS addresses with ports, DOMAIN_TARGET", () => {
    const parsed = parseServerConfig({ SIGNPOST_SECRET: SECRET, CUSTOM_DOMAINS: "off", ORIGIN_URL: "http://Origin.Internal:3000", DNS_SERVERS: "1.1.1.1, 127.0.0.1:5353,[2606:4700::1111]:53,::1", DOMAIN_TARGET: "CNAME.Sgn.St." });
    expect(parsed).toMatchObject({ customDomains: false, originHost: "origin.internal:3000", dnsServers: ["1.1.1.1", "127.0.0.1:5353", "[2606:4700::1111]:53", "::1"], domainTarget: ["cname.sgn.st"] });
    expect(parseServerConfig({ SIGNPOST_SECRET: SECRET, DOMAIN_TARGET: "203.0.113.7,2001:db8::7" }).domainTarget).toEqual(["203.0.113.7", "2001:db8::7"]);
    for (const [variable, value] of Object.entries({ CUSTOM_DOMAINS: "yes", DNS_SERVERS: "dns.google", DOMAIN_TARGET: "http://x/" })) {
      expect(variables(configErrorOf(() => parseServerConfig({ SIGNPOST_SECRET: SECRET, [variable]: value })))).toEqual([variable]);
    }
  });

  test("outbound settings: metadata on/off, the allow-list of hosts, addresses and CIDRs", () => {
    expect(parseServerConfig({ SIGNPOST_SECRET: SECRET, LINK_METADATA: "off", OUTBOUND_ALLOWLIST: " Wiki.Corp.example, 10.0.0.0/8 ,fd00::/8,192.168.1.7" })).toMatchObject({
      linkMetadata: false,
      outboundAllowlist: ["wiki.corp.example", "10.0.0.0/8", "fd00::/8", "192.168.1.7"],
    });
    for (const [variable, value] of Object.entries({ LINK_METADATA: "yes", OUTBOUND_ALLOWLIST: "http://wiki.corp" })) {
      expect(variables(configErrorOf(() => parseServerConfig({ SIGNPOST_SECRET: SECRET, [variable]: value })))).toEqual([variable]);
    }
  });

  test("click pipeline settings are coerced and range-checked, each error naming its variable", () => {
    const parsed = parseServerConfig({ SIGNPOST_SECRET: SECRET, CLICK_CONSUMERS: "0", CLICK_CLAIM_IDLE_SECONDS: "5", CLICK_ROUND_CLICKS: "2500", CLICK_RETENTION_DAYS: "400", REDIS_KEY_PREFIX: "acme:", GEOIP_DATABASE: "/data/GeoLite2-Country.mmdb" });
    expect(parsed).toMatchObject({ clickConsumers: 0, clickClaimIdleSeconds: 5, clickRoundClicks: 2500, clickRetentionDays: 400, redisKeyPrefix: "acme:", geoipDatabase: "/data/GeoLite2-Country.mmdb" });
    const bad = { CLICK_CONSUMERS: "17", CLICK_CLAIM_IDLE_SECONDS: "0", CLICK_ROUND_CLICKS: "100001", CLICK_RETENTION_DAYS: "-1", REDIS_KEY_PREFIX: "has space" };
    for (const [variable, value] of Object.entries(bad)) {
      expect(variables(configErrorOf(() => parseServerConfig({ SIGNPOST_SECRET: SECRET, [variable]: value })))).toEqual([variable]);
    }
  });

  test.each(["postgres://u:p@db:5432/signpost", "postgresql://db/signpost"])("accepts DATABASE_URL %s", (value) => {
    expect(parseServerConfig({ SIGNPOST_SECRET: SECRET, DATABASE_URL: value }).databaseUrl).toBe(value);
  });

  test.each(["mysql://db/signpost", "http://db:5432", "db:5432/signpost"])("rejects DATABASE_URL %s and names DATABASE_URL", (value) => {
    const error = configErrorOf(() => parseServerConfig({ SIGNPOST_SECRET: SECRET, DATABASE_URL: value }));
    expect(variables(error)).toEqual(["DATABASE_URL"]);
    expect(error.message).toContain("DATABASE_URL: must be a postgres:// or postgresql:// URL");
  });

  test("the edge view ignores server-only variables, even invalid ones", () => {
    expect(parseEdgeConfig({ SIGNPOST_SECRET: SECRET, DATABASE_URL: "mysql://db", NODE_ENV: "staging" }).appHost).toBe("localhost:3000");
  });

  test("DATABASE_POOL_MAX is coerced to a number within 1..200", () => {
    expect(parseServerConfig({ SIGNPOST_SECRET: SECRET, DATABASE_POOL_MAX: "25" }).databasePoolMax).toBe(25);
    expect(parseServerConfig({ SIGNPOST_SECRET: SECRET, DATABASE_POOL_MAX: "200" }).databasePoolMax).toBe(200);
    for (const bad of ["0", "201", "2.5"]) {
      expect(variables(configErrorOf(() => parseServerConfig({ SIGNPOST_SECRET: SECRET, DATABASE_POOL_MAX: bad })))).toEqual(["DATABASE_POOL_MAX"]);
    }
  });

  test("a non-numeric DATABASE_POOL_MAX is reported as invalid, not as 'not set'", () => {
    const error = configErrorOf(() => parseServerConfig({ SIGNPOST_SECRET: SECRET, DATABASE_POOL_MAX: "abc" }));
    expect(variables(error)).toEqual(["DATABASE_POOL_MAX"]);
    expect(error.issues[0]!.problem).not.toContain("not set");
  });

  test("NODE_ENV must be one of development, production, test", () => {
    expect(parseServerConfig({ SIGNPOST_SECRET: SECRET, NODE_ENV: "production" }).nodeEnv).toBe("production");
    expect(variables(configErrorOf(() => parseServerConfig({ SIGNPOST_SECRET: SECRET, NODE_ENV: "staging" })))).toEqual(["NODE_ENV"]);
  });

  test("SETUP_TOKEN needs at least 16 characters", () => {
    expect(parseServerConfig({ SIGNPOST_SECRET: SECRET, SETUP_TOKEN: "t".repeat(16) }).setupToken).toBe("t".repeat(16));
    const error = configErrorOf(() => parseServerConfig({ SIGNPOST_SECRET: SECRET, SETUP_TOKEN: "t".repeat(15) }));
    expect(error.message).toContain("SETUP_TOKEN: must be at least 16 characters");
  });
});

describe("GEO_HEADERS", () => {
  const trusted = (value: string | undefined) => parseEdgeConfig({ SIGNPOST_SECRET: SECRET, GEO_HEADERS: value }).geo.trusted;

  test("defaults to trusting Vercel, then Cloudflare", () => {
    expect(trusted(undefined)).toEqual(["vercel", "cloudflare"]);
    expect(trusted("")).toEqual(["vercel", "cloudflare"]);
  });

  test.each([
    ["vercel", ["vercel"]],
    ["cloudflare", ["cloudflare"]],
    ["cloudflare,vercel", ["cloudflare", "vercel"]],
    [" Vercel , CLOUDFLARE ,", ["vercel", "cloudflare"]],
    ["vercel,vercel", ["vercel"]],
    ["none", []],
    [" NONE ", []],
  ])("%j -> %j", (value, expected) => {
    expect(trusted(value)).toEqual(expected);
  });

  test("the default list is not shared between parses", () => {
    trusted(undefined).push("vercel");
    expect(trusted(undefined)).toEqual(["vercel", "cloudflare"]);
  });

  test.each([
    ["fastly", "each entry must be vercel, cloudflare or none"],
    ["vercel,akamai", "each entry must be vercel, cloudflare or none"],
    ["none,vercel", "none cannot be combined with a platform"],
    [" , ", "must list vercel, cloudflare"],
  ])("rejects %j and names GEO_HEADERS", (value, problem) => {
    const error = configErrorOf(() => parseEdgeConfig({ SIGNPOST_SECRET: SECRET, GEO_HEADERS: value }));
    expect(variables(error)).toEqual(["GEO_HEADERS"]);
    expect(error.message).toContain(`GEO_HEADERS: ${problem}`);
  });
});

describe("custom geo headers and TRUSTED_IP_HEADER", () => {
  test("are unset by default", () => {
    const config = parseEdgeConfig({ SIGNPOST_SECRET: SECRET });
    expect(config.geo.countryHeader).toBeUndefined();
    expect(config.geo.regionHeader).toBeUndefined();
    expect(config.geo.cityHeader).toBeUndefined();
    expect(config.trustedIpHeader).toBeUndefined();
  });

  test("are trimmed and lower-cased, as Headers reports names", () => {
    const config = parseEdgeConfig({
      SIGNPOST_SECRET: SECRET,
      GEO_COUNTRY_HEADER: " X-Geo-Country ",
      GEO_REGION_HEADER: "X-Geo-Region",
      GEO_CITY_HEADER: "x-geo-city",
      TRUSTED_IP_HEADER: "CF-Connecting-IP",
      GEO_HEADERS: "none",
    });
    expect(config.geo).toEqual({ trusted: [], countryHeader: "x-geo-country", regionHeader: "x-geo-region", cityHeader: "x-geo-city" });
    expect(config.trustedIpHeader).toBe("cf-connecting-ip");
  });

  test("empty values count as unset", () => {
    const config = parseEdgeConfig({ SIGNPOST_SECRET: SECRET, GEO_COUNTRY_HEADER: "", TRUSTED_IP_HEADER: "" });
    expect(config.geo.countryHeader).toBeUndefined();
    expect(config.trustedIpHeader).toBeUndefined();
  });

  test.each(["GEO_COUNTRY_HEADER", "GEO_REGION_HEADER", "GEO_CITY_HEADER", "TRUSTED_IP_HEADER"])("%s must be a header name", (variable) => {
    for (const bad of ["x real ip", "x-real-ip:", "x-\nip", "x-ïp", `x-${"a".repeat(100)}`]) {
      const error = configErrorOf(() => parseEdgeConfig({ SIGNPOST_SECRET: SECRET, [variable]: bad }));
      expect(variables(error)).toEqual([variable]);
      expect(error.message).toContain(`${variable}: `);
    }
    expect(parseEdgeConfig({ SIGNPOST_SECRET: SECRET, [variable]: "X-Forwarded-For" })).toBeTruthy();
  });

  test("the server view carries them too", () => {
    const config = parseServerConfig({ SIGNPOST_SECRET: SECRET, GEO_HEADERS: "cloudflare", TRUSTED_IP_HEADER: "x-real-ip" });
    expect(config.geo.trusted).toEqual(["cloudflare"]);
    expect(config.trustedIpHeader).toBe("x-real-ip");
  });
});

describe("several problems are reported at once", () => {
  test("one ConfigError lists every offending variable, one line each", () => {
    const error = configErrorOf(() =>
      parseServerConfig({ APP_URL: "nope", SHORT_DOMAINS: "a b", DATABASE_URL: "mysql://db", SETUP_TOKEN: "short" }),
    );
    expect(variables(error)).toEqual(["APP_URL", "DATABASE_URL", "SETUP_TOKEN", "SHORT_DOMAINS", "SIGNPOST_SECRET"]);
    const lines = error.message.split("\n");
    expect(lines[0]).toBe("Invalid Signpost configuration:");
    expect(lines).toHaveLength(6);
    for (const variable of variables(error)) expect(lines.some((line) => line.startsWith(`  - ${variable}: `))).toBe(true);
  });
});

describe("parseRedirectorConfig (standalone Node redirector)", () => {
  test("defaults: the edge view, port 3001, one worker, no Redis", () => {
    expect(parseRedirectorConfig({ SIGNPOST_SECRET: SECRET })).toEqual({
      ...parseEdgeConfig({ SIGNPOST_SECRET: SECRET }),
      port: 3001,
      workers: 1,
      redisUrl: undefined,
      clickBuffer: 200_000,
      shutdownSeconds: 120,
      direct: null,
      metrics: null,
    });
  });

  test("DATABASE_URL switches on direct mode, with its pool size, key prefix and GeoIP file", () => {
    expect(parseRedirectorConfig({ SIGNPOST_SECRET: SECRET, DATABASE_URL: "postgres://u@db:5432/signpost" }).direct).toEqual({
      databaseUrl: "postgres://u@db:5432/signpost",
      poolMax: 10,
      redisKeyPrefix: "signpost:",
      geoipDatabase: undefined,
    });
    const config = parseRedirectorConfig({
      SIGNPOST_SECRET: SECRET,
      DATABASE_URL: "postgresql://u:p@db/signpost",
      DATABASE_POOL_MAX: "4",
      REDIS_URL: "redis://cache:6379",
      REDIS_KEY_PREFIX: "tenant-a:",
      GEOIP_DATABASE: "/data/GeoLite2-Country.mmdb",
    });
    expect(config.direct).toEqual({ databaseUrl: "postgresql://u:p@db/signpost", poolMax: 4, redisKeyPrefix: "tenant-a:", geoipDatabase: "/data/GeoLite2-Country.mmdb" });
    expect(config.redisUrl).toBe("redis://cache:6379");
    // Empty counts as unset: the origin protocol.
    expect(parseRedirectorConfig({ SIGNPOST_SECRET: SECRET, DATABASE_URL: "" }).direct).toBeNull();
  });

  test.each(["file:///var/signpost/pglite", ".signpost", "mysql://db/signpost"])("direct mode refuses DATABASE_URL %s: Postgres only", (value) => {
    const error = configErrorOf(() => parseRedirectorConfig({ SIGNPOST_SECRET: SECRET, DATABASE_URL: value }));
    expect(variables(error)).toEqual(["DATABASE_URL"]);
    expect(error.message).toContain("DATABASE_URL: must be a postgres:// or postgresql:// URL (direct mode needs Postgres");
  });

  test("DATABASE_POOL_MAX and REDIS_KEY_PREFIX are checked for the redirector too", () => {
    const error = configErrorOf(() => parseRedirectorConfig({ SIGNPOST_SECRET: SECRET, DATABASE_URL: "postgres://db/s", DATABASE_POOL_MAX: "0", REDIS_KEY_PREFIX: "has space" }));
    expect(variables(error)).toEqual(["DATABASE_POOL_MAX", "REDIS_KEY_PREFIX"]);
  });

  test("REDIRECTOR_CLICK_BUFFER and REDIRECTOR_SHUTDOWN_SECONDS are bounded whole numbers", () => {
    const config = parseRedirectorConfig({ SIGNPOST_SECRET: SECRET, REDIRECTOR_CLICK_BUFFER: "5000", REDIRECTOR_SHUTDOWN_SECONDS: "30" });
    expect([config.clickBuffer, config.shutdownSeconds]).toEqual([5000, 30]);
    expect(variables(configErrorOf(() => parseRedirectorConfig({ SIGNPOST_SECRET: SECRET, REDIRECTOR_CLICK_BUFFER: "10" })))).toEqual(["REDIRECTOR_CLICK_BUFFER"]);
    expect(variables(configErrorOf(() => parseRedirectorConfig({ SIGNPOST_SECRET: SECRET, REDIRECTOR_SHUTDOWN_SECONDS: "0" })))).toEqual(["REDIRECTOR_SHUTDOWN_SECONDS"]);
  });

  test("REDIRECTOR_PORT is a port number", () => {
    expect(parseRedirectorConfig({ SIGNPOST_SECRET: SECRET, REDIRECTOR_PORT: "8080" }).port).toBe(8080);
    for (const bad of ["0", "65536", "80.5", "http"]) {
      const error = configErrorOf(() => parseRedirectorConfig({ SIGNPOST_SECRET: SECRET, REDIRECTOR_PORT: bad }));
      expect(variables(error)).toEqual(["REDIRECTOR_PORT"]);
      expect(error.message).toContain("REDIRECTOR_PORT: must be a port (1-65535)");
    }
  });

  test("REDIRECTOR_METRICS_PORT: direct mode only, a port other than REDIRECTOR_PORT, with an optional METRICS_TOKEN", () => {
    const direct = { SIGNPOST_SECRET: SECRET, DATABASE_URL: "postgres://db/s" };
    expect(parseRedirectorConfig(direct).metrics).toBeNull();
    expect(parseRedirectorConfig({ ...direct, REDIRECTOR_METRICS_PORT: "9464" }).metrics).toEqual({ port: 9464, token: undefined });
    expect(parseRedirectorConfig({ ...direct, REDIRECTOR_METRICS_PORT: "9464", METRICS_TOKEN: "a-token-of-16-chars" }).metrics).toEqual({ port: 9464, token: "a-token-of-16-chars" });
    const origin = configErrorOf(() => parseRedirectorConfig({ SIGNPOST_SECRET: SECRET, REDIRECTOR_METRICS_PORT: "9464" }));
    expect(variables(origin)).toEqual(["REDIRECTOR_METRICS_PORT"]);
    expect(origin.message).toContain("is for direct mode (DATABASE_URL set)");
    expect(variables(configErrorOf(() => parseRedirectorConfig({ ...direct, REDIRECTOR_METRICS_PORT: "3001" })))).toEqual(["REDIRECTOR_METRICS_PORT"]);
    expect(variables(configErrorOf(() => parseRedirectorConfig({ ...direct, REDIRECTOR_METRICS_PORT: "70000" })))).toEqual(["REDIRECTOR_METRICS_PORT"]);
    expect(variables(configErrorOf(() => parseRedirectorConfig({ ...direct, REDIRECTOR_METRICS_PORT: "9464", METRICS_TOKEN: "short" })))).toEqual(["METRICS_TOKEN"]);
  });

  test("REDIRECTOR_WORKERS is 1..256 or auto", () => {
    expect(parseRedirectorConfig({ SIGNPOST_SECRET: SECRET, REDIRECTOR_WORKERS: "4" }).workers).toBe(4);
    expect(parseRedirectorConfig({ SIGNPOST_SECRET: SECRET, REDIRECTOR_WORKERS: " Auto " }).workers).toBe("auto");
    for (const bad of ["0", "257", "-1", "2.5", "many"]) {
      const error = configErrorOf(() => parseRedirectorConfig({ SIGNPOST_SECRET: SECRET, REDIRECTOR_WORKERS: bad }));
      expect(variables(error)).toEqual(["REDIRECTOR_WORKERS"]);
      expect(error.message).toContain("REDIRECTOR_WORKERS: must be a number of workers (1-256) or auto");
    }
  });

  test.each(["redis://127.0.0.1:6379", "rediss://user:pass@cache.internal:6380/2"])("accepts REDIS_URL %s (redirector and server)", (value) => {
    expect(parseRedirectorConfig({ SIGNPOST_SECRET: SECRET, REDIS_URL: value }).redisUrl).toBe(value);
    expect(parseServerConfig({ SIGNPOST_SECRET: SECRET, REDIS_URL: value }).redisUrl).toBe(value);
  });

  test.each(["http://127.0.0.1:6379", "127.0.0.1:6379", "redis://"])("rejects REDIS_URL %s and names REDIS_URL", (value) => {
    for (const parse of [parseRedirectorConfig, parseServerConfig]) {
      const error = configErrorOf(() => parse({ SIGNPOST_SECRET: SECRET, REDIS_URL: value }));
      expect(variables(error)).toEqual(["REDIS_URL"]);
      expect(error.message).toContain("REDIS_URL: must be a redis:// or rediss:// URL");
    }
  });

  test("the edge view ignores the redirector's variables, even invalid ones", () => {
    expect(parseEdgeConfig({ SIGNPOST_SECRET: SECRET, REDIRECTOR_PORT: "x", REDIRECTOR_WORKERS: "x", REDIS_URL: "x" }).appHost).toBe("localhost:3000");
  });

  test("the redirector's own problems are reported with the edge ones", () => {
    const error = configErrorOf(() => parseRedirectorConfig({ SHORT_DOMAINS: "a b", REDIRECTOR_PORT: "x", REDIRECTOR_WORKERS: "x" }));
    expect(variables(error)).toEqual(["REDIRECTOR_PORT", "REDIRECTOR_WORKERS", "SHORT_DOMAINS", "SIGNPOST_SECRET"]);
  });

  test("billing is off without STRIPE_SECRET_KEY, and then needs the webhook secret and both prices", () => {
    expect(parseServerConfig({ SIGNPOST_SECRET: SECRET }).billing).toBeNull();
    const error = configErrorOf(() => parseServerConfig({ SIGNPOST_SECRET: SECRET, STRIPE_SECRET_KEY: "sk_test_abc" }));
    expect(variables(error)).toEqual(["STRIPE_PRICE_BUSINESS", "STRIPE_PRICE_PRO", "STRIPE_WEBHOOK_SECRET"]);
    expect(error.message).toContain("is required when STRIPE_SECRET_KEY is set");
    const full = { SIGNPOST_SECRET: SECRET, STRIPE_SECRET_KEY: "sk_test_abc", STRIPE_WEBHOOK_SECRET: "whsec_abc", STRIPE_PRICE_PRO: "price_p", STRIPE_PRICE_BUSINESS: "price_b" };
    expect(parseServerConfig(full).billing).toEqual({ secretKey: "sk_test_abc", webhookSecret: "whsec_abc", prices: { pro: "price_p", business: "price_b" }, api: null });
    expect(parseServerConfig({ ...full, STRIPE_API_URL: "http://127.0.0.1:12111" }).billing?.api).toEqual({ host: "127.0.0.1", port: 12111, protocol: "http" });
    expect(parseServerConfig({ ...full, STRIPE_API_URL: "https://stripe.internal" }).billing?.api).toEqual({ host: "stripe.internal", port: 443, protocol: "https" });
  });

  test.each([["STRIPE_SECRET_KEY", "pk_live_x"], ["STRIPE_WEBHOOK_SECRET", "secret"], ["STRIPE_PRICE_PRO", "prod_x"], ["STRIPE_API_URL", "ftp://x"]])("rejects %s=%s and names it", (variable, value) => {
    const error = configErrorOf(() => parseServerConfig({ SIGNPOST_SECRET: SECRET, [variable]: value }));
    expect(variables(error)).toContain(variable);
  });
});
