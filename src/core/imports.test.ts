import { describe, expect, test } from "vitest";
import { detectDelimiter, detectFormat, normalizeHeader, parseImportDate, rowToLink, startImportSchema } from "./imports";

describe("detectFormat", () => {
  test.each([
    ["shlink", ["createdAt", "domain", "shortCode", "shortUrl", "longUrl", "title", "tags", "visits"], ["createdAt", null, "key", null, "url", "title", "tags", null]],
    ["yourls", ["keyword", "url", "title", "timestamp", "ip", "clicks"], ["key", "url", "title", "createdAt", null, null]],
    ["kutt", ["id", "address", "target", "description", "created_at", "visit_count"], [null, "key", "url", "title", "createdAt", null]],
    ["bitly", ["Date Created", "Title", "Bitlink", "Custom Bitlinks", "Long URL", "Tags", "Engagements"], ["createdAt", "title", "shortUrl", null, "url", "tags", null]],
  ])("recognises a %s header and maps its columns", (format, header, mapping) => {
    expect(detectFormat(header)).toEqual({ format, mapping });
  });

  test("anything else is generic, with common names guessed and each field used once", () => {
    expect(detectFormat(["Destination URL", "slug", "URL", "Notes"])).toEqual({ format: "generic", mapping: ["url", "key", null, null] });
  });

  test("a file with both a key and a whole short link (Signpost's export) maps the key only", () => {
    expect(detectFormat(["key", "short_link", "url"]).mapping).toEqual(["key", null, "url"]);
  });

  test("header names compare without case, spaces or punctuation", () => {
    expect(normalizeHeader(" Long_URL ")).toBe(normalizeHeader("long url"));
  });
});

describe("detectDelimiter", () => {
  test.each([
    ["url,key,title", ","],
    ["url;key;title", ";"],
    ["url\tkey\ttitle", "\t"],
    ['"a;b",key,title', ","],
  ])("%j → %j", (line, expected) => {
    expect(detectDelimiter(line)).toBe(expected);
  });
});

describe("parseImportDate", () => {
  test.each([
    ["2024-03-01T10:00:00Z", "2024-03-01T10:00:00.000Z"],
    ["2024-03-01T12:00:00+02:00", "2024-03-01T10:00:00.000Z"],
    ["2024-03-01 10:00:00", "2024-03-01T10:00:00.000Z"],
    ["2024-03-01", "2024-03-01T00:00:00.000Z"],
    ["1709287200", "2024-03-01T10:00:00.000Z"],
    ["1709287200000", "2024-03-01T10:00:00.000Z"],
  ])("reads %j", (text, iso) => {
    expect(parseImportDate(text)?.toISOString()).toBe(iso);
  });

  test.each(["yesterday", "2024-02-30", "1900-01-01", "03/01/2024", ""])("refuses %j", (text) => {
    expect(parseImportDate(text)).toBeNull();
  });
});

describe("rowToLink", () => {
  const header = ["url", "key", "title", "tags", "created"];
  const mapping = ["url", "key", "title", "tags", "createdAt"] as const;

  test("a valid row becomes a link input with its creation date; empty cells are absent fields", () => {
    expect(rowToLink(["https://example.com", "", "  ", "a|b;a, c", "2024-01-02"], [...mapping], header)).toEqual({
      input: { url: "https://example.com", tags: ["a", "b", "c"] },
      createdAt: new Date("2024-01-02T00:00:00Z"),
    });
  });

  test("a short link's path becomes the key", () => {
    const result = rowToLink(["https://example.com", "bit.ly/3xYz"], ["url", "shortUrl"], ["Long URL", "Bitlink"]);
    expect(result).toMatchObject({ input: { key: "3xYz" } });
  });

  test("each problem names its column and a stable code", () => {
    expect(rowToLink(["", "api", "", "", "soon"], [...mapping], header)).toEqual([
      { column: "created", code: "invalid_date", message: expect.stringContaining("'soon'") },
      { column: "url", code: "missing_url", message: "has no destination URL" },
      { column: "key", code: "reserved_key", message: "'api' is reserved by the app" },
    ]);
    expect(rowToLink(["ftp://example.com", "ok"], ["url", "key"], ["Destination", "Slug"])).toEqual([
      { column: "Destination", code: "invalid_value", message: expect.stringMatching(/^url /) },
    ]);
    expect(rowToLink(["https://example.com", "has space"], ["url", "key"], ["Destination", "Slug"])).toEqual([
      { column: "Slug", code: "invalid_value", message: expect.stringMatching(/^key /) },
    ]);
  });
});

describe("startImportSchema", () => {
  test("needs a url column, each field at most once, not key and shortUrl together", () => {
    expect(startImportSchema.safeParse({ mapping: ["url", null], mode: "skip_invalid" }).success).toBe(true);
    expect(startImportSchema.safeParse({ mapping: ["key"], mode: "skip_invalid" }).success).toBe(false);
    expect(startImportSchema.safeParse({ mapping: ["url", "title", "title"], mode: "skip_invalid" }).success).toBe(false);
    expect(startImportSchema.safeParse({ mapping: ["url", "key", "shortUrl"], mode: "all_or_nothing" }).success).toBe(false);
    expect(startImportSchema.safeParse({ mapping: ["url"], mode: "sometimes" }).success).toBe(false);
  });
});
