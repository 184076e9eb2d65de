/**
 * First-run setup on real databases: the owner account, the first workspace and an all-scope API
 * key, exactly once per instance, and nothing half-written when a step fails after the claim.
 * Setup happens once per database, so every test starts from an empty instance: one fresh, migrated
 * database per backend, emptied (and any injected fault removed) before each test.
 */
import { createHash } from "node:crypto";
import { count } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { GET, POST } from "@/app/api/v1/setup/route";
import { permissionsToScopes, SCOPES } from "@/core/scopes";
import { ApiError } from "@/server/api/errors";
import { getAuth } from "@/server/auth/auth";
import { account, apikey, instanceState, member, organization, session, user } from "@/server/db/schema";
import { needsSetup, runFirstSetup, setupSchema, type SetupInput } from "@/server/setup/service";
import { backends, type TestDatabase } from "../support/databases";
import { apiRequest, expectApiError, openTestDatabase, PASSWORD } from "../support/integration-helpers";

const FAULT_TABLES = ["account", "organization", "apikey"] as const;

const ADA: SetupInput = { name: "Ada Lovelace", email: "ada@example.com", password: PASSWORD, workspace: "Acme Links" };

describe.each(backends())("first-run setup on %s", (backend) => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await testDb?.dispose();
  });
  beforeEach(async () => {
    for (const table of FAULT_TABLES) await testDb.database.query(`drop trigger if exists signpost_test_fail on "${table}"`);
    // Cascades to every table that references these: account, session, member, apikey, link, ...
    await testDb.database.query('truncate table "user", organization, instance_state, verification cascade');
    expect(await counts()).toEqual(NOTHING);
  });

  const db = () => testDb.database.db;

  /** Row counts of every table setup writes to. */
  async function counts() {
    const n = async (table: typeof user | typeof account | typeof session | typeof organization | typeof member | typeof apikey | typeof instanceState) =>
      (await db().select({ n: count() }).from(table))[0]!.n;
    return {
      users: await n(user),
      accounts: await n(account),
      sessions: await n(session),
      organizations: await n(organization),
      members: await n(member),
      apiKeys: await n(apikey),
      claims: await n(instanceState),
    };
  }
  const NOTHING = { users: 0, accounts: 0, sessions: 0, organizations: 0, members: 0, apiKeys: 0, claims: 0 };

  /** Makes every insert into `table` fail inside the database: a real failure at that step. */
  async function failInsertsInto(table: (typeof FAULT_TABLES)[number]) {
    await testDb.database.query(
      "create or replace function signpost_test_fail() returns trigger language plpgsql as $$ begin raise exception 'injected failure on %', tg_table_name; end $$",
    );
    await testDb.database.query(`create trigger signpost_test_fail before insert on "${table}" for each row execute function signpost_test_fail()`);
  }
  /** Awaits setup and asserts it failed because of the fault injected on `table`. */
  async function expectInjectedFailure(attempt: Promise<unknown>, table: string) {
    const error = await attempt.then(
      () => expect.unreachable("setup should have failed"),
      (e: unknown) => e,
    );
    const messages: string[] = [];
    for (let e = error as { message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) messages.push(String(e.message));
    expect(messages.join(" <- ")).toContain(`injected failure on ${table}`);
  }
  async function stopFailing(table: string) {
    await testDb.database.query(`drop trigger signpost_test_fail on "${table}"`);
  }

  test("creates the owner, a workspace with an owner member and an all-scope key stored only as a hash", async () => {
    expect(await needsSetup()).toBe(true);
    const result = await runFirstSetup(setupSchema.parse({ ...ADA, name: "  Ada Lovelace ", email: " Ada@Example.COM " }));

    expect(result.user).toEqual({ id: expect.any(String), email: "ada@example.com", name: "Ada Lovelace" });
    expect(result.workspace).toMatchObject({ id: expect.any(String), name: "Acme Links" });
    expect(result.workspace.slug).toMatch(/^acme-links-[0-9a-f]{6}$/);
    expect(result.apiKey.key).toMatch(/^sp_[A-Za-z]{20,}$/);
    expect(result.apiKey.start).toBe(result.apiKey.key.slice(0, 6));
    expect(result.apiKey.scopes).toEqual([...SCOPES]);

    const users = await db().select().from(user);
    expect(users).toEqual([expect.objectContaining({ id: result.user.id, email: "ada@example.com", name: "Ada Lovelace" })]);
    const accounts = await db().select().from(account);
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({ userId: result.user.id, providerId: "credential" });
    expect(accounts[0]!.password).toBeTruthy();
    expect(accounts[0]!.password).not.toContain(PASSWORD);

    const organizations = await db().select().from(organization);
    expect(organizations).toEqual([expect.objectContaining({ id: result.workspace.id, name: "Acme Links", slug: result.workspace.slug })]);
    const members = await db().select().from(member);
    expect(members).toEqual([expect.objectContaining({ organizationId: result.workspace.id, userId: result.user.id, role: "owner" })]);

    const keys = await db().select().from(apikey);
    expect(keys).toHaveLength(1);
    const row = keys[0]!;
    expect(row.id).toBe(result.apiKey.id);
    expect(row.referenceId).toBe(result.workspace.id);
    expect(row.enabled).toBe(true);
    expect(row.prefix).toBe("sp_");
    expect(row.start).toBe(result.apiKey.key.slice(0, 6));
    // Only a hash is stored: base64url(SHA-256(key)), and the key appears in no column.
    expect(row.key).not.toBe(result.apiKey.key);
    expect(row.key).toBe(createHash("sha256").update(result.apiKey.key).digest("base64url"));
    for (const value of Object.values(row)) {
      if (typeof value === "string") expect(value).not.toContain(result.apiKey.key);
    }
    expect(permissionsToScopes(JSON.parse(row.permissions!)).sort()).toEqual([...SCOPES].sort());

    // The key shown once is a working key for that workspace.
    const verified = await (await getAuth()).api.verifyApiKey({ body: { key: result.apiKey.key } });
    expect(verified.valid).toBe(true);
    expect(verified.key?.referenceId).toBe(result.workspace.id);

    expect(await needsSetup()).toBe(false);
    expect(await db().select({ key: instanceState.key, value: instanceState.value }).from(instanceState)).toEqual([
      { key: "first-run-setup", value: "ada@example.com" },
    ]);
  });

  test("the routes report needsSetup and answer a valid POST with 201, the key and no-store", async () => {
    expect(await (await GET(apiRequest("/api/v1/setup"))).json()).toEqual({ needsSetup: true });

    const response = await POST(apiRequest("/api/v1/setup", { body: ADA }));
    expect(response.status).toBe(201);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-request-id")).toBeTruthy();
    const body = (await response.json()) as Awaited<ReturnType<typeof runFirstSetup>>;
    expect(body.user.email).toBe("ada@example.com");
    expect(body.apiKey.key).toMatch(/^sp_/);

    expect(await (await GET(apiRequest("/api/v1/setup"))).json()).toEqual({ needsSetup: false });
    expect(await counts()).toEqual({ users: 1, accounts: 1, sessions: 1, organizations: 1, members: 1, apiKeys: 1, claims: 1 });
  });

  test("a second setup is refused with setup_done (409) and changes nothing", async () => {
    const first = await runFirstSetup(ADA);
    const before = await counts();

    const second = runFirstSetup({ ...ADA, email: "eve@example.com", workspace: "Evil" });
    await expect(second).rejects.toBeInstanceOf(ApiError);
    await expect(second).rejects.toMatchObject({ code: "setup_done", status: 409 });

    const viaRoute = await POST(apiRequest("/api/v1/setup", { body: { ...ADA, email: "mallory@example.com" } }));
    await expectApiError(viaRoute, 409, "setup_done");

    expect(await counts()).toEqual(before);
    expect((await db().select({ id: user.id }).from(user)).map((u) => u.id)).toEqual([first.user.id]);
    expect(await needsSetup()).toBe(false);
  });

  test("five concurrent setups: exactly one succeeds, the others get setup_done, one user exists", async () => {
    const attempts = await Promise.allSettled(
      [0, 1, 2, 3, 4].map((i) => runFirstSetup({ ...ADA, email: `owner${i}@example.com`, workspace: `Workspace ${i}` })),
    );
    const won = attempts.filter((a) => a.status === "fulfilled");
    const lost = attempts.filter((a) => a.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(4);
    for (const attempt of lost) expect(attempt.reason).toMatchObject({ name: "ApiError", code: "setup_done", status: 409 });

    const winner = won[0]!.value;
    expect(await db().select({ id: user.id, email: user.email }).from(user)).toEqual([{ id: winner.user.id, email: winner.user.email }]);
    expect(await counts()).toEqual({ users: 1, accounts: 1, sessions: 1, organizations: 1, members: 1, apiKeys: 1, claims: 1 });
  });

  describe("invalid input through the POST route", () => {
    test.each([
      { field: "name", body: { ...ADA, name: "   " } },
      { field: "email", body: { ...ADA, email: "not-an-email" } },
      { field: "password", body: { ...ADA, password: "short" } },
      { field: "password", body: { ...ADA, password: "x".repeat(129) } },
      { field: "workspace", body: { ...ADA, workspace: "" } },
      { field: "workspace", body: { ...ADA, workspace: "w".repeat(61) } },
      { field: "email", body: { name: ADA.name, password: ADA.password, workspace: ADA.workspace } },
    ])("422 validation_failed naming $field, nothing written", async ({ field, body }) => {
      const response = await POST(apiRequest("/api/v1/setup", { body }));
      const error = await expectApiError(response, 422, "validation_failed", field);
      expect(error.message.startsWith(`${field} `)).toBe(true);
      expect(await needsSetup()).toBe(true);
      expect(await counts()).toEqual(NOTHING);
    });

    test("an unknown field is refused with 422 and named in the message", async () => {
      const response = await POST(apiRequest("/api/v1/setup", { body: { ...ADA, role: "admin" } }));
      const error = await expectApiError(response, 422, "validation_failed", "role");
      expect(error.message).toContain("role");
      expect(await counts()).toEqual(NOTHING);
    });

    test("several invalid fields are all listed in details", async () => {
      const response = await POST(apiRequest("/api/v1/setup", { body: { ...ADA, email: "nope", password: "short" } }));
      const error = await expectApiError(response, 422, "validation_failed", "email");
      expect(error.details?.map((i) => i.field)).toEqual(["email", "password"]);
    });

    test("malformed JSON is 400 invalid_json", async () => {
      const response = await POST(apiRequest("/api/v1/setup", { body: '{"name": "Ada",' }));
      await expectApiError(response, 400, "invalid_json");
      expect(await counts()).toEqual(NOTHING);
    });
  });

  describe("a step failing after the claim releases it and leaves nothing half-written", () => {
    test("sign-up fails (the email is already in the user table): claim released, no workspace, no key", async () => {
      await db().insert(user).values({ id: "pre-existing-user", name: "Someone", email: ADA.email });

      await expect(runFirstSetup(ADA)).rejects.toThrow(/already exists/);

      expect(await needsSetup()).toBe(true);
      expect(await counts()).toEqual({ ...NOTHING, users: 1 });
      expect(await db().select({ id: user.id }).from(user)).toEqual([{ id: "pre-existing-user" }]);

      // Released for real: once the conflict is gone, setup succeeds.
      await db().delete(user);
      const result = await runFirstSetup(ADA);
      expect(result.user.email).toBe(ADA.email);
      expect(await needsSetup()).toBe(false);
    });

    test("creating the workspace fails: the new account is removed again", async () => {
      await failInsertsInto("organization");
      await expectInjectedFailure(runFirstSetup(ADA), "organization");

      expect(await needsSetup()).toBe(true);
      expect(await counts()).toEqual(NOTHING);

      await stopFailing("organization");
      await runFirstSetup(ADA);
      expect(await counts()).toEqual({ users: 1, accounts: 1, sessions: 1, organizations: 1, members: 1, apiKeys: 1, claims: 1 });
    });

    test("creating the API key fails: claim released, account, member and key gone", async () => {
      await failInsertsInto("apikey");
      await expectInjectedFailure(runFirstSetup(ADA), "apikey");

      expect(await needsSetup()).toBe(true);
      expect(await counts()).toEqual({ users: 0, accounts: 0, sessions: 0, organizations: 0, members: 0, apiKeys: 0, claims: 0 });
    });

    test("sign-up fails half-way (credential account insert): claim released, no workspace", async () => {
      await failInsertsInto("account");
      await expectInjectedFailure(runFirstSetup(ADA), "account");

      expect(await needsSetup()).toBe(true);
      // Better Auth writes user + account in one transaction (drizzleAdapter transaction: true).
      expect(await counts()).toEqual({ users: 0, accounts: 0, sessions: 0, organizations: 0, members: 0, apiKeys: 0, claims: 0 });
    });
  });
});
