/** Small, dependency-free HTML pages the edge answers with. Everything interpolated is escaped. */

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;display:grid;place-items:center;min-height:100vh;margin:0;color:#1f2937;background:#f9fafb}" +
  "main{max-width:32rem;padding:2rem;text-align:center}h1{font-size:1.5rem}" +
  "form{display:grid;gap:.75rem;margin-top:1rem}label{display:grid;gap:.35rem;font-weight:600;text-align:left}" +
  "input{font:inherit;padding:.55rem .7rem;border:1px solid #d1d5db;border-radius:6px}" +
  "button{font:inherit;font-weight:600;background:#2563eb;color:#fff;border:0;border-radius:6px;padding:.6rem 1rem;cursor:pointer}" +
  ".error{color:#b91c1c}dl{text-align:left}dt{font-weight:600}dd{margin:0 0 .75rem;word-break:break-all}";

function document(title: string, body: string, head = ""): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escape(title)}</title>${head}<style>${STYLE}</style></head><body>${body}</body></html>`;
}

export function messagePage(title: string, message: string): string {
  return document(title, `<main><h1>${escape(title)}</h1><p>${escape(message)}</p></main>`);
}

export const notFoundPage = messagePage("Link not found", "There is no link at this address.");
export const gonePage = messagePage("This link has expired", "The link you followed is no longer available.");
export const blockedPage = messagePage("Not available", "This link is not available to automated clients.");
export const unavailablePage = messagePage("Temporarily unavailable", "This link cannot be resolved right now. Please try again shortly.");

/**
 * The password form. It says only that a password is needed — never the destination, title or
 * anything else about the link.
 */
export function passwordPage(options: { wrong: boolean; tooManyAttempts: boolean }): string {
  const problem = options.tooManyAttempts
    ? `<p class="error" role="alert">Too many attempts. Please wait a few minutes and try again.</p>`
    : options.wrong
      ? `<p class="error" role="alert">That password is not correct.</p>`
      : "";
  return document(
    "Password required",
    `<main><h1>This link needs a password</h1>${problem}<form method="post"><label>Password<input type="password" name="password" autocomplete="current-password" required autofocus${options.wrong ? ' aria-invalid="true"' : ""}></label><button type="submit">Continue</button></form></main>`,
  );
}

export interface PreviewCard {
  shortLink: string;
  title: string | null;
  description: string | null;
  image: string | null;
}

/**
 * What crawlers and link-preview agents see: Open Graph and Twitter card tags from the link's
 * preview fields. The destination is not included; `og:url` is the short link.
 */
export function previewPage(card: PreviewCard): string {
  const title = card.title ?? card.shortLink;
  const meta = [
    ["og:type", "website"],
    ["og:url", card.shortLink],
    ["og:title", title],
    ...(card.description ? [["og:description", card.description]] : []),
    ...(card.image ? [["og:image", card.image]] : []),
  ]
    .map(([property, content]) => `<meta property="${property}" content="${escape(content!)}">`)
    .concat(
      [
        ["twitter:card", card.image ? "summary_large_image" : "summary"],
        ["twitter:title", title],
        ...(card.description ? [["twitter:description", card.description]] : []),
        ...(card.image ? [["twitter:image", card.image]] : []),
      ].map(([name, content]) => `<meta name="${name}" content="${escape(content!)}">`),
    )
    .join("");
  const description = card.description ? `<meta name="description" content="${escape(card.description)}">` : "";
  return document(title, `<main><h1>${escape(title)}</h1>${card.description ? `<p>${escape(card.description)}</p>` : ""}</main>`, meta + description);
}

/** Cloaked links: the destination in a full-window frame, the short link in the address bar. */
export function framePage(location: string, title: string | null): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escape(title ?? "")}</title><style>html,body,iframe{margin:0;border:0;width:100%;height:100%;display:block}</style></head><body><iframe src="${escape(location)}" title="${escape(title ?? "Destination")}" allow="fullscreen; clipboard-write" referrerpolicy="no-referrer-when-downgrade"></iframe></body></html>`;
}

/** `/:key+`: where a link goes and since when, so people can check before they click. */
export function infoPage(info: { shortLink: string; destination: string | null; createdAt: string }): string {
  const created = new Date(info.createdAt).toISOString().slice(0, 10);
  const destination = info.destination
    ? `<a href="${escape(info.destination)}" rel="noopener nofollow">${escape(info.destination)}</a>`
    : "Protected by a password";
  return document(
    "Link preview",
    `<main><h1>Where does this link go?</h1><dl><dt>Short link</dt><dd>${escape(info.shortLink)}</dd><dt>Destination</dt><dd>${destination}</dd><dt>Created</dt><dd>${created}</dd></dl></main>`,
  );
}
