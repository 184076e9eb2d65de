/**
 * Abuse limits and the password policy: sign-in, sign-up and reset are limited per IP and per
 * account, both for the pages' server-side calls and for Better Auth's HTTP endpoints (database
 * storage, so every instance shares the counts); common passwords are refused with a clear message.
 */
import { like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { POST as authPost } from "@/app/api/auth/[...all]/route";
import { AccountError, requestPasswordReset, signIn, signUp } from "@/server/auth/accounts";
import { passwordProblem } from "@/server/auth/password-policy";
import { AUTH_LIMITS } from "@/server/auth/rate-limit";
import { rateLimit } from "@/server/db/schema";
import { backends, type TestDatabase } from "../support/databases";
import { BASE_URL, openTestDatabase } from "../support/integration-helpers";

const PASSWORD = "limits apply to everyone";

async function refusal(attempt: Promise<unknown>): Promise<AccountError> {
  const error = await attempt.then(
    () => expect.unreachable("should have been refused"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AccountError);
  return error as AccountError;
}

const from = (ip: string) => new Headers({ "x-forwarded-for": ip });

describe.each(backends())("abuse limits on %s", (backend) => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await openTestDatabase(backend);
    await signUp({ name: "Target", email: "target@example.com", password: PASSWORD }, from("192.0.2.1"));
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  test("sign-in is limited per account, whatever the IP: then even the right password waits", async () => {
    const max = AUTH_LIMITS.signIn.perAccount.max;
    for (let i = 0; i < max; i++) {
      expect((await refusal(signIn({ email: "target@example.com", password: `wrong guess ${i}`, remember: false }, from(`198.51.100.${i + 1}`)))).code).toBe("INVALID_EMAIL_OR_PASSWORD");
    }
    const limited = await refusal(signIn({ email: "Target@Example.com", password: PASSWORD, remember: false }, from("198.51.100.200")));
    expect(limited.code).toBe("RATE_LIMITED");
    expect(limited.message).toMatch(/Too many attempts\. Try again in \d+ minutes\./);
    // Counters are stored hashed: no email address in the table.
    const rows = await testDb.database.db.select().from(rateLimit).where(like(rateLimit.key, "signpost:signIn:account:%"));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.key).not.toContain("target");
    expect(rows[0]!.count).toBe(max + 1);
  });

  test("sign-in is limited per IP, whatever the account", async () => {
    const max = AUTH_LIMITS.signIn.perIp.max;
    for (let i = 0; i < max; i++) {
      expect((await refusal(signIn({ email: `nobody${i}@example.com`, password: PASSWORD, remember: false }, from("203.0.113.50")))).code).toBe("INVALID_EMAIL_OR_PASSWORD");
    }
    expect((await refusal(signIn({ email: "someone-else@example.com", password: PASSWORD, remember: false }, from("203.0.113.50")))).code).toBe("RATE_LIMITED");
    // Another address is not affected.
    expect((await refusal(signIn({ email: "someone-else@example.com", password: PASSWORD, remember: false }, from("203.0.113.51")))).code).toBe("INVALID_EMAIL_OR_PASSWORD");
  });

  test("Better Auth's HTTP sign-in is limited per IP in the database", async () => {
    const attempt = () =>
      authPost(
        new Request(`${BASE_URL}/api/auth/sign-in/email`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: BASE_URL, "x-forwarded-for": "203.0.113.77" },
          body: JSON.stringify({ email: `http-${crypto.randomUUID()}@example.com`, password: PASSWORD }),
        }),
      );
    const statuses: number[] = [];
    for (let i = 0; i <= AUTH_LIMITS.signIn.perIp.max; i++) statuses.push((await attempt()).status);
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const rows = await testDb.database.db.select().from(rateLimit).where(like(rateLimit.key, "%sign-in/email%"));
    expect(rows.length).toBeGreaterThanOrEqual(1);
  });

  test("password reset requests are limited per account", async () => {
    const max = AUTH_LIMITS.requestReset.perAccount.max;
    for (let i = 0; i < max; i++) await requestPasswordReset("target@example.com", from(`198.18.0.${i + 1}`));
    expect((await refusal(requestPasswordReset("target@example.com", from("198.18.0.99")))).code).toBe("RATE_LIMITED");
  });

  test("sign-up is limited per IP", async () => {
    const max = AUTH_LIMITS.signUp.perIp.max;
    for (let i = 0; i < max; i++) await signUp({ name: `N${i}`, email: `new${i}@example.com`, password: PASSWORD }, from("203.0.113.90"));
    expect((await refusal(signUp({ name: "More", email: "more@example.com", password: PASSWORD }, from("203.0.113.90")))).code).toBe("RATE_LIMITED");
  });

  test("common and short passwords are refused with a clear message, on the pages and over HTTP", async () => {
    expect(passwordProblem("short")).toBe("Use at least 10 characters.");
    expect(passwordProblem("Password1234")).toMatch(/commonly used passwords/);
    expect(passwordProblem("qwerty uiop")).toMatch(/commonly used passwords/);
    expect(passwordProblem("x".repeat(129))).toBe("Use at most 128 characters.");
    expect(passwordProblem("violet kettle on a tuesday")).toBeNull();

    const weak = await refusal(signUp({ name: "Weak", email: "weak@example.com", password: "iloveyou12" }, from("192.0.2.10")));
    expect(weak).toMatchObject({ code: "WEAK_PASSWORD", field: "password" });

    const response = await authPost(
      new Request(`${BASE_URL}/api/auth/sign-up/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: BASE_URL, "x-forwarded-for": "192.0.2.11" },
        body: JSON.stringify({ name: "Weak", email: "weak-http@example.com", password: "1234567890" }),
      }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "WEAK_PASSWORD", message: expect.stringMatching(/commonly used passwords/) });
    // Nothing was created.
    expect((await refusal(signIn({ email: "weak-http@example.com", password: "1234567890", remember: false }, from("192.0.2.12")))).code).toBe("INVALID_EMAIL_OR_PASSWORD");
  });
});
