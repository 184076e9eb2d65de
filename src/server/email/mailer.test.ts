/**
 * How the mailer behaves without SMTP_URL: in development and test it prints the message (clearly
 * marked as not sent); in production it refuses with EmailNotConfiguredError. Each case loads the
 * config afresh with its own environment.
 */
import { afterEach, describe, expect, test, vi } from "vitest";

async function freshMailer(env: Record<string, string | undefined>) {
  vi.resetModules();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return import("./mailer");
}

const message = { to: "dev@example.com", subject: "Reset your Signpost password", text: "Open http://localhost:3000/reset-password?token=abc\n", html: "<p>x</p>" };

describe("mailer without SMTP", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  test("development prints the message, marked as not sent, with its link", async () => {
    const mailer = await freshMailer({ NODE_ENV: "development", SMTP_URL: undefined, EMAIL_FROM: undefined });
    expect(mailer.emailDelivery()).toBe("console");
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await mailer.sendEmail(message);
    expect(log).toHaveBeenCalledTimes(1);
    const printed = String(log.mock.calls[0]![0]);
    expect(printed).toContain("EMAIL NOT SENT (SMTP_URL is not set)");
    expect(printed).toContain("To:      dev@example.com");
    expect(printed).toContain("From:    Signpost <no-reply@localhost>");
    expect(printed).toContain("http://localhost:3000/reset-password?token=abc");
  });

  test("production refuses: flows that need email say it is not configured", async () => {
    const mailer = await freshMailer({ NODE_ENV: "production", SMTP_URL: undefined });
    expect(mailer.emailDelivery()).toBe("unconfigured");
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await expect(mailer.sendEmail(message)).rejects.toBeInstanceOf(mailer.EmailNotConfiguredError);
    expect(log).not.toHaveBeenCalled();
  });

  test("SMTP_URL and EMAIL_FROM are validated with the variable's name in the error", async () => {
    const { parseServerConfig } = await import("@/config/env");
    const base = { SIGNPOST_SECRET: "x".repeat(32) };
    expect(() => parseServerConfig({ ...base, SMTP_URL: "http://mail.example.com" })).toThrow(/SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/);
    expect(() => parseServerConfig({ ...base, EMAIL_FROM: "nobody" })).toThrow(/EMAIL_FROM: must contain an email address/);
    expect(parseServerConfig({ ...base, SMTP_URL: "smtps://u:p@mail.example.com:465", APP_URL: "https://app.example.com" })).toMatchObject({
      smtpUrl: "smtps://u:p@mail.example.com:465",
      emailFrom: "Signpost <no-reply@app.example.com>",
    });
  });

  test("with SMTP_URL delivery is smtp in every environment", async () => {
    const mailer = await freshMailer({ NODE_ENV: "production", SMTP_URL: "smtp://user:pass@mail.example.com:587" });
    expect(mailer.emailDelivery()).toBe("smtp");
  });
});
