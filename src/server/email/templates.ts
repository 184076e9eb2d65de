import "server-only";

/** One email, ready to send: a subject and the same message as plain text and HTML. */
export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

interface Layout {
  subject: string;
  greeting: string;
  /** Paragraphs of plain text (escaped for HTML). */
  paragraphs: string[];
  action: { label: string; url: string };
  /** Closing lines: why they got it, what to do if it wasn't them. */
  footer: string[];
}

/** Renders one layout to text and HTML, so both always say the same thing. */
function render(layout: Layout): EmailContent {
  const text = [
    layout.greeting,
    "",
    ...layout.paragraphs.flatMap((p) => [p, ""]),
    `${layout.action.label}:`,
    layout.action.url,
    "",
    ...layout.footer,
    "",
    "— Signpost",
    "",
  ].join("\n");
  const p = (content: string) => `<p style="margin:0 0 16px;line-height:1.5">${content}</p>`;
  const html = [
    "<!doctype html>",
    `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(layout.subject)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#f6f7f9;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2328">',
    '<div style="max-width:520px;margin:0 auto;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:24px">',
    p(escapeHtml(layout.greeting)),
    ...layout.paragraphs.map((text) => p(escapeHtml(text))),
    `<p style="margin:24px 0"><a href="${escapeHtml(layout.action.url)}" style="display:inline-block;background:#0969da;color:#fff;text-decoration:none;padding:10px 16px;border-radius:6px;font-weight:600">${escapeHtml(layout.action.label)}</a></p>`,
    p(`Or paste this link into your browser:<br><a href="${escapeHtml(layout.action.url)}" style="color:#0969da;word-break:break-all">${escapeHtml(layout.action.url)}</a>`),
    ...layout.footer.map((text) => `<p style="margin:0 0 8px;line-height:1.5;color:#57606a;font-size:14px">${escapeHtml(text)}</p>`),
    '<p style="margin:16px 0 0;color:#57606a;font-size:14px">— Signpost</p>',
    "</div></body></html>",
  ].join("\n");
  return { subject: layout.subject, text, html };
}

function minutes(seconds: number): string {
  const m = Math.round(seconds / 60);
  return m >= 120 && m % 60 === 0 ? `${m / 60} hours` : `${m} minutes`;
}

function days(seconds: number): string {
  const d = Math.round(seconds / 86_400);
  return d === 1 ? "1 day" : `${d} days`;
}

export function passwordResetEmail(input: { name: string; url: string; expiresInSeconds: number }): EmailContent {
  return render({
    subject: "Reset your Signpost password",
    greeting: `Hi ${input.name},`,
    paragraphs: [
      "Someone (hopefully you) asked to reset the password of your Signpost account.",
      `The link works once and for ${minutes(input.expiresInSeconds)}. Choosing a new password signs you out everywhere else.`,
    ],
    action: { label: "Choose a new password", url: input.url },
    footer: ["If you did not ask for this, ignore this email: your password stays as it is."],
  });
}

export function verifyEmailEmail(input: { name: string; url: string; expiresInSeconds: number }): EmailContent {
  return render({
    subject: "Confirm your email for Signpost",
    greeting: `Hi ${input.name},`,
    paragraphs: [
      "Please confirm that this is your email address, so invitations and password resets can reach you.",
      `The link works for ${minutes(input.expiresInSeconds)}.`,
    ],
    action: { label: "Confirm my email", url: input.url },
    footer: ["If you did not create a Signpost account, ignore this email."],
  });
}

export function invitationEmail(input: { inviter: string; workspace: string; role: string; url: string; expiresInSeconds: number }): EmailContent {
  return render({
    subject: `${input.inviter} invited you to ${input.workspace} on Signpost`,
    greeting: "Hello,",
    paragraphs: [
      `${input.inviter} invited you to join the workspace “${input.workspace}” on Signpost as ${input.role === "admin" ? "an" : "a"} ${input.role}.`,
      `The invitation is valid for ${days(input.expiresInSeconds)}. You can accept it with an existing account or create one.`,
    ],
    action: { label: "Open the invitation", url: input.url },
    footer: ["If you were not expecting this, ignore this email; nothing happens unless you accept."],
  });
}

export function webhookDisabledEmail(input: { workspace: string; url: string; failures: number; lastError: string; settingsUrl: string }): EmailContent {
  return render({
    subject: `A webhook of ${input.workspace} was switched off`,
    greeting: "Hello,",
    paragraphs: [
      `Signpost stopped sending events to ${input.url} after ${input.failures} deliveries in a row failed, each after all its retries.`,
      `The last attempt: ${input.lastError}.`,
      "Events that happen while it is off are not queued for it. Once the endpoint works again, switch it back on on its settings page (or PATCH /api/v1/webhooks/{id} with enabled: true); failed deliveries can be replayed from its delivery log there.",
    ],
    action: { label: "Open the webhook's settings", url: input.settingsUrl },
    footer: [`You get this email as an owner of the ${input.workspace} workspace.`],
  });
}
