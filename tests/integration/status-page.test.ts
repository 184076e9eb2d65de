/**
 * The status page's server side on real databases: who may see it (owners of the instance's own
 * workspace, with real sessions; admins, members, viewers and owners of other workspaces are
 * refused), clicks per hour from the hourly rollup fed by real ingestion, and the in-process
 * sampler reading the same registry /metrics serves while real API requests go through the route
 * handlers.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GET as listLinksRoute } from "@/app/api/v1/links/route";
import type { Role } from "@/core/scopes";
import { signIn, signUp } from "@/server/auth/accounts";
import { getAuth } from "@/server/auth/auth";
import { currentSession, type CurrentSession } from "@/server/auth/session";
import { recordClicks } from "@/server/clicks/ingest";
import { clickStreamKeys } from "@/server/clicks/stream";
import { getDatabase } from "@/server/db/client";
import { link } from "@/server/db/schema";
import { startBackgroundJobs } from "@/server/jobs/runner";
import { startStatusSampler, statusHistory, stopStatusSampler } from "@/server/observability/status";
import { counterTotals, gaugeSeries } from "@/server/observability/status-figures";
import { clicksPerHour, instanceWorkspaceId, statusAccess } from "@/server/observability/status-page";
import { backends, type TestDatabase } from "../support/databases";
import { apiRequest, openWithOwner, PASSWORD, type Owner } from "../support/integration-helpers";
import { CookieJar } from "./auth-helpers";

const HOUR = 3_600_000;

async function until<T>(read: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(backends())("status page on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: Owner;
  const sessions = {} as Record<Role | "stranger", CurrentSession>;

  async function sessionOf(email: string): Promise<CurrentSession> {
    const jar = new CookieJar().store((await signIn({ email, password: PASSWORD, remember: true }, new CookieJar().headers())).cookies);
    const session = await currentSession(jar.headers());
    expect(session).not.toBeNull();
    return session!;
  }

  beforeAll(async () => {
    const opened = await openWithOwner(backend);
    testDb = opened.testDb;
    owner = opened.owner;
    sessions.owner = await sessionOf("ada@example.com");
    const auth = await getAuth();
    for (const role of ["admin", "member", "viewer"] as const) {
      const email = `${role}@example.com`;
      const { userId } = await signUp({ name: role, email, password: PASSWORD }, new CookieJar().headers());
      await auth.api.addMember({ body: { userId, organizationId: owner.workspaceId, role } });
      sessions[role] = await sessionOf(email);
    }
    // Anyone may sign up and own a workspace of their own.
    await signUp({ name: "Mallory", email: "mallory@example.com", password: PASSWORD, workspace: "Elsewhere" }, new CookieJar().headers());
    sessions.stranger = await sessionOf("mallory@example.com");
  });
  afterAll(async () => {
    stopStatusSampler();
    await testDb?.dispose();
  });

  test("only owners of the workspace first-run setup created see it", async () => {
    expect(await instanceWorkspaceId(testDb.database)).toBe(owner.workspaceId);
    expect(sessions.owner.workspace).toMatchObject({ id: owner.workspaceId, role: "owner" });
    expect(await statusAccess(sessions.owner, testDb.database)).toEqual({ allowed: true });
    for (const role of ["admin", "member", "viewer"] as const) {
      expect(sessions[role].workspace).toMatchObject({ id: owner.workspaceId, role });
      const access = await statusAccess(sessions[role], testDb.database);
      expect(access).toEqual({ allowed: false, reason: expect.stringContaining(`your role in Acme is ${role}`) });
    }
    // The stranger owns their workspace, but it is not the instance's.
    expect(sessions.stranger.workspace).toMatchObject({ name: "Elsewhere", role: "owner" });
    expect(await statusAccess(sessions.stranger, testDb.database)).toEqual({ allowed: false, reason: expect.stringContaining("the whole instance") });
  });

  test("clicks per hour: every workspace, people and bots apart, empty hours as zero, 48 hours back", async () => {
    const now = Date.now();
    const thisHour = Math.floor(now / HOUR) * HOUR;
    const linkId = `lnk_status_${randomUUID().slice(0, 8)}`;
    await testDb.database.db.insert(link).values({ id: linkId, workspaceId: owner.workspaceId, domain: "localhost:3000", key: linkId.slice(-8), url: "https://example.com/" });
    const click = (at: number, isBot = false) => ({
      id: randomUUID(),
      linkId,
      workspaceId: owner.workspaceId,
      at: new Date(at).toISOString(),
      url: "https://example.com/",
      userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0",
      referrer: null,
      isBot,
      country: "DE",
    });
    await recordClicks(
      [
        click(thisHour + 1),
        click(thisHour + 2),
        click(thisHour + 3, true),
        click(thisHour - 3 * HOUR + 10),
        click(thisHour - 47 * HOUR), // the first hour of the range
        click(thisHour - 48 * HOUR + 5), // one hour too old
      ],
      testDb.database.db,
    );
    const { hours } = await clicksPerHour(testDb.database, 48, now);
    expect(hours).toHaveLength(48);
    expect(hours[0]!.at).toBe(thisHour - 47 * HOUR);
    expect(hours.at(-1)!.at).toBe(thisHour);
    const byAt = new Map(hours.map((h) => [h.at, h]));
    expect(byAt.get(thisHour)).toEqual({ at: thisHour, humans: 2, bots: 1 });
    expect(byAt.get(thisHour - 3 * HOUR)).toEqual({ at: thisHour - 3 * HOUR, humans: 1, bots: 0 });
    expect(byAt.get(thisHour - 47 * HOUR)).toEqual({ at: thisHour - 47 * HOUR, humans: 1, bots: 0 });
    expect(hours.reduce((n, h) => n + h.humans + h.bots, 0)).toBe(5);
  });

  test("the sampler keeps the registry's history: request counts by route, job states as the database has them", async () => {
    const jobs = await startBackgroundJobs(testDb.database, { schema: "pgboss" });
    try {
      stopStatusSampler();
      startStatusSampler({ database: getDatabase, redis: null, keys: clickStreamKeys("test") }, { intervalMs: 20, capacity: 10_000 });
      const first = await until(() => statusHistory().samples[0], "a first sample");
      const before = statusHistory().samples.length;
      const requests = 7;
      for (let i = 0; i < requests; i++) expect((await listLinksRoute(apiRequest("/api/v1/links?limit=1", { key: owner.key }))).status).toBe(200);
      const requestsDone = Date.now();
      // A sample taken after the last request (sampling never stops the route handlers).
      await until(() => statusHistory().samples.find((s) => s.at > requestsDone), "a sample after the requests");
      const { samples, intervalMs } = statusHistory();
      expect(intervalMs).toBe(20);
      expect(samples[0]).toBe(first);
      expect(samples.length).toBeGreaterThan(before);
      expect(counterTotals(samples, "signpost_http_request_duration_seconds_count", "route").get("/api/v1/links")).toBe(requests);

      // Job figures are read from pg-boss' table when sampled. A job waiting for tomorrow, then the
      // runner stopped so the table holds still; a sample taken after that must match it.
      await jobs.boss.createQueue("status-page-test");
      await jobs.boss.send("status-page-test", {}, { startAfter: 86_400 });
      await jobs.stop();
      const { rows } = await testDb.database.query("select state::text as state, count(*)::int as n from pgboss.job group by state");
      expect(rows.find((r) => r.state === "created")).toBeTruthy();
      const settled = Date.now();
      const latest = await until(() => statusHistory().samples.find((s) => s.at > settled), "a sample after the jobs stopped");
      const states = gaugeSeries([latest], "signpost_jobs", "state");
      expect(Object.fromEntries(states.map((s) => [s.label, s.points[0]!.value]))).toEqual(Object.fromEntries(rows.map((r) => [String(r.state), Number(r.n)])));
    } finally {
      stopStatusSampler();
      await jobs.stop();
    }
  });

  test("the history is bounded: the oldest samples are dropped", async () => {
    stopStatusSampler();
    startStatusSampler({ database: getDatabase, redis: null, keys: clickStreamKeys("test") }, { intervalMs: 5, capacity: 3 });
    try {
      const first = await until(() => statusHistory().samples[0], "a first sample");
      await until(() => (statusHistory().samples[0] !== first ? true : undefined), "the first sample to be dropped");
      const { samples } = statusHistory();
      expect(samples).toHaveLength(3);
      expect(samples.every((s, i) => i === 0 || s.at >= samples[i - 1]!.at)).toBe(true);
    } finally {
      stopStatusSampler();
    }
  });
});
