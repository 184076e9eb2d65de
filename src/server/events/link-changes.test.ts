import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
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

  test("never throws, does not hold the request long, warns once, and the changes still reach the change feed", async () => {
    vi.stubEnv("REDIS_URL", `redis://127.0.0.1:${await closedPort()}`);
    vi.resetModules();
    // The feed's table is in the process database: an embedded one of the test's own, opened
    // (and migrated) before the timed calls.
    const dataDir = mkdtempSync(path.join(tmpdir(), "signpost-link-changes-"));
    const { openDatabase, setProcessDatabase } = await import("@/server/db/client");
    const database = await openDatabase({ dataDir });
    setProcessDatabase(database);
    try {
      // The warning is a pino line on stdout (src/server/observability/logger.ts).
      const errors = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
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
      errors.mockRestore();
      // Redis down loses the push, not the change: polling edge caches still see all three.
      const { rows } = await database.query("select key from link_change order by id");
      expect(rows.map((row) => row.key)).toEqual(["k0", "k1", "k2"]);
    } finally {
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
