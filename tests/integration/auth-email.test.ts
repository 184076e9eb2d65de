/**
 * Email over real SMTP: a local smtp-server receives what Signpost sends through nodemailer
 * (SMTP_URL with credentials, EMAIL_FROM). Covers the verification email on sign-up, the password
 * reset email and its link (works once, signs every session out), the password policy on reset,
 * and no email (and no hint) for an address without an account.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { AccountError, requestPasswordReset, resendVerification, resetPassword, signIn, signUp, verifyEmail } from "@/server/auth/accounts";
import { currentSession } from "@/server/auth/session";
import { user } from "@/server/db/schema";
import { backends, type TestDatabase } from "../support/databases";
import { openTestDatabase } from "../support/integration-helpers";
import { CookieJar, linkIn, startSmtp, type TestSmtp } from "./auth-helpers";

const APP_URL = "http://localhost:3000";
const FROM = "Signpost Test <robot@signpost.test>";

async function expectAccountError(attempt: Promise<unknown>, code: string, field?: string): Promise<AccountError> {
  const error = await attempt.then(
    () => expect.unreachable("should have been refused"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AccountError);
  const accountError = error as AccountError;
  expect(accountError.code, accountError.message).toBe(code);
  if (field !== undefined) expect(accountError.field).toBe(field);
  expect(accountError.message.length).toBeGreaterThan(10);
  return accountError;
}

// One SMTP server for the file: the configuration (SMTP_URL) is read once per process.
let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await startSmtp();
  vi.stubEnv("SMTP_URL", smtp.url);
  vi.stubEnv("EMAIL_FROM", FROM);
});
afterAll(async () => {
  await smtp?.stop();
  vi.unstubAllEnvs();
});

describe.each(backends())("account emails over SMTP on %s", (backend) => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  test("sign-up sends a verification email (text and HTML, from EMAIL_FROM, over authenticated SMTP); its link verifies", async () => {
    const jar = new CookieJar();
    const created = await signUp({ name: "Vera", email: "vera@example.com", password: "a long and unusual passphrase", workspace: "Vera's" }, jar.headers());
    jar.store(created.cookies);

    const mail = await smtp.next("vera@example.com");
    expect(mail.authUser).toBe("mailer");
    expect(mail.from).toBe(FROM);
    expect(mail.subject).toBe("Confirm your email for Signpost");
    expect(mail.text).toContain("Hi Vera,");
    expect(mail.html).toContain("<!doctype html>");
    expect(mail.html).toContain("Hi Vera,");
    const link = linkIn(mail, `${APP_URL}/verify-email?token=`);

    const before = await currentSession(jar.headers());
    expect(before?.user.emailVerified).toBe(false);
    await verifyEmail(link.searchParams.get("token")!);
    const [row] = await testDb.database.db.select().from(user).where(eq(user.email, "vera@example.com"));
    expect(row!.emailVerified).toBe(true);
    // A verified user asking again gets nothing more.
    const sent = smtp.inbox.length;
    await resendVerification(jar.headers());
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(smtp.inbox.length).toBe(sent);
  });

  test("a tampered verification token is refused and verifies nothing", async () => {
    const jar = new CookieJar();
    jar.store((await signUp({ name: "Tom", email: "tom@example.com", password: "another unusual passphrase" }, jar.headers())).cookies);
    const token = linkIn(await smtp.next("tom@example.com"), `${APP_URL}/verify-email?token=`).searchParams.get("token")!;
    await expectAccountError(verifyEmail(`${token.slice(0, -2)}xx`), "INVALID_TOKEN");
    expect((await currentSession(jar.headers()))?.user.emailVerified).toBe(false);
  });

  test("the reset link works once, sets the new password and signs out every session", async () => {
    const email = "rosa@example.com";
    const oldPassword = "rosa's original passphrase";
    const laptop = new CookieJar();
    laptop.store((await signUp({ name: "Rosa", email, password: oldPassword, workspace: "Rosa" }, laptop.headers())).cookies);
    await smtp.next(email); // the verification email
    const phone = new CookieJar();
    phone.store((await signIn({ email, password: oldPassword, remember: true }, phone.headers())).cookies);
    expect(await currentSession(laptop.headers())).not.toBeNull();
    expect(await currentSession(phone.headers())).not.toBeNull();

    await requestPasswordReset(email, new CookieJar().headers());
    const mail = await smtp.next(email);
    expect(mail.subject).toBe("Reset your Signpost password");
    expect(mail.text).toContain("works once");
    const link = linkIn(mail, `${APP_URL}/reset-password?token=`);
    const token = link.searchParams.get("token")!;

    // A common password is refused with a clear message, and the token survives the refusal.
    const weak = await expectAccountError(resetPassword(token, "password1234", new CookieJar().headers()), "WEAK_PASSWORD", "password");
    expect(weak.message).toMatch(/commonly used passwords/);

    await resetPassword(token, "rosa's brand new passphrase", new CookieJar().headers());
    // Once: the same link again is refused.
    await expectAccountError(resetPassword(token, "yet another new passphrase", new CookieJar().headers()), "INVALID_TOKEN");

    // Every session is gone, though their cookies are still validly signed.
    expect(await currentSession(laptop.headers())).toBeNull();
    expect(await currentSession(phone.headers())).toBeNull();
    await expectAccountError(signIn({ email, password: oldPassword, remember: true }, new CookieJar().headers()), "INVALID_EMAIL_OR_PASSWORD", "password");
    const fresh = await signIn({ email, password: "rosa's brand new passphrase", remember: true }, new CookieJar().headers());
    expect(fresh.cookies.some((c) => c.startsWith("better-auth.session_token="))).toBe(true);
  });

  test("asking to reset an unknown address answers the same and sends nothing", async () => {
    const before = smtp.inbox.length;
    await requestPasswordReset("nobody@example.com", new CookieJar().headers());
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.inbox.length).toBe(before);
  });

  test("a made-up reset token is refused", async () => {
    await expectAccountError(resetPassword("not-a-real-token", "a perfectly fine passphrase", new CookieJar().headers()), "INVALID_TOKEN");
  });
});
