import { toNextJsHandler } from "better-auth/next-js";
import { getAuth } from "@/server/auth/auth";

// Better Auth's own endpoints (sign-in, sessions, organizations, API keys) on the Node runtime.
const handler = async (request: Request) => (await getAuth()).handler(request);
export const { GET, POST } = toNextJsHandler(handler);
