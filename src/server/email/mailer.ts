import "server-only";
import nodemailer, { type Transporter } from "nodemailer";
import { serverConfig } from "@/config/env";
import type { EmailContent } from "./templates";

/**
 * How this instance delivers email:
 * - `smtp`: SMTP_URL is set; messages go through nodemailer.
 * - `console`: no SMTP_URL outside production; messages are printed to the console (so a fresh
 *   `npm run dev` can still reset passwords and accept invitations).
 * - `unconfigured`: production without SMTP_URL; flows that need email say so instead of pretending.
 */
export type EmailDelivery = "smtp" | "console" | "unconfigured";

export function emailDelivery(): EmailDelivery {
  const config = serverConfig();
  if (config.smtpUrl) return "smtp";
  return config.nodeEnv === "production" ? "unconfigured" : "console";
}

/** Thrown when a flow needs email and the instance has no way to send it. */
export class EmailNotConfiguredError extends Error {
  constructor() {
    super("Email is not configured on this instance: set SMTP_URL (and EMAIL_FROM) and restart.");
    this.name = "EmailNotConfiguredError";
  }
}

/** What the user is told when email cannot be sent; pages show it instead of a form. */
export const EMAIL_NOT_CONFIGURED_MESSAGE =
  "Email is not configured on this Signpost instance, so this cannot be done by email. Ask the administrator to set SMTP_URL.";

let cached: { url: string; transport: Transporter } | undefined;

function transport(url: string): Transporter {
  if (cached?.url !== url) {
    cached?.transport.close();
    // Bounded timeouts: a dead mail server fails the request in seconds rather than hanging it.
    cached = { url, transport: nodemailer.createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 }) };
  }
  return cached.transport;
}

export interface OutgoingEmail extends EmailContent {
  to: string;
}

/** Sends one email the way this instance is configured to (see EmailDelivery). */
export async function sendEmail(message: OutgoingEmail): Promise<void> {
  const config = serverConfig();
  const delivery = emailDelivery();
  if (delivery === "unconfigured") throw new EmailNotConfiguredError();
  if (delivery === "console") {
    const rule = "=".repeat(72);
    console.log(
      [
        rule,
        "EMAIL NOT SENT (SMTP_URL is not set) — printed here instead, for development:",
        `From:    ${config.emailFrom}`,
        `To:      ${message.to}`,
        `Subject: ${message.subject}`,
        "",
        message.text.trimEnd(),
        rule,
      ].join("\n"),
    );
    return;
  }
  await transport(config.smtpUrl!).sendMail({
    from: config.emailFrom,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
  });
}
