/** Liveness: the process is up and serving. Touches nothing else (see /readyz for dependencies). */
export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json({ status: "ok", uptimeSeconds: Math.round(process.uptime()) }, { headers: { "cache-control": "no-store" } });
}
