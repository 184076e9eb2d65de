import "server-only";
/**
 * The HTML of the interactive API reference (/docs/api): Swagger UI from our own asset route,
 * pointed at our OpenAPI document. The Content-Security-Policy sent with it allows no other
 * origin for scripts, styles, fonts or images; requests ("Try it out") may go only to this origin
 * and to the API's own origin (APP_URL), which can differ when the page is reached another way.
 */
import { createHash } from "node:crypto";

export const REFERENCE_ASSET_PATH = "/docs/api/assets";
export const OPENAPI_DOCUMENT_PATH = "/api/v1/openapi.json";

export interface ReferencePage {
  html: string;
  contentSecurityPolicy: string;
}

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

/** JSON for an inline <script>: `<` escaped, so no value can close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `
body { margin: 0; background: #fafafa; }
.signpost-bar { display: flex; align-items: baseline; gap: 12px; padding: 12px 20px; background: #1b1f24; color: #fff;
  font: 600 16px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.signpost-bar a { color: #fff; text-decoration: none; }
.signpost-bar span { font-weight: 400; opacity: .75; }
.signpost-bar .spec { margin-left: auto; font-weight: 400; font-size: 14px; opacity: .85; }
.swagger-ui .information-container .info { margin: 24px 0; }
`;

export function renderReferencePage(options: { assetVersion: string; apiOrigin?: string; title?: string }): ReferencePage {
  const title = options.title ?? "Signpost API reference";
  const asset = (name: string) => `${REFERENCE_ASSET_PATH}/${name}?v=${encodeURIComponent(options.assetVersion)}`;
  const config = {
    url: OPENAPI_DOCUMENT_PATH,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 1,
    defaultModelExpandDepth: 2,
    displayRequestDuration: true,
    filter: true,
    persistAuthorization: false,
    // Swagger UI would otherwise ask validator.swagger.io about the document.
    validatorUrl: null,
  };
  const script = `window.ui = SwaggerUIBundle(Object.assign(${scriptJson(config)}, { presets: [SwaggerUIBundle.presets.apis] }));`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${asset("swagger-ui.css")}">
<style>${STYLE}</style>
</head>
<body>
<header class="signpost-bar"><a href="/">Signpost</a><span>API reference</span><a class="spec" href="${OPENAPI_DOCUMENT_PATH}">openapi.json</a></header>
<div id="swagger-ui"><noscript>The interactive reference needs JavaScript; the document itself is at <a href="${OPENAPI_DOCUMENT_PATH}">${OPENAPI_DOCUMENT_PATH}</a>.</noscript></div>
<script src="${asset("swagger-ui-bundle.js")}"></script>
<script>${script}</script>
</body>
</html>
`;
  let apiOrigin: string | undefined;
  try {
    apiOrigin = options.apiOrigin ? new URL(options.apiOrigin).origin : undefined;
  } catch {
    apiOrigin = undefined;
  }
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src 'self' ${sha256(script)}`,
    `style-src 'self' ${sha256(STYLE)}`,
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${apiOrigin ? ` ${apiOrigin}` : ""}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join("; ");
  return { html, contentSecurityPolicy };
}
