import "server-only";
import { Parser } from "htmlparser2";
import { fetchGuarded, OutboundError, type OutboundPolicy } from "@/server/net/outbound";

/**
 * A destination page's preview fields, read from its HTML `<head>`: Open Graph first, then Twitter
 * cards, then the plain `<title>` / `<meta name="description">`. Used to fill a new link's empty
 * title, description and image (never to overwrite what someone typed).
 */
export interface PageMetadata {
  title: string | null;
  description: string | null;
  image: string | null;
}

/** Limits of the metadata fetch: enough for any real `<head>`, small enough to be harmless. */
export const METADATA_FETCH_LIMITS = {
  timeoutMs: 8_000,
  maxBytes: 512 * 1024,
  maxRedirects: 5,
  accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
  userAgent: "SignpostBot/1.0 (link preview; +https://github.com/signpost)",
};

/** The link model's limits (src/core/link.ts): longer values are cut at a word boundary. */
const MAX_TITLE = 300;
const MAX_DESCRIPTION = 1000;
const MAX_IMAGE_URL = 2048;

const TITLE_KEYS = ["og:title", "twitter:title"];
const DESCRIPTION_KEYS = ["og:description", "twitter:description", "description"];
const IMAGE_KEYS = ["og:image:secure_url", "og:image:url", "og:image", "twitter:image", "twitter:image:src"];

function clean(value: string | undefined, max: number): string | null {
  const text = value?.replace(/\s+/g, " ").trim();
  if (!text) return null;
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}

function absoluteImage(value: string | undefined, base: string): string | null {
  if (!value?.trim()) return null;
  try {
    const url = new URL(value.trim(), base);
    if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password) return null;
    const text = url.toString();
    return text.length <= MAX_IMAGE_URL ? text : null;
  } catch {
    return null;
  }
}

/** Parses the `<head>` of `html` (entities decoded by the parser); `baseUrl` resolves relative images. */
export function parseHtmlMetadata(html: string, baseUrl: string): PageMetadata {
  const meta = new Map<string, string>();
  let title = "";
  let inTitle = false;
  let titleDone = false;
  let base = baseUrl;
  let done = false;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (done) return;
        if (name === "body") {
          done = true;
          return;
        }
        if (name === "title" && !titleDone) inTitle = true;
        if (name === "base" && attributes.href) {
          try {
            base = new URL(attributes.href, baseUrl).toString();
          } catch {
            // an unusable <base> is ignored, as browsers do
          }
        }
        if (name === "meta") {
          const key = (attributes.property ?? attributes.name ?? "").trim().toLowerCase();
          const content = attributes.content;
          // The first occurrence wins (og:image may repeat; the first is the preferred one).
          if (key && content !== undefined && !meta.has(key)) meta.set(key, content);
        }
      },
      ontext(text) {
        if (inTitle && !done) title += text;
      },
      onclosetag(name) {
        if (name === "title" && inTitle) {
          inTitle = false;
          titleDone = true;
        }
        if (name === "head") done = true;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  const first = (keys: string[]) => keys.map((key) => meta.get(key)).find((value) => value?.trim());
  return {
    title: clean(first(TITLE_KEYS) ?? title, MAX_TITLE),
    description: clean(first(DESCRIPTION_KEYS), MAX_DESCRIPTION),
    image: absoluteImage(first(IMAGE_KEYS), base),
  };
}

/** The page's text: the charset of the content-type header, else of a `<meta charset>`, else UTF-8. */
export function decodeHtml(body: Buffer, contentType: string): string {
  const declared = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType)?.[1];
  const sniffed = declared ? undefined : /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(body.subarray(0, 2048).toString("latin1"))?.[1];
  for (const label of [declared, sniffed, "utf-8"]) {
    if (!label) continue;
    try {
      return new TextDecoder(label).decode(body);
    } catch {
      // an unknown label: try the next one
    }
  }
  return body.toString("utf8");
}

/** Fetches `url` under the outbound policy and reads its preview fields. Throws OutboundError. */
export async function fetchPageMetadata(url: string, policy: OutboundPolicy, limits = METADATA_FETCH_LIMITS): Promise<PageMetadata> {
  const page = await fetchGuarded(url, policy, limits);
  if (page.status < 200 || page.status > 299) throw new OutboundError("http_status", `the page answered ${page.status}`);
  const type = page.contentType.split(";")[0]!.trim().toLowerCase();
  if (type !== "text/html" && type !== "application/xhtml+xml") throw new OutboundError("unsupported_type", `not an HTML page (${type || "no content type"})`);
  return parseHtmlMetadata(decodeHtml(page.body, page.contentType), page.url);
}
