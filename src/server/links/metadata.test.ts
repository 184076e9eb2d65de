import { describe, expect, test } from "vitest";
import { decodeHtml, parseHtmlMetadata } from "./metadata";

const BASE = "https://shop.example/products/42?ref=x";

describe("parseHtmlMetadata", () => {
  test("Open Graph wins over Twitter cards and plain tags", () => {
    const html = `<!doctype html><html><head>
      <title>Plain title</title>
      <meta name="description" content="Plain description">
      <meta name="twitter:title" content="Twitter title">
      <meta property="og:title" content="OG title">
      <meta property="og:description" content="OG description">
      <meta name="twitter:image" content="https://cdn.example/tw.png">
      <meta property="og:image" content="https://cdn.example/og.png">
    </head><body><meta property="og:title" content="in the body: ignored"></body></html>`;
    expect(parseHtmlMetadata(html, BASE)).toEqual({ title: "OG title", description: "OG description", image: "https://cdn.example/og.png" });
  });

  test("falls back to <title> and meta description; entities decoded, whitespace collapsed", () => {
    const html = `<head><TITLE>
        Caf&eacute; &amp; Bar &#8211; Menu
      </TITLE><META NAME="Description" CONTENT="Fresh  &quot;daily&quot;
      specials"></head>`;
    expect(parseHtmlMetadata(html, BASE)).toEqual({ title: "Café & Bar – Menu", description: 'Fresh "daily" specials', image: null });
  });

  test("relative images resolve against the page (or its <base>); other schemes are dropped", () => {
    expect(parseHtmlMetadata(`<head><meta property="og:image" content="/img/card.jpg"></head>`, BASE).image).toBe("https://shop.example/img/card.jpg");
    expect(parseHtmlMetadata(`<head><base href="https://static.example/a/"><meta property="og:image" content="card.jpg"></head>`, BASE).image).toBe(
      "https://static.example/a/card.jpg",
    );
    expect(parseHtmlMetadata(`<head><meta property="og:image" content="javascript:alert(1)"></head>`, BASE).image).toBeNull();
    expect(parseHtmlMetadata(`<head><meta property="og:image" content="data:image/png;base64,AAAA"></head>`, BASE).image).toBeNull();
  });

  test("the first of repeated tags wins, and secure_url is preferred", () => {
    const html = `<head><meta property="og:image" content="https://a.example/1.png"><meta property="og:image" content="https://a.example/2.png">
      <meta property="og:image:secure_url" content="https://a.example/secure.png"></head>`;
    expect(parseHtmlMetadata(html, BASE).image).toBe("https://a.example/secure.png");
  });

  test("long values are cut to the link model's limits at a word boundary", () => {
    const title = "word ".repeat(100);
    const parsed = parseHtmlMetadata(`<head><title>${title}</title><meta name="description" content="${"d".repeat(2000)}"></head>`, BASE);
    expect(parsed.title!.length).toBeLessThanOrEqual(300);
    expect(parsed.title!.endsWith("word…")).toBe(true);
    expect(parsed.description!.length).toBe(1000);
  });

  test("a page with nothing useful gives nulls; empty tags do not count", () => {
    expect(parseHtmlMetadata(`<head><title>  </title><meta property="og:title" content=""></head><body>Hi</body>`, BASE)).toEqual({
      title: null,
      description: null,
      image: null,
    });
  });

  test("a <title> in the body (some sites) is not read once the body starts", () => {
    expect(parseHtmlMetadata(`<html><body><svg><title>icon</title></svg></body></html>`, BASE).title).toBeNull();
  });
});

describe("decodeHtml", () => {
  const latin1 = Buffer.from([0x3c, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x3e, 0x43, 0x61, 0x66, 0xe9]); // "<title>Café" in windows-1252
  test("the header's charset decides", () => {
    expect(decodeHtml(latin1, "text/html; charset=windows-1252")).toBe("<title>Café");
  });
  test("else a <meta charset> near the top", () => {
    const body = Buffer.concat([Buffer.from('<meta charset="iso-8859-1">'), latin1]);
    expect(decodeHtml(body, "text/html")).toBe('<meta charset="iso-8859-1"><title>Café');
  });
  test("else UTF-8; an unknown label falls back too", () => {
    expect(decodeHtml(Buffer.from("<title>Café</title>"), "text/html")).toBe("<title>Café</title>");
    expect(decodeHtml(Buffer.from("<title>Café</title>"), "text/html; charset=x-nonsense")).toBe("<title>Café</title>");
  });
});
