import { createServer } from "node:net";
import { afterAll, describe, expect, test, vi } from "vitest";

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("publishLinkChanges with Redis unreachable", () => {
  afterAll(() => vi.unstubAllEnvs());

  test("never throws, does not hold the request long, and warns once", async () => {
    vi.stubEnv("REDIS_URL", `redis://127.0.0.1:${await closedPort()}`);
    vi.resetModules();
    // The warning is a pino line on stdout (src/server/observability/logger.ts).
    const errors = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const { publishLinkChanges } = await import("./link-changes");
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        await expect(publishLinkChanges([{ domain: "sgn.st", key: `k${i}` }])).resolves.toBeUndefined();
        expect(Date.now() - started).toBeLessThan(1_000);
      }
      await vi.waitFor(() => expect(errors).toHaveBeenCalled());
      const warnings = errors.mock.calls.map(([line]) => String(line)).filter((line) => line.includes("link-change events not published"));
      expect(warnings).toHaveLength(1);
      expect(JSON.parse(warnings[0]!)).toMatchObject({ level: "warn" });
    } finally {
      errors.mockRestore();
    }
  }, 60_000);
});
