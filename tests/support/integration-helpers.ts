/**
 * Small helpers for the integration tests: requests to the route handlers, the one error shape,
 * extra workspaces with their own API keys, and signed internal requests. Nothing here mocks the
 * database, Better Auth or the services; everything goes through the real code.
 */
import pg from "pg";
import { expect } from "vitest";
import { signRequest } from "@/core/protocol";
import { scopesToPermissions, type Scope } from "@/core/scopes";
import { serverConfig } from "@/config/env";
import { getAuth } from "@/server/auth/auth";
import { runFirstSetup } from "@/server/setup/service";
import { freshDatabase, type Backend, type TestDatabase } from "./databases";

/**
 * freshDatabase(), plus an 'error' listener on the Postgres pool. src/server/db/client.ts creates its
 * pg.Pool without one, so a pooled connection closed by the server crashes the process ("Unhandled
 * 'error' event"). dispose() drops the database WITH (FORCE) right after pool.end(), which resolves
 * before the idle connections are gone, so teardown can hit exactly that. The listener only keeps
 * teardown quiet; tests/integration/postgres-pool.test.ts covers the bug itself.
 */
export async function openTestDatabase(backend: Backend): Promise<TestDatabase> {
  const testDb = await freshDatabase(backend);
  const client = (testDb.database.db as unknown as { $client?: unknown }).$client;
  if (client instanceof pg.Pool) client.on("error", () => {});
  return testDb;
}

export const BASE_URL = "http://localhost:3000";

/** A strong enough password for Better Auth (min 10). */
export const PASSWORD = "correct horse battery staple";

/** The owner of the first workspace, as first-run setup makes them, with its all-scope key. */
export interface Owner {
  userId: string;
  workspaceId: string;
  key: string;
}

/** A fresh database on `backend` and the first workspace made in it by first-run setup. */
export async function openWithOwner(backend: Backend): Promise<{ testDb: TestDatabase; owner: Owner }> {
  const testDb = await openTestDatabase(backend);
  const setup = await runFirstSetup({ name: "Ada", email: "ada@example.com", password: PASSWORD, workspace: "Acme" });
  return { testDb, owner: { userId: setup.user.id, workspaceId: setup.workspace.id, key: setup.apiKey.key } };
}

export interface RequestOptions {
  method?: string;
  /** Sent as `Authorization: Bearer <key>`. */
  key?: string;
  /** An object is JSON-encoded; a string is sent as is (for malformed bodies). */
  body?: unknown;
  headers?: Record<string, string>;
}

/** A Request for a route handler, as Next would hand it over. */
export function apiRequest(path: string, options: RequestOptions = {}): Request {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  return new Request(`${BASE_URL}${path}`, { method: options.method ?? (body === undefined ? "GET" : "POST"), headers, body });
}

/** The second argument Next passes to a dynamic route handler. */
export function routeParams<P extends Record<string, string>>(params: P) {
  return { params: Promise.resolve(params) };
}

export interface ApiErrorBody {
  error: { code: string; message: string; requestId: string; field?: string; details?: { field: string; message: string }[] };
}

/**
 * Asserts the API's one error shape: status, `{ error: { code, message, requestId, field? } }`
 * with no other keys, and an `x-request-id` header equal to the body's requestId.
 */
export async function expectApiError(
  response: Response,
  status: number,
  code: string,
  field?: string,
): Promise<ApiErrorBody["error"]> {
  const text = await response.text();
  expect(response.status, `status for body ${text}`).toBe(status);
  const body = JSON.parse(text) as ApiErrorBody;
  expect(Object.keys(body)).toEqual(["error"]);
  const { error } = body;
  expect(error.code).toBe(code);
  expect(typeof error.message).toBe("string");
  expect(error.message.length).toBeGreaterThan(0);
  expect(typeof error.requestId).toBe("string");
  expect(error.requestId.length).toBeGreaterThanOrEqual(8);
  for (const key of Object.keys(error)) expect(["code", "message", "requestId", "field", "details"]).toContain(key);
  if (field === undefined) expect(error.field).toBeUndefined();
  else expect(error.field).toBe(field);
  expect(response.headers.get("x-request-id")).toBe(error.requestId);
  return error;
}

export interface ExtraWorkspace {
  userId: string;
  workspaceId: string;
  apiKey: string;
  apiKeyId: string;
}

/**
 * Another user with their own workspace and API key, made through Better Auth's server API the
 * same way first-run setup makes the first one.
 */
export async function createWorkspaceWithKey(label: string, scopes: readonly Scope[]): Promise<ExtraWorkspace> {
  const auth = await getAuth();
  const tag = crypto.randomUUID().slice(0, 8);
  const signUp = await auth.api.signUpEmail({
    body: { name: `${label} owner`, email: `${label.toLowerCase()}-${tag}@example.test`, password: PASSWORD },
  });
  const userId = signUp.user.id;
  const workspace = await auth.api.createOrganization({
    body: { name: label, slug: `${label.toLowerCase()}-${tag}`, userId },
  });
  if (!workspace) throw new Error("workspace was not created");
  const key = await createKey(workspace.id, userId, scopes);
  return { userId, workspaceId: workspace.id, apiKey: key.key, apiKeyId: key.id };
}

/** A further API key for an existing workspace, with exactly `scopes`. */
export async function createKey(workspaceId: string, userId: string, scopes: readonly Scope[]): Promise<{ key: string; id: string }> {
  const auth = await getAuth();
  const created = await auth.api.createApiKey({
    body: { name: "Test key", organizationId: workspaceId, userId, permissions: scopesToPermissions(scopes) },
  });
  return { key: created.key, id: created.id };
}

export interface SignedOptions {
  body?: string;
  /** Defaults to the instance's secret (serverConfig().secret). */
  secret?: string;
  /** Signing time in ms; defaults to now. */
  now?: number;
}

/** Signature headers for an internal request (edge -> origin protocol). */
export async function signedHeaders(method: string, pathWithQuery: string, options: SignedOptions = {}) {
  const headers = await signRequest(options.secret ?? serverConfig().secret, method, pathWithQuery, options.body ?? "", options.now);
  return { ...headers } as Record<string, string>;
}

/** A signed internal Request to `pathWithQuery`. */
export async function signedRequest(method: string, pathWithQuery: string, options: SignedOptions = {}): Promise<Request> {
  const headers = await signedHeaders(method, pathWithQuery, options);
  if (options.body !== undefined) headers["content-type"] = "application/json";
  return new Request(`${BASE_URL}${pathWithQuery}`, { method, headers, body: options.body });
}

/**
 * Asserts `response.status` (the body is part of the failure message) and returns the parsed JSON
 * body; for a 204 it asserts an empty body and returns undefined.
 */
export async function expectJson<T = unknown>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, `status for body ${text.slice(0, 2000)}`).toBe(status);
  if (status === 204) {
    expect(text).toBe("");
    return undefined as T;
  }
  return JSON.parse(text) as T;
}

/** Waits `ms` milliseconds, e.g. so two timestamps taken in JS cannot be equal. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
