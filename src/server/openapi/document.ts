import "server-only";
/**
 * The public API's OpenAPI 3.1 document, generated from the zod schemas the routes validate with
 * (src/core/link.ts, src/core/rules.ts, src/core/analytics.ts, the setup schema), so the document
 * cannot drift from what the API accepts and returns. Served at GET /api/v1/openapi.json and rendered at /docs/api.
 */
import { z } from "zod";
import {
  createDocument,
  type ZodOpenApiObject,
  type ZodOpenApiOperationObject,
  type ZodOpenApiResponsesObject,
} from "zod-openapi";
import {
  analyticsQuerySchema,
  analyticsTotalsSchema,
  CLICK_DIMENSIONS,
  EXPORT_COLUMNS,
  exportQuerySchema,
  timeseriesSchema,
  topQuerySchema,
  topSchema,
  variantsQuerySchema,
  variantsSchema as analyticsVariantsSchema,
} from "@/core/analytics";
import {
  availabilityQuerySchema,
  availabilitySchema,
  bulkCreateSchema,
  bulkDeleteSchema,
  bulkUpdateSchema,
  createLinkSchema,
  createTagSchema,
  destinationSchema,
  domainSchema,
  errorSchema,
  keySchema,
  linkListSchema,
  linkSchema,
  listLinksQuerySchema,
  MAX_BULK,
  tagSchema,
  updateLinkSchema,
  updateTagSchema,
  utmSchema,
  variantSchema,
  variantsSchema,
} from "@/core/link";
import { createDomainSchema, domainViewSchema } from "@/core/domains";
import { RESERVED_PATH_PREFIXES } from "@/core/reserved";
import { billingOverviewSchema, checkoutSchema, PLAN_LIMITS, stripeRedirectSchema } from "@/core/plans";
import { qrQuerySchema } from "@/core/qr";
import { IMPORT_FIELDS, IMPORT_MAX_BYTES, importSchema, LINK_EXPORT_COLUMNS, exportLinksQuerySchema, startImportSchema } from "@/core/imports";
import { createWebhookSchema, deliveriesQuerySchema, updateWebhookSchema, webhookDeliverySchema, webhookSchema, webhookWithSecretSchema } from "@/core/webhooks";
import { conditionSchema, routingRuleSchema } from "@/core/rules";
import { SCOPES, type Scope } from "@/core/scopes";
import { ERROR_CODES, type ErrorCode } from "@/server/api/errors";
import { setupSchema } from "@/server/setup/service";

export type OpenApiDocument = ReturnType<typeof createDocument>;

export const API_VERSION = "1.0.0";
const SECURITY_SCHEME = "bearerAuth";

// ---- Shapes that exist only as route code, not as a shared schema -----------------------------

const idParams = (what: string) => z.object({ id: z.string().min(1).meta({ description: `The ${what}'s id.` }) });
const linkIdParams = idParams("link");
const tagIdParams = idParams("tag");
const webhookIdParams = idParams("webhook");
const domainIdParams = idParams("domain");
const domainListSchema = z.object({ data: z.array(domainViewSchema) });
const domainDeleteQuery = z.object({ force: z.enum(["true", "false"]).optional().meta({ description: "`true` deletes the domain's links (and their clicks) with it." }) });
const tlsAskQuery = z.object({ domain: z.string().meta({ description: "The host name the TLS terminator wants a certificate for.", example: "go.example.com" }) });
const tlsAskSchema = z.object({ domain: z.string(), served: z.literal(true) });
const domainDeletedSchema = z.object({ deletedLinks: z.number().int().min(0).meta({ description: "How many links were deleted with the domain (0 without `force`)." }) });
const deliveryParams = webhookIdParams.extend({ deliveryId: z.string().min(1).meta({ description: "The delivery's id (`dlv_…`)." }) });
const webhookListSchema = z.object({ data: z.array(webhookSchema) });
const deliveryListSchema = z.object({ data: z.array(webhookDeliverySchema) });

const linkArraySchema = z.object({ data: z.array(linkSchema) });
const importIdParams = idParams("import");
const importListSchema = z.object({ data: z.array(importSchema) });

/** The upload takes a file, not JSON: a multipart form's `file` field or the raw CSV as the body. */
function uploadOperation(): ZodOpenApiOperationObject {
  const op = operation({
    operationId: "uploadImport",
    summary: "Upload a file to import",
    description: [
      `A CSV file (UTF-8, comma, semicolon or tab separated, at most ${IMPORT_MAX_BYTES / 2 ** 20} MB) as a multipart form's \`file\` field, or as the raw body (\`content-type: text/csv\`, name in \`x-filename\`). It is stored, not imported yet.`,
      "The answer has the detected `format` (generic, bitly, kutt, shlink, yourls), the `header`, up to five `sample` rows and a suggested `mapping`; confirm or change it with `POST /imports/{id}/start`.",
    ].join("\n\n"),
    tag: "Imports",
    scope: "links:write",
    ok: { status: 201, description: "The file is stored; the import waits for its mapping.", schema: importSchema },
    errors: ["validation_failed", "payload_too_large", "bad_request"],
    notes: { validation_failed: "no file, an empty file or a blank header line, or a file that is not readable CSV (`field` is `file`)", payload_too_large: "the file is larger than the limit" },
  });
  const file = z.string().meta({ format: "binary" });
  return {
    ...op,
    requestBody: {
      required: true,
      content: { "multipart/form-data": { schema: z.object({ file }) }, "text/csv": { schema: z.string() } },
    },
  };
}
const tagListSchema = z.object({ data: z.array(tagSchema) });
const bulkDeletedSchema = z.object({ deleted: z.number().int().min(0).meta({ description: "How many links were deleted." }) });
const setupStatusSchema = z.object({ needsSetup: z.boolean().meta({ description: "True until the first account exists." }) });
/** What `runFirstSetup` (src/server/setup/service.ts) returns; the API key is shown only here, once. */
const setupResultSchema = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
  workspace: z.object({ id: z.string(), name: z.string(), slug: z.string() }),
  apiKey: z.object({
    id: z.string(),
    key: z.string().meta({ description: "The API key (`sp_…`). Store it now: it is never shown again." }),
    start: z.string().nullable().meta({ description: "The key's first characters, for recognising it later." }),
    scopes: z.array(z.enum(SCOPES)),
  }),
});

// ---- Errors ------------------------------------------------------------------------------------

type ErrorExamples = Partial<Record<ErrorCode, { message: string; field?: string }>>;

const ERROR_EXAMPLES: ErrorExamples = {
  invalid_json: { message: "Body is not valid JSON" },
  bad_request: { message: "cursor is not one this endpoint issued for this sort and order", field: "cursor" },
  unauthorized: { message: "Send an API key as 'Authorization: Bearer <key>' or sign in" },
  insufficient_scope: { message: "This API key lacks the 'links:write' scope" },
  forbidden: { message: "A valid setup token is required (SETUP_TOKEN is set on this instance)", field: "token" },
  not_found: { message: "No link with id 'lnk_123'" },
  conflict: { message: "A tag named 'launch' already exists", field: "name" },
  key_taken: { message: "key 'launch' is already in use on sgn.st", field: "key" },
  domain_taken: { message: "host 'go.example.com' is already verified by another workspace", field: "host" },
  setup_done: { message: "This instance is already set up; sign in instead" },
  payload_too_large: { message: "Body is larger than 1000000 bytes" },
  validation_failed: { message: "url must be an absolute http(s) URL", field: "url" },
  plan_limit_reached: {
    message: `The Free plan allows ${PLAN_LIMITS.free.links} links created this month; this workspace has ${PLAN_LIMITS.free.links}. Upgrade the plan in Settings → Billing.`,
    field: "links",
  },
  billing_disabled: { message: "Billing is not enabled on this instance: every plan limit is off" },
};

const STATUS_TEXT: Record<number, string> = {
  400: "Bad request",
  401: "Unauthorized",
  402: "Payment required",
  403: "Forbidden",
  404: "Not found",
  409: "Conflict",
  413: "Payload too large",
  422: "Validation failed",
};

/** Error responses grouped by status; each lists its `error.code` values with an example apiece. */
function errorResponses(codes: readonly ErrorCode[], notes: Partial<Record<ErrorCode, string>>, examples: ErrorExamples): ZodOpenApiResponsesObject {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CODES[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    const lines = group.map((code) => `\`${code}\`${notes[code] ? `: ${notes[code]}` : ""}`);
    responses[String(status) as `${1 | 2 | 3 | 4 | 5}${string}`] = {
      description: `${STATUS_TEXT[status] ?? "Error"}. \`error.code\` is ${lines.length === 1 ? lines[0] : `one of:\n\n${lines.map((l) => `- ${l}`).join("\n")}`}`,
      content: {
        "application/json": {
          schema: errorSchema,
          examples: Object.fromEntries(
            group.map((code) => [
              code,
              {
                summary: code,
                value: { error: { code, ...(examples[code] ?? ERROR_EXAMPLES[code]), requestId: "0f4c6a8e-3d2b-4c1a-9e7f-5b6d8c9a0e1f" } },
              },
            ]),
          ),
        },
      },
    };
  }
  return responses;
}

const AUTH_ERRORS = ["unauthorized", "insufficient_scope"] as const satisfies readonly ErrorCode[];
const BODY_ERRORS = ["invalid_json", "payload_too_large", "validation_failed"] as const satisfies readonly ErrorCode[];
const BODY_NOTES: Partial<Record<ErrorCode, string>> = {
  invalid_json: "the body is not valid JSON",
  payload_too_large: "the body is larger than 1 MB",
  validation_failed: "a field is invalid; `field` names the first, `details` lists every one",
  unauthorized: "no, or an invalid, expired or revoked, API key",
  insufficient_scope: "the key lacks the scope this operation needs",
};
const bulkNote = `more than ${MAX_BULK} items, or the body is larger than 1 MB`;

const ANALYTICS_ERRORS = ["validation_failed", "not_found"] as const satisfies readonly ErrorCode[];
const ANALYTICS_NOTES: Partial<Record<ErrorCode, string>> = {
  validation_failed: "a query parameter is invalid (`field` names it): a bad date-time, `end` not after `start`, a range over three years, an unknown time zone, `interval=hour` over 31 days…",
  not_found: "`linkId` or `tagId` names no link or tag of this workspace",
};
const ANALYTICS_SEMANTICS =
  "A click is a person reaching a destination (bots are counted apart, and added with `includeBots=true`). Uniques are distinct visitor ids, which rotate daily (UTC), so a visitor returning on another day counts again. The range is widened to whole buckets of `interval` in `timezone`, so totals equal the sum of the timeseries for the same parameters.";

// ---- Operations --------------------------------------------------------------------------------

const PLAN_LIMIT_NOTE = "the workspace's plan allows no more links this month (UTC); nothing was created. Only when billing is enabled on the instance";

const json = <S extends z.ZodType>(schema: S) => ({ "application/json": { schema } });

interface Op {
  operationId: string;
  summary: string;
  description?: string;
  tag: "Links" | "Tags" | "Domains" | "Analytics" | "Webhooks" | "Billing" | "Imports" | "Setup";
  /** Required scope; absent for the unauthenticated setup endpoints. */
  scope?: Scope;
  requestParams?: ZodOpenApiOperationObject["requestParams"];
  body?: z.ZodType;
  /** A request body a client would send; the tests check that the schema accepts it. */
  example?: unknown;
  /** `mediaType` defaults to application/json. */
  ok: { status: 200 | 201 | 202 | 204; description: string; schema?: z.ZodType; mediaType?: string | string[] };
  errors: readonly ErrorCode[];
  notes?: Partial<Record<ErrorCode, string>>;
  /** Bulk operations: the body field that holds the items (at most MAX_BULK). */
  bulk?: "links" | "ids";
}

function operation(op: Op): ZodOpenApiOperationObject {
  const description = [op.description, op.scope ? `Requires the \`${op.scope}\` scope.` : "No authentication."].filter(Boolean).join("\n\n");
  return {
    operationId: op.operationId,
    summary: op.summary,
    description,
    tags: [op.tag],
    security: op.scope ? [{ [SECURITY_SCHEME]: [op.scope] }] : [],
    ...(op.scope ? { "x-required-scope": op.scope } : {}),
    ...(op.requestParams ? { requestParams: op.requestParams } : {}),
    ...(op.body
      ? { requestBody: { required: true, content: { "application/json": { schema: op.body, ...(op.example === undefined ? {} : { example: op.example }) } } } }
      : {}),
    responses: {
      [String(op.ok.status)]: {
        description: op.ok.description,
        ...(op.ok.schema ? { content: op.ok.mediaType ? Object.fromEntries([op.ok.mediaType].flat().map((type) => [type, { schema: op.ok.schema }])) : json(op.ok.schema) } : {}),
      },
      ...errorResponses(
        [...(op.scope ? AUTH_ERRORS : []), ...(op.body ? BODY_ERRORS : []), ...op.errors],
        { ...BODY_NOTES, ...(op.bulk ? { payload_too_large: bulkNote } : {}), ...op.notes },
        {
          ...(op.scope ? { insufficient_scope: { message: `This API key lacks the '${op.scope}' scope` } } : {}),
          ...(op.bulk ? { payload_too_large: { message: `At most ${MAX_BULK} ${op.bulk} per call`, field: op.bulk } } : {}),
        },
      ),
    },
  };
}

function paths(): ZodOpenApiObject["paths"] {
  return {
    "/links": {
      post: operation({
        operationId: "createLink",
        summary: "Create a link",
        description: "Only `url` is required. Without `key` a random one is generated; without `domain` the workspace's default short domain is used.",
        tag: "Links",
        scope: "links:write",
        body: createLinkSchema,
        example: { url: "https://example.com/spring-launch", key: "spring", title: "Spring launch", tags: ["campaign"], utm: { source: "newsletter", medium: "email" } },
        ok: { status: 201, description: "The link was created.", schema: linkSchema },
        errors: ["key_taken", "conflict", "plan_limit_reached"],
        notes: { key_taken: "the requested `key` is already used on that domain", conflict: "no free random key was found; try again", plan_limit_reached: PLAN_LIMIT_NOTE },
      }),
      get: operation({
        operationId: "listLinks",
        summary: "List links",
        description:
          "Newest first by default. Pass the response's `nextCursor` as `cursor` to get the next page (it is `null` on the last page), or its `prevCursor` as `before` to get the previous one (`null` on the first page). Pages going back keep the list's order.",
        tag: "Links",
        scope: "links:read",
        requestParams: { query: listLinksQuerySchema },
        ok: { status: 200, description: "A page of links.", schema: linkListSchema },
        errors: ["bad_request", "validation_failed"],
        notes: { bad_request: "`cursor` or `before` was not issued for this sort and order, or both were given", validation_failed: "a query parameter is invalid" },
      }),
    },
    "/links/bulk": {
      post: operation({
        operationId: "createLinks",
        summary: "Create links in bulk",
        description: `All or nothing: up to ${MAX_BULK} links per call.`,
        tag: "Links",
        scope: "links:write",
        body: bulkCreateSchema,
        example: { links: [{ url: "https://example.com/a" }, { url: "https://example.com/b", key: "b-side" }] },
        ok: { status: 201, description: "Every link was created, in request order.", schema: linkArraySchema },
        errors: ["key_taken", "conflict", "plan_limit_reached"],
        bulk: "links",
        notes: { key_taken: "a requested `key` is already used on its domain", conflict: "no free random key was found; try again", plan_limit_reached: PLAN_LIMIT_NOTE },
      }),
      patch: operation({
        operationId: "updateLinks",
        summary: "Update links in bulk",
        description: `All or nothing: up to ${MAX_BULK} links per call, each with its \`id\` and the fields to change.`,
        tag: "Links",
        scope: "links:write",
        body: bulkUpdateSchema,
        example: { links: [{ id: "lnk_1", archived: true }, { id: "lnk_2", tags: ["q3"] }] },
        ok: { status: 200, description: "Every link was updated, in request order.", schema: linkArraySchema },
        errors: ["not_found", "key_taken"],
        bulk: "links",
        notes: { not_found: "an `id` names no link of this workspace; nothing was changed", key_taken: "a new `key` is already used on its domain" },
      }),
      delete: operation({
        operationId: "deleteLinks",
        summary: "Delete links in bulk",
        description: `All or nothing: up to ${MAX_BULK} ids per call.`,
        tag: "Links",
        scope: "links:write",
        body: bulkDeleteSchema,
        example: { ids: ["lnk_1", "lnk_2"] },
        ok: { status: 200, description: "Every link was deleted.", schema: bulkDeletedSchema },
        errors: ["not_found"],
        bulk: "ids",
        notes: { not_found: "an id names no link of this workspace; nothing was deleted" },
      }),
    },
    "/links/export": {
      get: operation({
        operationId: "exportLinks",
        summary: "Export links as CSV or JSON",
        description: [
          "The workspace's links, filtered like the list (all of them, archived too, by default), oldest first, as a streamed download.",
          `CSV columns: ${LINK_EXPORT_COLUMNS.map((c) => `\`${c}\``).join(", ")} (tags separated by \`|\`); the file imports again through the generic importer. JSON: an array of \`Link\` objects. Passwords are never exported.`,
        ].join("\n\n"),
        tag: "Links",
        scope: "links:read",
        requestParams: { query: exportLinksQuerySchema },
        ok: { status: 200, description: "The file (`content-disposition: attachment`).", schema: z.string(), mediaType: ["text/csv", "application/json"] },
        errors: ["validation_failed"],
      }),
    },
    "/imports": {
      get: operation({
        operationId: "listImports",
        summary: "List recent imports",
        tag: "Imports",
        scope: "links:read",
        ok: { status: 200, description: "The workspace's latest 20 imports, newest first.", schema: importListSchema },
        errors: [],
      }),
      post: uploadOperation(),
    },
    "/imports/{id}": {
      get: operation({
        operationId: "getImport",
        summary: "An import's status and progress",
        description: "Poll this while the job runs: `status` goes queued → validating (all_or_nothing's check pass) → importing → completed or failed; `progress` counts rows read, imported and failed.",
        tag: "Imports",
        scope: "links:read",
        requestParams: { path: importIdParams },
        ok: { status: 200, description: "The import.", schema: importSchema },
        errors: ["not_found"],
      }),
    },
    "/imports/{id}/start": {
      post: operation({
        operationId: "startImport",
        summary: "Map the columns and start the import",
        description: `\`mapping\` has one entry per column: a field (${IMPORT_FIELDS.map((f) => `\`${f}\``).join(", ")}) or null. One column must be \`url\`. The import then runs as a background job.`,
        tag: "Imports",
        scope: "links:write",
        requestParams: { path: importIdParams },
        body: startImportSchema,
        example: { mapping: ["url", "key", null, "title"], mode: "skip_invalid" },
        ok: { status: 202, description: "The import is queued.", schema: importSchema },
        errors: ["not_found", "conflict"],
        notes: { conflict: "the import was already started", insufficient_scope: "the key lacks the scope, or `tags` is mapped without `tags:write`" },
      }),
    },
    "/imports/{id}/errors": {
      get: operation({
        operationId: "getImportErrors",
        summary: "Download the error report",
        description: "CSV: `row` (the header is row 1), `column`, `code` (invalid_value, missing_url, invalid_date, reserved_key, duplicate_key, key_taken, unknown_domain, loop_destination), `message`, then the row's original cells under the file's own header.",
        tag: "Imports",
        scope: "links:read",
        requestParams: { path: importIdParams },
        ok: { status: 200, description: "The report (`content-disposition: attachment`).", schema: z.string(), mediaType: "text/csv" },
        errors: ["not_found"],
      }),
    },
    "/links/availability": {
      get: operation({
        operationId: "checkLinkAvailability",
        summary: "Check whether a key is free",
        description: "Whether `key` can be used on `domain` (the workspace's default short domain when absent).",
        tag: "Links",
        scope: "links:read",
        requestParams: { query: availabilityQuerySchema },
        ok: { status: 200, description: "Whether the key is available, and why not.", schema: availabilitySchema },
        errors: ["validation_failed"],
        notes: { validation_failed: "a query parameter is invalid, or `domain` is not one of this workspace's domains" },
      }),
    },
    "/links/{id}": {
      get: operation({
        operationId: "getLink",
        summary: "Get a link",
        tag: "Links",
        scope: "links:read",
        requestParams: { path: linkIdParams },
        ok: { status: 200, description: "The link.", schema: linkSchema },
        errors: ["not_found"],
      }),
      patch: operation({
        operationId: "updateLink",
        summary: "Update a link",
        description: "Send only the fields to change; `null` clears a nullable field.",
        tag: "Links",
        scope: "links:write",
        requestParams: { path: linkIdParams },
        body: updateLinkSchema,
        example: { url: "https://example.com/summer", expiresAt: "2027-01-01T00:00:00Z", rules: [{ name: "Germany", conditions: [{ type: "country", in: ["DE"] }], url: "https://example.de/summer" }] },
        ok: { status: 200, description: "The updated link.", schema: linkSchema },
        errors: ["not_found", "key_taken"],
        notes: { key_taken: "the new `key` is already used on that domain" },
      }),
      delete: operation({
        operationId: "deleteLink",
        summary: "Delete a link",
        tag: "Links",
        scope: "links:write",
        requestParams: { path: linkIdParams },
        ok: { status: 204, description: "The link was deleted." },
        errors: ["not_found"],
      }),
    },
    "/links/{id}/qr": {
      get: operation({
        operationId: "getLinkQrCode",
        summary: "Get a link's QR code",
        description: [
          "The QR code of the link's short URL (never the destination, so scans are counted and the destination can change after printing), rendered on the server as SVG (default) or PNG.",
          "`size` is the image's width and height in pixels, quiet zone included; it must give every module at least 2 pixels. `fg` must contrast with `bg` at least 3:1 (WCAG formula) or cameras may not read the code.",
        ].join("\n\n"),
        tag: "Links",
        scope: "links:read",
        requestParams: { path: linkIdParams, query: qrQuerySchema },
        ok: { status: 200, description: "The image (`image/svg+xml` or `image/png`, as `format` asks); `content-disposition: attachment` with `download=true`.", schema: z.string(), mediaType: ["image/svg+xml", "image/png"] },
        errors: ["validation_failed", "not_found"],
        notes: { validation_failed: "a query parameter is invalid, the colours contrast too little (`fg`), or `size` is too small for this link's code" },
      }),
    },
    "/links/{id}/archive": {
      post: operation({
        operationId: "archiveLink",
        summary: "Archive a link",
        description: "Archived links keep redirecting but are hidden from the default list (`archived=false`).",
        tag: "Links",
        scope: "links:write",
        requestParams: { path: linkIdParams },
        ok: { status: 200, description: "The archived link.", schema: linkSchema },
        errors: ["not_found"],
      }),
      delete: operation({
        operationId: "unarchiveLink",
        summary: "Unarchive a link",
        tag: "Links",
        scope: "links:write",
        requestParams: { path: linkIdParams },
        ok: { status: 200, description: "The link, no longer archived.", schema: linkSchema },
        errors: ["not_found"],
      }),
    },
    "/tags": {
      get: operation({
        operationId: "listTags",
        summary: "List tags",
        tag: "Tags",
        scope: "tags:read",
        ok: { status: 200, description: "Every tag of the workspace.", schema: tagListSchema },
        errors: [],
      }),
      post: operation({
        operationId: "createTag",
        summary: "Create a tag",
        tag: "Tags",
        scope: "tags:write",
        body: createTagSchema,
        example: { name: "campaign", color: "blue" },
        ok: { status: 201, description: "The tag was created.", schema: tagSchema },
        errors: ["conflict"],
        notes: { conflict: "a tag with that name already exists" },
      }),
    },
    "/tags/{id}": {
      get: operation({
        operationId: "getTag",
        summary: "Get a tag",
        tag: "Tags",
        scope: "tags:read",
        requestParams: { path: tagIdParams },
        ok: { status: 200, description: "The tag.", schema: tagSchema },
        errors: ["not_found"],
      }),
      patch: operation({
        operationId: "updateTag",
        summary: "Update a tag",
        tag: "Tags",
        scope: "tags:write",
        requestParams: { path: tagIdParams },
        body: updateTagSchema,
        example: { color: "green" },
        ok: { status: 200, description: "The updated tag.", schema: tagSchema },
        errors: ["not_found", "conflict"],
        notes: { conflict: "a tag with that name already exists" },
      }),
      delete: operation({
        operationId: "deleteTag",
        summary: "Delete a tag",
        description: "The tag is removed from every link that has it.",
        tag: "Tags",
        scope: "tags:write",
        requestParams: { path: tagIdParams },
        ok: { status: 204, description: "The tag was deleted." },
        errors: ["not_found"],
      }),
    },
    "/domains": {
      get: operation({
        operationId: "listDomains",
        summary: "List custom domains",
        tag: "Domains",
        scope: "domains:read",
        ok: { status: 200, description: "The workspace's custom domains, verified and pending, by host.", schema: domainListSchema },
        errors: [],
      }),
      post: operation({
        operationId: "addDomain",
        summary: "Add a custom domain",
        description: [
          "Adds the host as `pending`. Create the TXT record in `verification` at your DNS provider and point the host at the instance (`target`), then call verify (pending domains are also re-checked every ten minutes for 30 days).",
          "Links can only be created on verified domains. A host another workspace has only *pending* can still be added: whoever proves control first gets it.",
        ].join("\n\n"),
        tag: "Domains",
        scope: "domains:write",
        body: createDomainSchema,
        example: { host: "go.example.com" },
        ok: { status: 201, description: "The pending domain, with the TXT record to create.", schema: domainViewSchema },
        errors: ["conflict", "domain_taken"],
        notes: {
          validation_failed: "`host` is not a bare domain name (scheme, path, port, IP address), or is this instance's app host or one of its SHORT_DOMAINS",
          conflict: "the workspace already has this host",
          domain_taken: "another workspace has verified this host",
        },
      }),
    },
    "/domains/tls-ask": {
      get: operation({
        operationId: "askTlsDomain",
        summary: "May a certificate be issued for this host?",
        description: "For TLS terminators that issue certificates on demand (Caddy: `on_demand_tls { ask https://app.example.com/api/v1/domains/tls-ask }`): 200 when the host is one of the instance's short domains or a verified custom domain, 404 otherwise.",
        tag: "Domains",
        requestParams: { query: tlsAskQuery },
        ok: { status: 200, description: "The host is served here.", schema: tlsAskSchema },
        errors: ["validation_failed", "not_found"],
      }),
    },
    "/domains/{id}": {
      get: operation({
        operationId: "getDomain",
        summary: "Get a custom domain",
        tag: "Domains",
        scope: "domains:read",
        requestParams: { path: domainIdParams },
        ok: { status: 200, description: "The domain, with its last check.", schema: domainViewSchema },
        errors: ["not_found"],
      }),
      delete: operation({
        operationId: "deleteDomain",
        summary: "Delete a custom domain",
        description: "Refused with 409 while links use the domain (archived ones too). With `?force=true` those links and their click history are deleted with it, in one transaction (this also needs `links:write`).",
        tag: "Domains",
        scope: "domains:write",
        requestParams: { path: domainIdParams, query: domainDeleteQuery },
        ok: { status: 200, description: "The domain was deleted.", schema: domainDeletedSchema },
        errors: ["validation_failed", "not_found", "conflict"],
        notes: { conflict: "links still use the domain and `force` is not `true`" },
      }),
    },
    "/domains/{id}/verify": {
      post: operation({
        operationId: "verifyDomain",
        summary: "Verify a custom domain now",
        description: "Looks up the TXT record at once. The answer is 200 either way: `status` says whether it is verified and `checkError` what is missing. A verified domain stays verified when a later check fails (the failure is reported in `checkError`).",
        tag: "Domains",
        scope: "domains:write",
        requestParams: { path: domainIdParams },
        ok: { status: 200, description: "The domain after the check.", schema: domainViewSchema },
        errors: ["not_found", "domain_taken"],
        notes: { domain_taken: "the record is in place, but another workspace verified this host first" },
      }),
    },
    "/webhooks": {
      get: operation({
        operationId: "listWebhooks",
        summary: "List webhooks",
        tag: "Webhooks",
        scope: "webhooks:read",
        ok: { status: 200, description: "Every webhook endpoint of the workspace (without secrets).", schema: webhookListSchema },
        errors: [],
      }),
      post: operation({
        operationId: "createWebhook",
        summary: "Create a webhook",
        description: [
          "Events (`link.created`, `link.updated`, `link.deleted`, `link.clicked` in batches, `import.completed` once per bulk import) are POSTed to `url` as JSON, signed with the returned `secret` in the `signpost-signature` header (`t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">`).",
          "Failed deliveries are retried with exponential backoff (10 attempts over about 8.5 hours); after 5 deliveries in a row fail for good, the endpoint is switched off and the workspace's owners are emailed. The URL's host must resolve to public addresses (private, loopback and link-local ones need the instance's OUTBOUND_ALLOWLIST). At most 20 per workspace.",
        ].join("\n\n"),
        tag: "Webhooks",
        scope: "webhooks:write",
        body: createWebhookSchema,
        example: { url: "https://hooks.example.com/signpost", events: ["link.created", "link.clicked"], description: "CRM sync" },
        ok: { status: 201, description: "The webhook, with its signing secret (shown now and on rotation only).", schema: webhookWithSecretSchema },
        errors: ["conflict"],
        notes: { conflict: "the workspace already has 20 webhooks", validation_failed: "a field is invalid, or `url` resolves to a non-public address" },
      }),
    },
    "/webhooks/{id}": {
      get: operation({
        operationId: "getWebhook",
        summary: "Get a webhook",
        tag: "Webhooks",
        scope: "webhooks:read",
        requestParams: { path: webhookIdParams },
        ok: { status: 200, description: "The webhook (without its secret).", schema: webhookSchema },
        errors: ["not_found"],
      }),
      patch: operation({
        operationId: "updateWebhook",
        summary: "Update a webhook",
        description: "`enabled: true` switches a disabled endpoint back on and resets its failure count.",
        tag: "Webhooks",
        scope: "webhooks:write",
        requestParams: { path: webhookIdParams },
        body: updateWebhookSchema,
        example: { enabled: true },
        ok: { status: 200, description: "The updated webhook.", schema: webhookSchema },
        errors: ["not_found"],
      }),
      delete: operation({
        operationId: "deleteWebhook",
        summary: "Delete a webhook",
        description: "Its pending deliveries and its delivery log go with it.",
        tag: "Webhooks",
        scope: "webhooks:write",
        requestParams: { path: webhookIdParams },
        ok: { status: 204, description: "The webhook was deleted." },
        errors: ["not_found"],
      }),
    },
    "/webhooks/{id}/secret": {
      post: operation({
        operationId: "rotateWebhookSecret",
        summary: "Rotate a webhook's signing secret",
        description: "Deliveries sent from now on are signed with the new secret; retries of older ones too.",
        tag: "Webhooks",
        scope: "webhooks:write",
        requestParams: { path: webhookIdParams },
        ok: { status: 200, description: "The webhook with its new secret.", schema: webhookWithSecretSchema },
        errors: ["not_found"],
      }),
    },
    "/webhooks/{id}/deliveries": {
      get: operation({
        operationId: "listWebhookDeliveries",
        summary: "A webhook's delivery log",
        description: "Newest first; each delivery with its payload and every attempt (status code or error, duration, the start of the response body).",
        tag: "Webhooks",
        scope: "webhooks:read",
        requestParams: { path: webhookIdParams, query: deliveriesQuerySchema },
        ok: { status: 200, description: "Deliveries.", schema: deliveryListSchema },
        errors: ["validation_failed", "not_found"],
      }),
    },
    "/webhooks/{id}/deliveries/{deliveryId}/replay": {
      post: operation({
        operationId: "replayWebhookDelivery",
        summary: "Replay a delivery",
        description: "Sends the same event (same event id and payload) again, as a new delivery with its own attempts.",
        tag: "Webhooks",
        scope: "webhooks:write",
        requestParams: { path: deliveryParams },
        ok: { status: 202, description: "The new delivery, queued.", schema: webhookDeliverySchema },
        errors: ["not_found"],
      }),
    },
    "/webhooks/{id}/test": {
      post: operation({
        operationId: "testWebhook",
        summary: "Send a test event",
        description: "Queues a `ping` event to the endpoint, also when it is disabled. Test events never count towards switching an endpoint off.",
        tag: "Webhooks",
        scope: "webhooks:write",
        requestParams: { path: webhookIdParams },
        ok: { status: 202, description: "The ping delivery, queued.", schema: webhookDeliverySchema },
        errors: ["not_found"],
      }),
    },
    "/billing": {
      get: operation({
        operationId: "getBilling",
        summary: "Plan and usage",
        description: "The workspace's plan, its usage against each limit (links created and human clicks tracked this UTC month, members plus pending invitations, custom domains) and its Stripe subscription. With billing off on the instance, `enabled` is false and every limit is null.",
        tag: "Billing",
        scope: "workspace:read",
        ok: { status: 200, description: "Plan, usage and subscription.", schema: billingOverviewSchema },
        errors: [],
      }),
    },
    "/billing/checkout": {
      post: operation({
        operationId: "startCheckout",
        summary: "Start a Stripe Checkout",
        description: "Creates a Stripe Checkout Session for subscribing the workspace to a paid plan (and the workspace's Stripe customer, once). Open the returned URL in the owner's browser; the plan changes when Stripe's webhook confirms the subscription. Only a workspace owner, signed in (not an API key).",
        tag: "Billing",
        scope: "workspace:write",
        body: checkoutSchema,
        example: { plan: "pro" },
        ok: { status: 201, description: "The Checkout page's URL.", schema: stripeRedirectSchema.extend({ sessionId: z.string() }) },
        errors: ["forbidden", "billing_disabled", "conflict"],
        notes: { forbidden: "not a signed-in owner of the workspace", billing_disabled: "billing is not enabled on this instance", conflict: "the workspace already has a live subscription: change it in the portal" },
      }),
    },
    "/billing/portal": {
      post: operation({
        operationId: "openBillingPortal",
        summary: "Open the Stripe customer portal",
        description: "A Stripe customer portal session: payment method, invoices, plan changes, cancelling. Only a workspace owner, signed in.",
        tag: "Billing",
        scope: "workspace:write",
        ok: { status: 201, description: "The portal page's URL.", schema: stripeRedirectSchema },
        errors: ["forbidden", "billing_disabled", "conflict"],
        notes: { forbidden: "not a signed-in owner of the workspace", billing_disabled: "billing is not enabled on this instance", conflict: "the workspace has no Stripe customer yet: choose a plan first" },
      }),
    },
    "/analytics": {
      get: operation({
        operationId: "getAnalytics",
        summary: "Click totals",
        description: `Clicks, distinct visitors and bot visits over a range. ${ANALYTICS_SEMANTICS}`,
        tag: "Analytics",
        scope: "analytics:read",
        requestParams: { query: analyticsQuerySchema },
        ok: { status: 200, description: "Totals over the (widened) range.", schema: analyticsTotalsSchema },
        errors: ANALYTICS_ERRORS,
        notes: ANALYTICS_NOTES,
      }),
    },
    "/analytics/timeseries": {
      get: operation({
        operationId: "getAnalyticsTimeseries",
        summary: "Clicks over time",
        description: `One point per local hour or day of \`timezone\` (23 or 25 hours on DST days), every bucket of the range, empty ones as zeros. ${ANALYTICS_SEMANTICS}`,
        tag: "Analytics",
        scope: "analytics:read",
        requestParams: { query: analyticsQuerySchema },
        ok: { status: 200, description: "The points, oldest first.", schema: timeseriesSchema },
        errors: ANALYTICS_ERRORS,
        notes: ANALYTICS_NOTES,
      }),
    },
    "/analytics/top": {
      get: operation({
        operationId: "getAnalyticsTop",
        summary: "Top values of a dimension",
        description: `The most clicked values of one of: ${CLICK_DIMENSIONS.map((d) => `\`${d}\``).join(", ")}; \`null\` is unknown. ${ANALYTICS_SEMANTICS}`,
        tag: "Analytics",
        scope: "analytics:read",
        requestParams: { query: topQuerySchema },
        ok: { status: 200, description: "The values, most clicked first.", schema: topSchema },
        errors: ANALYTICS_ERRORS,
        notes: ANALYTICS_NOTES,
      }),
    },
    "/analytics/variants": {
      get: operation({
        operationId: "getAnalyticsVariants",
        summary: "A/B results of a link",
        description: `Clicks, share and distinct visitors per variant of one link. ${ANALYTICS_SEMANTICS}`,
        tag: "Analytics",
        scope: "analytics:read",
        requestParams: { query: variantsQuerySchema },
        ok: { status: 200, description: "One entry per variant.", schema: analyticsVariantsSchema },
        errors: ANALYTICS_ERRORS,
        notes: ANALYTICS_NOTES,
      }),
    },
    "/analytics/export": {
      get: operation({
        operationId: "exportClicks",
        summary: "Export raw clicks as CSV",
        description: [
          "Every stored click in `[start, end)` (exact instants, no buckets), oldest first, as a streamed CSV download: people only unless `includeBots=true`, whatever the click's `reason` (so also password forms and expired pages).",
          `Columns: ${EXPORT_COLUMNS.map((c) => `\`${c}\``).join(", ")}. \`region\` is ISO 3166-2 (\`US-CA\`); \`rule\` and \`variant\` are 0-based indexes; cells starting with = + - @ are prefixed with \`'\` so spreadsheets do not run them.`,
          "No IP addresses are stored; user agents and visitor ids are not exported. Clicks older than the instance's raw-click retention are not available.",
        ].join("\n\n"),
        tag: "Analytics",
        scope: "analytics:read",
        requestParams: { query: exportQuerySchema },
        ok: { status: 200, description: "The CSV (`content-disposition: attachment`).", schema: z.string(), mediaType: "text/csv" },
        errors: ANALYTICS_ERRORS,
        notes: ANALYTICS_NOTES,
      }),
    },
    "/setup": {
      get: operation({
        operationId: "getSetupStatus",
        summary: "Whether first-run setup is open",
        tag: "Setup",
        ok: { status: 200, description: "Whether this instance still needs its first account.", schema: setupStatusSchema },
        errors: [],
      }),
      post: operation({
        operationId: "runSetup",
        summary: "Run first-run setup",
        description:
          "Creates the owner account, the first workspace and an API key with every scope. Works exactly once per instance. When the instance sets `SETUP_TOKEN`, `token` must match it.",
        tag: "Setup",
        body: setupSchema,
        example: { name: "Ada Lovelace", email: "ada@example.com", password: "correct horse battery", workspace: "Acme Links" },
        ok: { status: 201, description: "The instance is set up. The response holds the API key, shown only this once.", schema: setupResultSchema },
        errors: ["forbidden", "setup_done"],
        notes: { forbidden: "`token` does not match the instance's SETUP_TOKEN", setup_done: "the instance is already set up" },
      }),
    },
  };
}

function build(serverUrl: string): OpenApiDocument {
  return createDocument(
    {
      openapi: "3.1.0",
      info: {
        title: "Signpost API",
        version: API_VERSION,
        description: [
          "Create and manage smart links: routing rules, A/B variants, expiry, passwords, UTM tags.",
          "",
          "Authenticate with a workspace API key: `Authorization: Bearer sp_…`. Each operation names the scope it needs.",
          "",
          "Errors share one shape (`Error`): `error.code` is stable and safe to switch on, `error.field` names the offending field, `error.requestId` matches the `x-request-id` response header.",
        ].join("\n"),
        license: { name: "MIT", identifier: "MIT" },
      },
      servers: [{ url: `${serverUrl.replace(/\/+$/, "")}/api/v1`, description: "This instance" }],
      security: [{ [SECURITY_SCHEME]: [] }],
      tags: [
        { name: "Links", description: "Short links and their routing." },
        { name: "Tags", description: "Labels for organising links." },
        { name: "Analytics", description: "Click counts, breakdowns, A/B results and raw exports." },
        { name: "Domains", description: "Custom short domains, verified by a DNS TXT record (docs/domains.md)." },
        { name: "Imports", description: "Bulk import of links from CSV files (generic, Bitly, Kutt, Shlink, YOURLS), run as a background job." },
        { name: "Webhooks", description: "Signed event deliveries to your endpoints, with retries and a delivery log." },
        { name: "Billing", description: "Plans, usage against their limits, Stripe Checkout and the customer portal (when billing is enabled)." },
        { name: "Setup", description: "First-run setup of a new instance (no authentication)." },
      ],
      paths: paths(),
      components: {
        securitySchemes: {
          [SECURITY_SCHEME]: {
            type: "http",
            scheme: "bearer",
            bearerFormat: "sp_…",
            description: "A workspace API key, sent as `Authorization: Bearer sp_…`. Keys carry scopes: " + SCOPES.map((s) => `\`${s}\``).join(", ") + ".",
          },
        },
        schemas: {
          Link: linkSchema,
          LinkList: linkListSchema,
          CreateLink: createLinkSchema,
          UpdateLink: updateLinkSchema,
          BulkCreateLinks: bulkCreateSchema,
          BulkUpdateLinks: bulkUpdateSchema,
          BulkDeleteLinks: bulkDeleteSchema,
          Availability: availabilitySchema,
          RoutingRule: routingRuleSchema,
          Condition: conditionSchema,
          Variant: variantSchema,
          Utm: utmSchema,
          Tag: tagSchema,
          CreateTag: createTagSchema,
          UpdateTag: updateTagSchema,
          Setup: setupSchema,
          SetupResult: setupResultSchema,
          AnalyticsTotals: analyticsTotalsSchema,
          AnalyticsTimeseries: timeseriesSchema,
          AnalyticsTop: topSchema,
          AnalyticsVariants: analyticsVariantsSchema,
          Error: errorSchema,
        },
      },
    },
    { outputIdSuffix: "Output", override: adjustSchema },
  );
}

type OverrideContext = { jsonSchema: Record<string, unknown>; zodSchema: z.core.$ZodType; io: "input" | "output" };

/** Adjustments to zod's JSON Schema rendering, applied to every schema in the document. */
function adjustSchema(context: OverrideContext): void {
  annotate(context);
  omitSafeIntegerBounds(context);
  openResponseObjects(context);
}

/**
 * Words for the reader, and what the shared schemas check in code (`.refine`, `.superRefine`) that
 * has no JSON Schema form of its own: said in words, or as an equivalent keyword where one exists.
 * Keyed by the schema instances from src/core, so those files stay as they are.
 */
const ANNOTATIONS = new Map<z.core.$ZodType, Record<string, unknown>>([
  [
    routingRuleSchema,
    { description: "Rules are tried in order; a rule matches when all its conditions match, and the first match sends the visitor to its `url`." },
  ],
  [conditionSchema, { description: "One test on the visit; `type` selects which, and the other fields depend on it." }],
  [destinationSchema, { format: "uri", description: "An absolute http(s) URL without credentials (`user:password@`)." }],
  [
    keySchema,
    {
      description: `The short link's path: letters, digits, \`-\` and \`_\`, starting and ending with a letter or digit. Not one of the app's own paths: ${RESERVED_PATH_PREFIXES.map((p) => `\`${p}\``).join(", ")}.`,
    },
  ],
  [domainSchema, { description: "A short domain of this workspace, e.g. `sgn.st`; case-insensitive (stored lowercase)." }],
  [variantsSchema, { description: "A/B variants: each visitor goes to one, chosen by weight. The weights must sum to 100." }],
  [updateLinkSchema, { minProperties: 1, description: "Only the fields to change; at least one." }],
  [updateTagSchema, { minProperties: 1, description: "Only the fields to change; at least one." }],
  [bulkUpdateSchema.shape.links.element, { minProperties: 2, description: "A link's `id` and the fields to change (at least one)." }],
  ...conditionSchema.options
    .filter((option) => option.shape.type.value === "ip")
    .map((option) => [(option.shape as { in: z.ZodArray<z.ZodType> }).in.element, { description: "An IPv4 or IPv6 address, or a CIDR block such as 203.0.113.0/24." }] as const),
]);

function annotate({ jsonSchema, zodSchema }: OverrideContext): void {
  const extra = ANNOTATIONS.get(zodSchema);
  if (extra) Object.assign(jsonSchema, extra);
}

/** `z.number().int()` renders as ±2^53-1 bounds; they are noise to a reader. */
function omitSafeIntegerBounds({ jsonSchema }: OverrideContext): void {
  if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
  if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
}

/**
 * zod renders a plain (stripping) object as `additionalProperties: false` in responses. We promise
 * the opposite: responses may gain fields, and clients should ignore the ones they don't know. It
 * also lets one component (e.g. Link) serve both contexts instead of a Link/LinkOutput pair.
 */
function openResponseObjects({ jsonSchema, zodSchema, io }: OverrideContext): void {
  const def = zodSchema._zod.def;
  if (io === "output" && def.type === "object" && !(def as z.core.$ZodObjectDef).catchall && jsonSchema.additionalProperties === false) {
    delete jsonSchema.additionalProperties;
  }
}

const cache = new Map<string, OpenApiDocument>();

/** The document for an instance reachable at `serverUrl` (e.g. APP_URL); built once per URL. */
export function buildOpenApiDocument(serverUrl: string): OpenApiDocument {
  let document = cache.get(serverUrl);
  if (!document) {
    document = build(serverUrl);
    cache.set(serverUrl, document);
  }
  return document;
}
