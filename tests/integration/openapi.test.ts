/**
 * The OpenAPI document (GET /api/v1/openapi.json) and the API reference page (/docs/api): the
 * document validates against the official OpenAPI 3.1 schema and describes every public endpoint;
 * the page and its assets come from our own origin only.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, test } from "vitest";
import { GET as getOpenApiJson } from "@/app/api/v1/openapi.json/route";
import { GET as getAsset } from "@/app/docs/api/assets/[file]/route";
import { GET as getReferencePage } from "@/app/docs/api/route";
import { serverConfig } from "@/config/env";
import type { z } from "zod";
import {
  bulkCreateSchema,
  bulkDeleteSchema,
  bulkUpdateSchema,
  createLinkSchema,
  createTagSchema,
  updateLinkSchema,
  updateTagSchema,
} from "@/core/link";
import { checkoutSchema } from "@/core/plans";
import { ERROR_CODES } from "@/server/api/errors";
import { buildOpenApiDocument } from "@/server/openapi/document";
import { REFERENCE_ASSETS } from "@/server/openapi/reference-assets";
import { setupSchema } from "@/server/setup/service";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SERVER = "https://links.example.com";
const document = () => buildOpenApiDocument(SERVER) as unknown as Json;

/** Every endpoint of the public API with the methods it answers. */
const ENDPOINTS: Record<string, string[]> = {
  "/links": ["get", "post"],
  "/links/{id}": ["delete", "get", "patch"],
  "/links/{id}/archive": ["delete", "post"],
  "/links/{id}/qr": ["get"],
  "/domains": ["get", "post"],
  "/domains/tls-ask": ["get"],
  "/domains/{id}": ["delete", "get"],
  "/domains/{id}/verify": ["post"],
  "/webhooks": ["get", "post"],
  "/webhooks/{id}": ["delete", "get", "patch"],
  "/webhooks/{id}/secret": ["post"],
  "/webhooks/{id}/deliveries": ["get"],
  "/webhooks/{id}/deliveries/{deliveryId}/replay": ["post"],
  "/webhooks/{id}/test": ["post"],
  "/links/bulk": ["delete", "patch", "post"],
  "/links/availability": ["get"],
  "/links/export": ["get"],
  "/imports": ["get", "post"],
  "/imports/{id}": ["get"],
  "/imports/{id}/start": ["post"],
  "/imports/{id}/errors": ["get"],
  "/tags": ["get", "post"],
  "/tags/{id}": ["delete", "get", "patch"],
  "/setup": ["get", "post"],
  "/analytics": ["get"],
  "/analytics/timeseries": ["get"],
  "/analytics/top": ["get"],
  "/analytics/variants": ["get"],
  "/analytics/export": ["get"],
  "/billing": ["get"],
  "/billing/checkout": ["post"],
  "/billing/portal": ["post"],
};

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

function operations(doc: Json): [string, string, Json][] {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, op]) => [path, method, op as Json] as [string, string, Json]),
  );
}

const op = (doc: Json, path: string, method: string): Json => doc.paths[path][method];

/** `#/components/schemas/X` -> the component; any other schema as is. */
function deref(doc: Json, schema: Json): Json {
  const ref = schema.$ref as string | undefined;
  if (!ref) return schema;
  const name = ref.replace("#/components/schemas/", "");
  expect(doc.components.schemas, `${ref} resolves`).toHaveProperty([name]);
  return doc.components.schemas[name];
}

/** Error codes an operation documents, from the examples of each error response. */
function documentedErrors(operation: Json): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(operation.responses as Json)
      .filter(([status]) => Number(status) >= 400)
      .map(([status, response]) => [status, Object.keys((response as Json).content["application/json"].examples ?? {}).sort()]),
  );
}

const CDN = /https?:\/\/[^\s"'`)<>]*(jsdelivr|unpkg|googleapis|gstatic|cdnjs|bootstrapcdn|cloudflare|fonts\.)/i;

describe("OpenAPI document", () => {
  test("is a valid OpenAPI 3.1 document (official schema)", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document()));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    // Every $ref resolves (the validator dereferences the whole document).
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  test("the validator is not a rubber stamp", async () => {
    const broken = structuredClone(document());
    broken.paths["/links"].post.responses["201"] = { content: {} }; // a response needs a description
    const result = await new Validator().validate(broken);
    expect(result.valid).toBe(false);
    expect(result.errors).not.toHaveLength(0);
  });

  test("every $ref names an existing component", () => {
    const doc = document();
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of new Set(refs)) {
      const [, section, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref) ?? [];
      expect(doc.components?.[section!]?.[name!], ref).toBeDefined();
    }
  });

  test("documents every endpoint with the right methods, once each", () => {
    const doc = document();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: `${SERVER}/api/v1`, description: expect.any(String) }]);
    const found: Record<string, string[]> = {};
    for (const [path, method] of operations(doc)) (found[path] ??= []).push(method);
    for (const methods of Object.values(found)) methods.sort();
    expect(found).toEqual(ENDPOINTS);
    const ids = operations(doc).map(([, , o]) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("matches the route handlers under src/app/api/v1, both ways", () => {
    const root = path.join(process.cwd(), "src/app/api/v1");
    const routes: Record<string, string[]> = {};
    for (const file of readdirSync(root, { recursive: true, encoding: "utf8" })) {
      if (path.basename(file) !== "route.ts") continue;
      const apiPath = `/${path.dirname(file).split(path.sep).join("/")}`.replace(/\[(\w+)\]/g, "{$1}");
      if (apiPath === "/openapi.json") continue; // the document does not describe itself
      const source = readFileSync(path.join(root, file), "utf8");
      const methods = [...source.matchAll(/^export (?:const|async function|function) (GET|POST|PUT|PATCH|DELETE)\b/gm)].map((m) => m[1]!.toLowerCase());
      routes[apiPath] = methods.sort();
    }
    expect(routes).toEqual(ENDPOINTS);
  });

  test("is built once per server URL", () => {
    expect(buildOpenApiDocument(SERVER)).toBe(buildOpenApiDocument(SERVER));
    expect(buildOpenApiDocument("http://localhost:3000").servers).toEqual([{ url: "http://localhost:3000/api/v1", description: expect.any(String) }]);
  });

  test("has named components for the API's shapes", () => {
    const schemas = document().components.schemas as Json;
    for (const name of ["Link", "LinkList", "CreateLink", "UpdateLink", "Tag", "Error", "RoutingRule", "Condition", "Variant", "Utm", "Availability"]) {
      expect(schemas, name).toHaveProperty([name]);
    }
    expect(schemas.Link.required).toEqual(expect.arrayContaining(["id", "domain", "key", "shortLink", "url", "tags", "rules", "variants", "hasPassword"]));
    expect(Object.keys(schemas.Link.properties)).not.toContain("password");
    expect(schemas.Error.properties.error.required).toEqual(expect.arrayContaining(["code", "message", "requestId"]));
    expect(schemas.Condition.oneOf).toHaveLength(11);
  });

  test("POST /links requires a JSON body whose only required field is url", () => {
    const doc = document();
    const body = op(doc, "/links", "post").requestBody;
    expect(body.required).toBe(true);
    expect(body.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/CreateLink" });
    const createLink = deref(doc, body.content["application/json"].schema);
    expect(createLink.required).toEqual(["url"]);
    expect(createLink.additionalProperties).toBe(false);
    expect(createLink.properties.url).toMatchObject({ type: "string", format: "uri" });
    expect(deref(doc, op(doc, "/links/{id}", "patch").requestBody.content["application/json"].schema)).toMatchObject({ minProperties: 1 });
  });

  test("request body examples are accepted by the schemas the routes validate with", () => {
    const doc = document();
    const bodies: [string, string, z.ZodType][] = [
      ["/links", "post", createLinkSchema],
      ["/links/{id}", "patch", updateLinkSchema],
      ["/links/bulk", "post", bulkCreateSchema],
      ["/links/bulk", "patch", bulkUpdateSchema],
      ["/links/bulk", "delete", bulkDeleteSchema],
      ["/tags", "post", createTagSchema],
      ["/tags/{id}", "patch", updateTagSchema],
      ["/setup", "post", setupSchema],
      ["/billing/checkout", "post", checkoutSchema],
    ];
    for (const [path, method, schema] of bodies) {
      const example = op(doc, path, method).requestBody.content["application/json"].example;
      expect(example, `${method} ${path}`).toBeDefined();
      expect(schema.safeParse(example).error, `${method} ${path}`).toBeUndefined();
    }
  });

  test("success responses have the documented status and schema", () => {
    const doc = document();
    const schemaOf = (path: string, method: string, status: string) => op(doc, path, method).responses[status]?.content?.["application/json"]?.schema;
    expect(schemaOf("/links", "post", "201")).toEqual({ $ref: "#/components/schemas/Link" });
    expect(schemaOf("/links", "get", "200")).toEqual({ $ref: "#/components/schemas/LinkList" });
    for (const [path, method] of [["/links/{id}", "get"], ["/links/{id}", "patch"], ["/links/{id}/archive", "post"], ["/links/{id}/archive", "delete"]] as const) {
      expect(schemaOf(path, method, "200"), `${method} ${path}`).toEqual({ $ref: "#/components/schemas/Link" });
    }
    expect(schemaOf("/links/bulk", "post", "201").properties.data.items).toEqual({ $ref: "#/components/schemas/Link" });
    expect(schemaOf("/links/bulk", "patch", "200").properties.data.items).toEqual({ $ref: "#/components/schemas/Link" });
    expect(schemaOf("/links/bulk", "delete", "200").properties.deleted.type).toBe("integer");
    expect(schemaOf("/links/availability", "get", "200")).toEqual({ $ref: "#/components/schemas/Availability" });
    expect(schemaOf("/tags", "get", "200").properties.data.items).toEqual({ $ref: "#/components/schemas/Tag" });
    expect(schemaOf("/tags", "post", "201")).toEqual({ $ref: "#/components/schemas/Tag" });
    expect(schemaOf("/setup", "get", "200").properties.needsSetup.type).toBe("boolean");
    expect(schemaOf("/setup", "post", "201")).toEqual({ $ref: "#/components/schemas/SetupResult" });
    for (const [path, method] of [["/links/{id}", "delete"], ["/tags/{id}", "delete"]] as const) {
      expect(op(doc, path, method).responses["204"], `${method} ${path}`).toBeDefined();
      expect(op(doc, path, method).responses["204"].content).toBeUndefined();
    }
  });

  test("query and path parameters come from the schemas", () => {
    const doc = document();
    const params = (path: string, method: string) => Object.fromEntries((op(doc, path, method).parameters as Json[]).map((p) => [`${p.in}:${p.name}`, p])) as Json;
    const list = params("/links", "get");
    expect(Object.keys(list).sort()).toEqual(["archived", "before", "cursor", "domain", "limit", "order", "q", "sort", "tag"].map((n) => `query:${n}`));
    expect(list["query:limit"].schema).toMatchObject({ type: "integer", minimum: 1, maximum: 100, default: 50 });
    expect(list["query:sort"].schema.enum).toEqual(["createdAt", "updatedAt", "clicks", "key"]);
    const availability = params("/links/availability", "get");
    expect(availability["query:key"].required).toBe(true);
    expect(availability["query:domain"].required).toBeFalsy();
    const qr = params("/links/{id}/qr", "get");
    expect(Object.keys(qr).sort()).toEqual(["path:id", ...["bg", "download", "ecc", "fg", "format", "margin", "size"].map((n) => `query:${n}`)]);
    expect(qr["query:size"].schema).toMatchObject({ type: "integer", minimum: 64, maximum: 2048, default: 512 });
    expect(Object.keys(op(doc, "/links/{id}/qr", "get").responses["200"].content)).toEqual(["image/svg+xml", "image/png"]);
    for (const path of ["/links/{id}", "/links/{id}/archive", "/tags/{id}"]) {
      for (const method of Object.keys(doc.paths[path])) expect(params(path, method)["path:id"], `${method} ${path}`).toMatchObject({ required: true });
    }
  });

  test("authenticated operations need a bearer key with a scope; setup needs none", () => {
    const doc = document();
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    const scopes = Object.fromEntries(operations(doc).map(([path, method, o]) => [`${method.toUpperCase()} ${path}`, o.security]));
    expect(scopes["POST /links"]).toEqual([{ bearerAuth: ["links:write"] }]);
    expect(scopes["GET /links"]).toEqual([{ bearerAuth: ["links:read"] }]);
    expect(scopes["GET /links/availability"]).toEqual([{ bearerAuth: ["links:read"] }]);
    expect(scopes["DELETE /links/bulk"]).toEqual([{ bearerAuth: ["links:write"] }]);
    expect(scopes["GET /tags"]).toEqual([{ bearerAuth: ["tags:read"] }]);
    expect(scopes["PATCH /tags/{id}"]).toEqual([{ bearerAuth: ["tags:write"] }]);
    expect(scopes["GET /setup"]).toEqual([]);
    expect(scopes["POST /setup"]).toEqual([]);
  });

  test("error responses use the Error schema, under the status of their code", () => {
    const doc = document();
    let count = 0;
    for (const [path, method, operation] of operations(doc)) {
      for (const [status, response] of Object.entries(operation.responses as Json)) {
        if (Number(status) < 400) continue;
        count++;
        const content = (response as Json).content["application/json"];
        expect(content.schema, `${method} ${path} ${status}`).toEqual({ $ref: "#/components/schemas/Error" });
        for (const [code, example] of Object.entries(content.examples as Json)) {
          expect(ERROR_CODES[code as keyof typeof ERROR_CODES], `${method} ${path}: ${code}`).toBe(Number(status));
          expect((example as Json).value.error).toMatchObject({ code, message: expect.any(String), requestId: expect.any(String) });
        }
      }
    }
    expect(count).toBeGreaterThan(50);
  });

  test("each operation lists the errors it can return", () => {
    const doc = document();
    const auth = { "401": ["unauthorized"], "403": ["insufficient_scope"] };
    const body = { "400": ["invalid_json"], "413": ["payload_too_large"], "422": ["validation_failed"] };
    expect(documentedErrors(op(doc, "/links", "post"))).toEqual({ ...auth, ...body, "402": ["plan_limit_reached"], "409": ["conflict", "key_taken"] });
    expect(documentedErrors(op(doc, "/links", "get"))).toEqual({ ...auth, "400": ["bad_request"], "422": ["validation_failed"] });
    expect(documentedErrors(op(doc, "/links/{id}", "get"))).toEqual({ ...auth, "404": ["not_found"] });
    expect(documentedErrors(op(doc, "/links/{id}", "patch"))).toEqual({ ...auth, ...body, "404": ["not_found"], "409": ["key_taken"] });
    expect(documentedErrors(op(doc, "/links/{id}", "delete"))).toEqual({ ...auth, "404": ["not_found"] });
    expect(documentedErrors(op(doc, "/links/bulk", "post"))).toEqual({ ...auth, ...body, "402": ["plan_limit_reached"], "409": ["conflict", "key_taken"] });
    expect(documentedErrors(op(doc, "/billing/checkout", "post"))).toEqual({ ...auth, ...body, "403": ["forbidden", "insufficient_scope"], "404": ["billing_disabled"], "409": ["conflict"] });
    expect(documentedErrors(op(doc, "/links/bulk", "delete"))).toEqual({ ...auth, ...body, "404": ["not_found"] });
    expect(op(doc, "/links/bulk", "post").responses["413"].description).toContain("more than 1000 items");
    expect(op(doc, "/links/bulk", "delete").responses["413"].content["application/json"].examples.payload_too_large.value.error).toMatchObject({ field: "ids" });
    expect(op(doc, "/tags", "post").responses["403"].content["application/json"].examples.insufficient_scope.value.error.message).toContain("tags:write");
    expect(documentedErrors(op(doc, "/tags", "post"))).toEqual({ ...auth, ...body, "409": ["conflict"] });
    expect(documentedErrors(op(doc, "/setup", "post"))).toEqual({ ...body, "403": ["forbidden"], "409": ["setup_done"] });
    expect(documentedErrors(op(doc, "/setup", "get"))).toEqual({});
  });
});

describe("GET /api/v1/openapi.json", () => {
  test("serves the document for this instance's APP_URL", async () => {
    const response = await getOpenApiJson(new Request("http://localhost/api/v1/openapi.json"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("x-request-id")).toBeTruthy();
    const body = (await response.json()) as Json;
    expect(body.openapi).toBe("3.1.0");
    expect(body.servers[0].url).toBe(`${serverConfig().appUrl}/api/v1`);
    expect(body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument(serverConfig().appUrl))));
  });
});

describe("/docs/api reference page", () => {
  const asset = (file: string, headers?: HeadersInit) =>
    getAsset(new Request(`http://localhost/docs/api/assets/${encodeURIComponent(file)}`, { headers }), { params: Promise.resolve({ file }) });

  test("is an HTML page that loads only our own assets and document", async () => {
    const response = await getReferencePage(new Request("http://localhost/docs/api"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('src="/docs/api/assets/swagger-ui-bundle.js?v=');
    expect(html).toContain('href="/docs/api/assets/swagger-ui.css?v=');
    expect(html).toContain('"url":"/api/v1/openapi.json"');
    expect(html).toContain('"validatorUrl":null');
    expect(html).not.toMatch(CDN);
    // No absolute URL at all in any src/href: everything is same-origin.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
  });

  test("sends a Content-Security-Policy that allows no other origin, and hashes its inline script", async () => {
    const response = await getReferencePage(new Request("http://localhost/docs/api"));
    const csp = response.headers.get("content-security-policy") ?? "";
    const directives = Object.fromEntries(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives["default-src"]).toEqual(["'none'"]);
    const html = await response.text();
    const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(inline).toHaveLength(1);
    const hash = `'sha256-${createHash("sha256").update(inline[0]!).digest("base64")}'`;
    expect(directives["script-src"]).toEqual(["'self'", hash]);
    for (const name of ["style-src", "img-src", "font-src"]) {
      for (const source of directives[name] ?? []) expect(source, `${name} ${source}`).toMatch(/^('self'|'sha256-[^']+'|data:)$/);
    }
    expect(directives["connect-src"]).toEqual(["'self'", new URL(serverConfig().appUrl).origin]);
  });

  test.each(Object.entries(REFERENCE_ASSETS))("serves %s from our origin, cacheable, without CDN references", async (file, type) => {
    const response = await asset(file);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(type);
    expect(response.headers.get("cache-control")).toContain("immutable");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const text = await response.text();
    expect(text.length).toBeGreaterThan(100_000);
    expect(text).not.toMatch(CDN);
    const etag = response.headers.get("etag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await asset(file, { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });

  test.each(["swagger-ui.js", "index.html", "package.json", "../package.json", "..%2Fpackage.json", "swagger-ui-bundle.js.map", "constructor", "__proto__", ""])(
    "answers 404 for %j",
    async (file) => {
      const response = await asset(file);
      expect(response.status).toBe(404);
      expect(((await response.json()) as Json).error).toMatchObject({ code: "not_found", requestId: expect.any(String) });
    },
  );
});
