import "server-only";
import { z } from "zod";

/** The closed set of error codes the API returns. Stable: clients may switch on them. */
export const ERROR_CODES = {
  invalid_json: 400,
  bad_request: 400,
  invalid_signature: 400,
  unauthorized: 401,
  plan_limit_reached: 402,
  insufficient_scope: 403,
  forbidden: 403,
  not_found: 404,
  billing_disabled: 404,
  method_not_allowed: 405,
  conflict: 409,
  key_taken: 409,
  domain_taken: 409,
  setup_done: 409,
  payload_too_large: 413,
  validation_failed: 422,
  rate_limited: 429,
  internal_error: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorIssue {
  field: string;
  message: string;
}

/**
 * Every error a client can cause. Serialises to
 * `{ error: { code, message, field?, details?: [{ field, message }], requestId } }` — `field` is
 * the first offending field, `details` lists every one when validation found several.
 */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly issues?: ErrorIssue[],
  ) {
    super(message);
    this.name = "ApiError";
    this.status = ERROR_CODES[code];
  }

  static fromZod(error: z.ZodError, prefix?: string): ApiError {
    const issues = error.issues.map((issue) => ({
      field:
        [prefix, ...issue.path.map(String), ...(issue.code === "unrecognized_keys" ? [issue.keys[0]] : [])].filter(Boolean).join(".") ||
        "(body)",
      message: issue.code === "unrecognized_keys" ? `unknown field(s): ${issue.keys.join(", ")}` : issue.message,
    }));
    const first = issues[0]!;
    return new ApiError("validation_failed", `${first.field} ${first.message}`, first.field, issues);
  }
}

export function errorResponse(error: ApiError, requestId: string, headers?: HeadersInit): Response {
  return Response.json(
    {
      error: {
        code: error.code,
        message: error.message,
        ...(error.field ? { field: error.field } : {}),
        ...(error.issues && error.issues.length > 0
          ? { details: error.issues }
          : error.field
            ? { details: [{ field: error.field, message: error.message }] }
            : {}),
        requestId,
      },
    },
    { status: error.status, headers: error.code === "unavailable" ? { "retry-after": "5", ...Object.fromEntries(new Headers(headers)) } : headers },
  );
}

const MAX_BODY_BYTES = 1_000_000;

/** Validates JSON text; malformed or invalid input becomes an ApiError naming the field. */
export function parseJsonText<S extends z.ZodType>(text: string, schema: S, maxBytes = MAX_BODY_BYTES): z.infer<S> {
  if (text.length > maxBytes / 4 && new TextEncoder().encode(text).byteLength > maxBytes) {
    throw new ApiError("payload_too_large", `Body is larger than ${maxBytes} bytes`);
  }
  let body: unknown;
  try {
    body = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new ApiError("invalid_json", "Body is not valid JSON");
  }
  const nul = findNul(body, "");
  if (nul !== null) throw new ApiError("validation_failed", `${nul || "(body)"} must not contain NUL (U+0000) characters`, nul || "(body)");
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw ApiError.fromZod(parsed.error);
  return parsed.data;
}

/**
 * The path of the first string (or object key) holding U+0000, which Postgres text and jsonb
 * cannot store, or null. Checked once here so no schema can forget it.
 */
function findNul(value: unknown, path: string): string | null {
  if (typeof value === "string") return value.includes("\u0000") ? path : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findNul(item, path ? `${path}.${index}` : String(index));
      if (found !== null) return found;
    }
  } else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const here = path ? `${path}.${key}` : key;
      if (key.includes("\u0000")) return here;
      const found = findNul(item, here);
      if (found !== null) return found;
    }
  }
  return null;
}

/** Validates a URL's query string; repeated or unknown parameters are refused like body fields. */
export function parseQuery<S extends z.ZodType>(request: Request, schema: S): z.infer<S> {
  const params = new URL(request.url).searchParams;
  const query: Record<string, string> = {};
  for (const [name, value] of params) {
    if (name in query) throw new ApiError("validation_failed", `${name} is given more than once`, name);
    if (name.includes("\u0000") || value.includes("\u0000")) throw new ApiError("validation_failed", `${name} must not contain NUL (U+0000) characters`, name);
    query[name] = value;
  }
  const parsed = schema.safeParse(query);
  if (!parsed.success) throw ApiError.fromZod(parsed.error);
  return parsed.data;
}

/** Reads and validates a JSON request body (see parseJsonText); a declared oversize body is refused unread. */
export async function parseJsonBody<S extends z.ZodType>(request: Request, schema: S): Promise<z.infer<S>> {
  const declared = Number(request.headers.get("content-length"));
  if (declared > MAX_BODY_BYTES) throw new ApiError("payload_too_large", `Body is larger than ${MAX_BODY_BYTES} bytes`);
  return parseJsonText(await request.text(), schema);
}
