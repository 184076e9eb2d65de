import { describe, expect, test } from "vitest";
import { conditionMatches, firstMatchingRule, ipInBlock, parseIp, type RequestFacts } from "./match-rules";
import { conditionSchema, routingRuleSchema, type Condition, type RoutingRule } from "./rules";
import { plainFacts } from "../../tests/support/request-facts";

const NOW = new Date("2030-06-15T12:00:00.000Z");

/** Facts of a plain desktop visitor with nothing known; override what a test needs. */
const facts = plainFacts;

/** A condition exactly as a rule author would write it, normalised by the shared schema. */
const condition = (input: Record<string, unknown>): Condition => conditionSchema.parse(input);
const matches = (input: Record<string, unknown>, overrides: Partial<RequestFacts>, now = NOW) =>
  conditionMatches(condition(input), facts(overrides), now);

describe("country", () => {
  test.each([
    [["US", "CA"], "US", true],
    [["US", "CA"], "CA", true],
    [["US", "CA"], "DE", false],
    [["us"], "US", true], // the schema upper-cases what authors type
    [["US"], null, false],
  ])("in %j, visitor %j -> %j", (list, country, expected) => {
    expect(matches({ type: "country", in: list }, { country })).toBe(expected);
  });
});

describe("region", () => {
  test.each([
    // wanted, the platform's region, the country, expected
    ["CA", "CA", "US", true], // bare code, bare fact (Vercel, Cloudflare)
    ["CA", "US-CA", "US", true], // bare code, ISO fact
    ["US-CA", "CA", "US", true], // ISO code, bare fact + country
    ["US-CA", "US-CA", "US", true],
    ["us-ca", "CA", "US", true], // the schema upper-cases
    ["GB-ENG", "ENG", "GB", true],
    ["US-CA", "CA", null, false], // an ISO code needs the country to compare with a bare fact
    ["US-CA", "CA", "ES", false], // Cádiz, Spain is not California
    ["US-CA", "US-NY", "US", false],
    ["US-CA", "ES-CA", "ES", false],
    ["CA", "ES-CA", "ES", true], // a bare code is the platform's code, whatever the country
    ["CA", "NY", "US", false],
    ["A", "CA", "US", false], // a suffix only counts after a dash
    ["CA", "US-XCA", "US", false],
    ["CA", null, "US", false],
  ])("in [%j], region %j in %j -> %j", (wanted, region, country, expected) => {
    expect(matches({ type: "region", in: [wanted] }, { region, country })).toBe(expected);
  });

  test("any listed region is enough", () => {
    expect(matches({ type: "region", in: ["NY", "US-CA"] }, { region: "CA", country: "US" })).toBe(true);
  });
});

describe("city (case-insensitive, accent-sensitive)", () => {
  test.each([
    [["São Paulo"], "São Paulo", true],
    [["são paulo"], "São Paulo", true],
    [["SÃO PAULO"], "São Paulo", true],
    [["Sao Paulo"], "São Paulo", false],
    [["new york", "Boston"], "New York", true],
    [["Berlin"], "Berlin-Mitte", false],
    [["Berlin"], null, false],
  ])("in %j, city %j -> %j", (list, city, expected) => {
    expect(matches({ type: "city", in: list }, { city })).toBe(expected);
  });
});

describe("device", () => {
  test.each([
    [["mobile", "tablet"], "mobile", true],
    [["mobile", "tablet"], "tablet", true],
    [["mobile", "tablet"], "desktop", false],
    [["desktop"], "desktop", true],
    [["xr"], "wearable", false],
  ] as const)("in %j, device %j -> %j", (list, device, expected) => {
    expect(matches({ type: "device", in: list }, { device })).toBe(expected);
  });

  test("an unknown device type is refused by the schema", () => {
    expect(conditionSchema.safeParse({ type: "device", in: ["phone"] }).success).toBe(false);
  });
});

describe("os and browser (case-insensitive)", () => {
  test.each([
    ["os", ["iOS"], "iOS", true],
    ["os", ["ios"], "iOS", true],
    ["os", ["macOS"], "macOS", true],
    ["os", ["MACOS"], "macOS", true],
    ["os", ["Android", "iOS"], "Windows", false],
    ["os", ["iOS"], null, false],
    ["browser", ["chrome"], "Chrome", true],
    ["browser", ["Safari"], "Safari", true],
    ["browser", ["Samsung Internet"], "Samsung Internet", true],
    ["browser", ["Chrome"], "Chrome WebView", false],
    ["browser", ["Chrome"], null, false],
  ] as const)("%s in %j, visitor %j -> %j", (type, list, value, expected) => {
    expect(matches({ type, in: list }, { [type]: value })).toBe(expected);
  });
});

describe("language (a prefix matches its sub-tags, not the other way round)", () => {
  test.each([
    [["en"], ["en"], true],
    [["en"], ["en-gb"], true],
    [["EN"], ["en-gb"], true], // the schema lower-cases
    [["en-GB"], ["en-gb"], true],
    [["en-gb"], ["en"], false],
    [["pt-br"], ["pt"], false],
    [["pt"], ["pt-br"], true],
    [["en"], ["eng"], false], // a prefix ends at a subtag boundary
    [["zh-hant"], ["zh-hant-tw"], true],
    [["de"], ["fr", "de-at"], true], // any accepted language counts, not only the first
    [["de", "fr"], ["fr"], true],
    [["en"], [], false],
  ])("in %j, languages %j -> %j", (list, languages, expected) => {
    expect(matches({ type: "language", in: list }, { languages })).toBe(expected);
  });
});

describe("query", () => {
  test.each([
    ["present", { param: "ref" }, "?ref=x", true],
    ["present, empty value", { param: "ref" }, "?ref=", true],
    ["present, no value", { param: "ref" }, "?ref", true],
    ["absent", { param: "ref" }, "?other=1", false],
    ["names are case-sensitive", { param: "ref" }, "?REF=x", false],
    ["equals", { param: "src", equals: "mail" }, "?src=mail", true],
    ["equals, other value", { param: "src", equals: "mail" }, "?src=web", false],
    ["equals is case-sensitive", { param: "src", equals: "mail" }, "?src=MAIL", false],
    ["equals, repeated values: any one", { param: "tag", equals: "a" }, "?tag=b&tag=a", true],
    ["equals, repeated values: none", { param: "tag", equals: "c" }, "?tag=b&tag=a", false],
    ["equals the empty string", { param: "ref", equals: "" }, "?ref=", true],
    ["equals the empty string, absent", { param: "ref", equals: "" }, "", false],
    ["equals, decoded value", { param: "q", equals: "a b&c" }, "?q=a+b%26c", true],
  ])("%s", (_name, spec, search, expected) => {
    expect(matches({ type: "query", ...spec }, { query: new URLSearchParams(search) })).toBe(expected);
  });
});

describe("ip", () => {
  test.each([
    // exact addresses
    ["10.1.2.3", "10.1.2.3", true],
    ["10.1.2.4", "10.1.2.3", false],
    ["2001:db8::1", "2001:db8::1", true],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1", true], // full vs compressed form
    ["2001:DB8::1", "2001:db8::1", true],
    // IPv4 CIDR
    ["203.0.113.7", "0.0.0.0/0", true],
    ["10.0.0.0", "10.0.0.0/8", true],
    ["10.255.255.255", "10.0.0.0/8", true],
    ["11.0.0.0", "10.0.0.0/8", false],
    ["9.255.255.255", "10.0.0.0/8", false],
    ["192.168.1.0", "192.168.1.0/24", true],
    ["192.168.1.255", "192.168.1.0/24", true],
    ["192.168.2.0", "192.168.1.0/24", false],
    ["172.16.0.1", "172.16.0.0/12", true],
    ["172.31.255.255", "172.16.0.0/12", true],
    ["172.32.0.0", "172.16.0.0/12", false],
    ["10.1.2.3", "10.1.2.3/32", true],
    ["10.1.2.4", "10.1.2.3/32", false],
    // IPv6 CIDR
    ["2001:db8:ffff::1", "2001:db8::/32", true],
    ["2001:db9::1", "2001:db8::/32", false],
    ["fe80::1", "fe80::/10", true],
    ["febf::1", "fe80::/10", true],
    ["fec0::1", "fe80::/10", false],
    ["::1", "::1/128", true],
    ["::2", "::1/128", false],
    ["2001:db8::1", "::/0", true],
    // families are separate
    ["10.1.2.3", "::/0", false],
    ["2001:db8::1", "0.0.0.0/0", false],
    // IPv4-mapped IPv6 is IPv4, as an address and as a block
    ["::ffff:10.1.2.3", "10.0.0.0/8", true],
    ["::ffff:a01:203", "10.0.0.0/8", true],
    ["::ffff:11.1.2.3", "10.0.0.0/8", false],
    ["10.1.2.3", "::ffff:10.0.0.0/104", true],
    ["::ffff:10.1.2.3", "::ffff:10.1.2.3/128", true],
    ["10.1.2.3", "::ffff:10.1.2.3", true],
    ["10.1.2.3", "::ffff:0:0/96", true],
    ["11.1.2.3", "::ffff:10.0.0.0/104", false],
    // invalid visitor addresses never match, not even "everything"
    ["garbage", "0.0.0.0/0", false],
    ["010.1.2.3", "10.0.0.0/8", false],
    ["", "::/0", false],
  ])("%j in %j -> %j", (ip, block, expected) => {
    expect(matches({ type: "ip", in: [block] }, { ip })).toBe(expected);
  });

  test("no IP known: no match", () => {
    expect(matches({ type: "ip", in: ["0.0.0.0/0", "::/0"] }, { ip: null })).toBe(false);
  });

  test("any listed block is enough", () => {
    expect(matches({ type: "ip", in: ["192.168.0.0/16", "10.0.0.0/8"] }, { ip: "10.9.9.9" })).toBe(true);
  });
});

describe("before / after", () => {
  const at = "2030-06-15T12:00:00.000Z";
  test.each([
    ["before", at, "2030-06-15T11:59:59.999Z", true],
    ["before", at, at, false], // exactly at: no longer before
    ["before", at, "2030-06-15T12:00:00.001Z", false],
    ["after", at, "2030-06-15T11:59:59.999Z", false],
    ["after", at, at, true], // exactly at: already after
    ["after", at, "2031-01-01T00:00:00.000Z", true],
    ["before", "2030-06-15T14:00:00+02:00", at, false], // the same instant, written with an offset
    ["after", "2030-06-15T14:00:00+02:00", at, true],
    ["after", "2030-06-15T14:00:00.001+02:00", at, false],
  ] as const)("%s %s at %s -> %j", (type, when, now, expected) => {
    expect(matches({ type, at: when }, {}, new Date(now))).toBe(expected);
  });
});

// ---- Rules --------------------------------------------------------------------------------------

const rule = (conditions: Record<string, unknown>[], url = "https://example.com/"): RoutingRule =>
  routingRuleSchema.parse({ conditions, url });

describe("firstMatchingRule", () => {
  const usMobile = facts({ country: "US", device: "mobile", languages: ["en-us"] });

  test("every condition of a rule must match", () => {
    const rules = [rule([{ type: "country", in: ["US"] }, { type: "device", in: ["desktop"] }])];
    expect(firstMatchingRule(rules, usMobile, NOW)).toBe(-1);
    expect(firstMatchingRule(rules, facts({ country: "US" }), NOW)).toBe(0);
  });

  test("the first matching rule wins, even when a later one is more specific", () => {
    const rules = [
      rule([{ type: "country", in: ["DE"] }], "https://example.com/de"),
      rule([{ type: "device", in: ["mobile"] }], "https://example.com/mobile"),
      rule([{ type: "device", in: ["mobile"] }, { type: "country", in: ["US"] }], "https://example.com/us-mobile"),
    ];
    expect(firstMatchingRule(rules, usMobile, NOW)).toBe(1);
    expect(firstMatchingRule(rules, facts({ country: "DE", device: "mobile" }), NOW)).toBe(0);
  });

  test("no matching rule: -1", () => {
    const rules = [rule([{ type: "country", in: ["DE"] }]), rule([{ type: "language", in: ["fr"] }])];
    expect(firstMatchingRule(rules, usMobile, NOW)).toBe(-1);
  });

  test("no rules at all: -1", () => {
    expect(firstMatchingRule([], usMobile, NOW)).toBe(-1);
  });

  test("a visitor with nothing known matches only rules that need nothing known", () => {
    const rules = [
      rule([{ type: "country", in: ["US"] }]),
      rule([{ type: "ip", in: ["0.0.0.0/0"] }]),
      rule([{ type: "language", in: ["en"] }]),
      rule([{ type: "device", in: ["desktop"] }]),
    ];
    expect(firstMatchingRule(rules, facts(), NOW)).toBe(3);
  });

  test("a time window is two conditions in one rule", () => {
    const rules = [rule([{ type: "after", at: "2030-06-01T00:00:00Z" }, { type: "before", at: "2030-07-01T00:00:00Z" }])];
    expect(firstMatchingRule(rules, usMobile, NOW)).toBe(0);
    expect(firstMatchingRule(rules, usMobile, new Date("2030-07-01T00:00:00Z"))).toBe(-1);
    expect(firstMatchingRule(rules, usMobile, new Date("2030-05-31T23:59:59Z"))).toBe(-1);
  });
});

// ---- parseIp / ipInBlock --------------------------------------------------------------------------

describe("parseIp", () => {
  test.each([
    ["0.0.0.0", [0, 0, 0, 0]],
    ["255.255.255.255", [255, 255, 255, 255]],
    ["10.1.2.3", [10, 1, 2, 3]],
    ["::ffff:10.1.2.3", [10, 1, 2, 3]], // IPv4-mapped becomes IPv4
    ["::FFFF:0a01:0203", [10, 1, 2, 3]],
    ["::", Array(16).fill(0)],
    ["::1", [...Array(15).fill(0), 1]],
    ["1::", [0, 1, ...Array(14).fill(0)]],
    ["2001:db8::1", [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1]],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1]],
    ["1:2:3:4:5:6:7:8", [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]],
    ["1:2:3:4:5:6:7::", [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0]],
    ["::2:3:4:5:6:7:8", [0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]],
    ["1:2:3:4:5:6:1.2.3.4", [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4]],
    ["::1.2.3.4", [...Array(12).fill(0), 1, 2, 3, 4]], // IPv4-compatible (deprecated) stays IPv6
    ["fe80::1%eth0", [0xfe, 0x80, ...Array(13).fill(0), 1]], // a zone id is dropped
    ["fe80::1%12", [0xfe, 0x80, ...Array(13).fill(0), 1]],
  ])("%j", (text, bytes) => {
    expect(Array.from(parseIp(text)!)).toEqual(bytes);
  });

  test.each([
    "",
    " ",
    "010.0.0.1", // leading zeros: octal in some parsers, refused
    "10.0.0.01",
    "00.0.0.0",
    "256.0.0.1",
    "1.2.3",
    "1.2.3.4.5",
    "1.2.3.",
    ".1.2.3",
    "1..2.3",
    "-1.2.3.4",
    "1.2.3.4 ",
    " 1.2.3.4",
    "0x1.2.3.4",
    "1e1.2.3.4",
    "١.٢.٣.٤", // non-ASCII digits
    "1.2.3.4%eth0", // zone ids are for IPv6 only
    "1:2:3:4:5:6:7:8:9", // too many groups
    "1:2:3:4:5:6:7", // too few, no ::
    "::1:2:3:4:5:6:7:8", // :: must stand for at least one group
    "1::2::3",
    ":::",
    ":1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:",
    "12345::1",
    "g::1",
    "::ffff:256.1.1.1",
    "::ffff:1.2.3",
    "1:2:3:4:5:6:7:1.2.3.4", // nine groups' worth
    "1.2.3.4::",
    "fe80::1%", // an empty zone id
    "fe80::1%eth0%eth1",
    "fe80::1%eth 0",
    "[::1]",
    "::1/128",
    "localhost",
  ])("%j is invalid", (text) => {
    expect(parseIp(text)).toBeNull();
  });
});

describe("ipInBlock edge cases", () => {
  test.each([
    ["10.1.2.3", "10.0.0.0/", false], // an empty prefix is not /0
    ["10.1.2.3", "9.0.0.0/ 0", false],
    ["10.1.2.3", "9.0.0.0/0x0", false],
    ["10.1.2.3", "9.0.0.0/-0", false],
    ["10.1.2.3", "10.0.0.0/8.0", false],
    ["10.1.2.3", "10.0.0.0/8/16", false],
    ["10.1.2.3", "10.0.0.0/33", false],
    ["10.1.2.3", "10.1.2.3/0032", false],
    ["::1", "::/129", false],
    ["10.1.2.3", "::ffff:10.0.0.0/129", false],
    ["10.1.2.3", "garbage/8", false],
    ["10.1.2.3", "", false],
    ["10.1.2.3", "/8", false],
    ["10.1.2.3", "10.1.2.0/24", true], // the network's host bits may be set: they are masked
    ["10.1.2.3", "10.1.2.99/24", true],
    ["10.1.2.3", "10.1.2.3/0", true],
    ["10.1.2.3", "10.1.2.2/31", true],
    ["10.1.2.4", "10.1.2.2/31", false],
    ["10.1.2.3", "10.1.2.0/23", true],
    ["10.1.4.3", "10.1.2.0/23", false],
    ["2001:db8::8000", "2001:db8::/113", false], // a prefix that ends inside a byte
    ["2001:db8::7fff", "2001:db8::/113", true],
    ["::ffff:1.2.3.4", "::/80", false], // a mapped address is IPv4; an IPv6 block does not hold it
    ["::1", "::ffff:0:0/80", true], // a mapped-notation block wider than /96 is an IPv6 block
    ["fe80::1%eth0", "fe80::/10", true],
  ])("%j in %j -> %j", (ip, block, expected) => {
    expect(ipInBlock(ip, block)).toBe(expected);
  });
});
