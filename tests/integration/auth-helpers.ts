/**
 * Helpers for the account tests: a real SMTP server (smtp-server) that keeps what arrives, a tiny
 * MIME reader for nodemailer's messages, a cookie jar that turns Set-Cookie into a Cookie header,
 * and users made through the real sign-up path.
 */
import { SMTPServer } from "smtp-server";
import { expect } from "vitest";
import type { AddressInfo } from "node:net";

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  raw: string;
  /** The user SMTP AUTH was done as, if any. */
  authUser: string | null;
}

export interface TestSmtp {
  url: string;
  inbox: ReceivedMail[];
  /** Waits for the next message to `to` that was not taken yet, and takes it. */
  next(to: string, timeoutMs?: number): Promise<ReceivedMail>;
  stop(): Promise<void>;
}

function decodeQuotedPrintable(body: string): string {
  const soft = body.replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === "=" && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i]!, "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

function decodePart(headers: string, body: string): string {
  const encoding = /content-transfer-encoding:\s*([^\s;]+)/i.exec(headers)?.[1]?.toLowerCase();
  if (encoding === "quoted-printable") return decodeQuotedPrintable(body);
  if (encoding === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  return body;
}

function decodeHeader(value: string): string {
  return value.replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_, kind: string, text: string) =>
    kind.toUpperCase() === "B" ? Buffer.from(text, "base64").toString("utf8") : decodeQuotedPrintable(text.replace(/_/g, " ")),
  );
}

/** Splits nodemailer's multipart/alternative message into its text and HTML parts. */
export function parseMail(raw: string): Pick<ReceivedMail, "from" | "subject" | "text" | "html"> {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const header = (name: string) => decodeHeader(new RegExp(`^${name}:\\s*(.*)$`, "im").exec(head)?.[1] ?? "");
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(head)?.[1];
  let text = "";
  let html = "";
  if (boundary) {
    for (const part of raw.split(`--${boundary}`).slice(1)) {
      const at = part.indexOf("\r\n\r\n");
      if (at < 0) continue;
      const partHead = part.slice(0, at);
      const body = part.slice(at + 4).replace(/\r\n$/, "");
      if (/content-type:\s*text\/plain/i.test(partHead)) text = decodePart(partHead, body);
      else if (/content-type:\s*text\/html/i.test(partHead)) html = decodePart(partHead, body);
    }
  }
  return { from: header("From"), subject: header("Subject"), text, html };
}

/** A local SMTP server requiring `user`/`pass` (plain AUTH without TLS, local tests only). */
export async function startSmtp(credentials = { user: "mailer", pass: "s3cret-pass" }): Promise<TestSmtp> {
  const inbox: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === credentials.user && auth.password === credentials.pass) callback(null, { user: auth.username });
      else callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        inbox.push({
          ...parseMail(raw),
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          raw,
          authUser: typeof session.user === "string" ? session.user : null,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://${credentials.user}:${credentials.pass}@127.0.0.1:${port}`,
    inbox,
    async next(to, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = inbox.find((mail) => !taken.has(mail) && mail.to.includes(to.toLowerCase()));
        if (found) {
          taken.add(found);
          return found;
        }
        if (Date.now() > deadline) throw new Error(`no email to ${to} arrived within ${timeoutMs} ms (inbox: ${inbox.map((m) => `${m.to.join(",")}: ${m.subject}`).join("; ") || "empty"})`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The first link in `mail`'s text part that starts with `prefix`; asserts the HTML has it too. */
export function linkIn(mail: ReceivedMail, prefix: string): URL {
  const match = new RegExp(`${prefix.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\S*`).exec(mail.text);
  expect(match, `a link starting with ${prefix} in:\n${mail.text}`).not.toBeNull();
  const link = match![0];
  expect(mail.html).toContain(`href="${link.replace(/&/g, "&amp;")}"`);
  return new URL(link);
}

/** Keeps cookies the way a browser would (by name; Max-Age=0 deletes) and renders a Cookie header. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(setCookies: readonly string[]): this {
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return this;
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  set(name: string, value: string): this {
    this.cookies.set(name, value);
    return this;
  }

  delete(name: string): this {
    this.cookies.delete(name);
    return this;
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  /** Request headers carrying these cookies, from `ip` (x-forwarded-for, as Next sets it). */
  headers(ip = randomIp()): Headers {
    const headers = new Headers({ "x-forwarded-for": ip, "user-agent": "vitest" });
    const cookie = this.header();
    if (cookie) headers.set("cookie", cookie);
    return headers;
  }
}

/** A random TEST-NET-3 address, so per-IP limits do not tie unrelated tests together. */
export function randomIp(): string {
  return `203.0.113.${1 + Math.floor(Math.random() * 254)}`;
}
