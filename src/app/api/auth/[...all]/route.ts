import { toNextJsHandler } from "better-auth/next-js";
import { handle } from "@/server/api/handler";
import { getAuth } from "@/server/auth/auth";

// Better Auth's own endpoints (sign-in, sessions, organizations, API keys) on the Node runtime,
// inside `handle` for the request id, the request log line, metrics and Server-Timing. The answer
// is copied so its headers are mutable (a redirect made with Response.redirect has frozen ones).
const handler = handle(async (request) => {
  const response = await (await getAuth()).handler(request);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers: response.headers });
});
export const { GET, POST } = toNextJsHandler(handler);
