/**
 * A request to a local server with an explicit Host header (fetch cannot set one), answered as a
 * fetch Response: what a reverse proxy, or DNS pointing a custom domain at us, would send.
 */
import http from "node:http";

export function requestAs(url: string, host: string, init: RequestInit = {}): Promise<Response> {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined), host };
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: init.method ?? "GET", headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const out = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          for (const item of [value ?? []].flat()) out.append(name, item);
        }
        const status = response.statusCode!;
        const body = status === 204 || status === 304 || init.method === "HEAD" ? null : Buffer.concat(chunks);
        resolve(new Response(body, { status, headers: out }));
      });
    });
    request.on("error", reject);
    if (typeof init.body === "string") request.write(init.body);
    request.end();
  });
}
