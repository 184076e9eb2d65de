/**
 * Accounts end to end on the built app (`next start`, middleware in Next's edge sandbox), with a
 * real SMTP server receiving its mail:
 * - the edge gate: dashboard paths without a valid cookie go to /login?next=…, whatever
 *   `x-middleware-subrequest` says; forged cookies are cleared;
 * - the forms as a browser without JavaScript posts them (plain multipart posts of the rendered
 *   form, no browser needed): sign up, the gate with a session, members and roles, invitations,
 *   sign out everywhere;
 * - in chromium, with client JavaScript and without: sign up, sign out, sign in back to `next`
 *   (never to another site), and reset the password from the email's link, which works once.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startApp, type RunningApp } from "../support/app-server";
import { backends } from "../support/databases";
import { CookieJar, linkIn, startSmtp, type TestSmtp } from "../integration/auth-helpers";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (see .ci/run)`);
const SCREENSHOTS = path.resolve("tmp", "screenshots");

let app: RunningApp;
let smtp: TestSmtp;


const get = (pathname: string, headers: Record<string, string> = {}) => fetch(`${app.url}${pathname}`, { redirect: "manual", headers });

/** A browser without JavaScript: follows redirects, keeps cookies, posts forms as rendered. */
class NoJsBrowser {
  readonly jar = new CookieJar();
  url = "";
  html = "";
  status = 0;

  private async request(url: string, init: RequestInit = {}): Promise<void> {
    let target = url;
    let options: RequestInit = init;
    for (let hops = 0; hops < 10; hops++) {
      const response = await fetch(target, { ...options, redirect: "manual", headers: { ...(options.headers as Record<string, string>), cookie: this.jar.header() } });
      this.jar.store(response.headers.getSetCookie());
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        target = new URL(location, target).toString();
        // 303 (and 302/301 after a POST) become a GET; 307/308 keep the method.
        if (response.status === 303 || options.method === undefined || options.method === "GET") options = {};
        continue;
      }
      this.url = target;
      this.status = response.status;
      this.html = await response.text();
      return;
    }
    throw new Error(`too many redirects from ${url}`);
  }

  goto(pathname: string): Promise<void> {
    return this.request(new URL(pathname, app.url).toString());
  }

  /** Fills and submits the form whose submit button reads `button`, as a no-JS browser does. */
  async submit(button: string, fields: Record<string, string> = {}): Promise<void> {
    const forms = this.html.match(/<form[\s\S]*?<\/form>/g) ?? [];
    const form = forms.find((f) => new RegExp(`<button[^>]*type="submit"[^>]*>${button.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}</button>`).test(f));
    if (!form) throw new Error(`no form with a "${button}" button on ${this.url}:\n${this.html.slice(0, 2000)}`);
    const body = new FormData();
    for (const input of form.match(/<input[^>]*>/g) ?? []) {
      const attrs = Object.fromEntries([...input.matchAll(/([\w:$-]+)="([^"]*)"/g)].map((m) => [m[1]!, decode(m[2]!)]));
      if (attrs.type === "hidden" && attrs.name) body.append(attrs.name, attrs.value ?? "");
    }
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    const action = /<form[^>]*action="([^"]*)"/.exec(form)?.[1];
    await this.request(new URL(action ? decode(action) : this.url, this.url).toString(), { method: "POST", body });
  }

  text(): string {
    return decode(this.html.replace(/<[^>]+>/g, " ")).replace(/\s+/g, " ");
  }
}

function decode(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

describe.each(backends())("accounts on the built app with %s", (backend) => {
  beforeAll(async () => {
    // A mailbox per backend: no message from one app's run can be read by the next's.
    smtp = await startSmtp();
    app = await startApp(backend, { SMTP_URL: smtp.url, EMAIL_FROM: "Signpost <robot@signpost.test>" });
  });
  afterAll(async () => {
    await app?.stop();
    await smtp?.stop();
  });

  describe("the edge gate on the built app", () => {
    test.each(["/settings/account", "/settings/members?tab=x", "/settings", "/app", "/app/links/abc", "/settings/%61ccount"])("%s without a session goes to /login?next=…", async (pathname) => {
      const response = await get(pathname);
      expect(response.status).toBe(307);
      const location = new URL(response.headers.get("location")!, app.url);
      expect(location.origin).toBe(app.url);
      expect(location.pathname).toBe("/login");
      expect(location.searchParams.get("next")).toBe(pathname);
    });

    test("an encoded first segment is a short link (answered by the edge), never the settings page", async () => {
      const response = await get("/%73ettings/account");
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain("Where you are signed in");
    });

    test.each(["middleware", "middleware:middleware:middleware:middleware:middleware", "src/middleware", "src/middleware:src/middleware:src/middleware:src/middleware:src/middleware", "pages/_middleware"])(
      "x-middleware-subrequest: %s does not skip the gate",
      async (value) => {
        const response = await get("/settings/account", { "x-middleware-subrequest": value });
        expect(response.status).toBe(307);
        expect(response.headers.get("location")).toContain("/login?next=%2Fsettings%2Faccount");
      },
    );

    test("a forged session cookie is refused and cleared", async () => {
      const forged = `better-auth.session_token=${encodeURIComponent(`forged-token.${btoa("x".repeat(32))}`)}`;
      const response = await get("/settings/account", { cookie: forged });
      expect(response.status).toBe(307);
      expect(response.headers.getSetCookie().some((c) => c.startsWith("better-auth.session_token=;") && /Max-Age=0/i.test(c))).toBe(true);
    });

    test("the sign-in pages themselves are not gated", async () => {
      for (const pathname of ["/login", "/signup", "/forgot-password", "/reset-password", "/verify-email"]) {
        const response = await get(pathname);
        expect(response.status, `${pathname}\n${app.output().slice(-3000)}`).toBe(200);
      }
    });
  });

  describe("account forms posted without JavaScript", () => {
    const password = "no script needed passphrase";

    test("sign up, land where the gate sent us, invite a member who signs up, confirms and accepts; roles apply; sign out everywhere", async () => {
      const owner = new NoJsBrowser();
      await owner.goto("/settings/members");
      expect(owner.url).toBe(`${app.url}/login?next=%2Fsettings%2Fmembers`);
      await owner.goto("/signup?next=%2Fsettings%2Fmembers");
      await owner.submit("Create account", { name: "Olive", email: "olive@example.com", password: "short", workspace: "Orchard" });
      expect(owner.status).toBe(200);
      expect(owner.html).toMatch(/<input[^>]*aria-invalid="true"[^>]*aria-describedby="password-error password-hint"/);
      expect(owner.html).toMatch(/<input[^>]*autofocus=""/);
      expect(owner.text()).toContain("Use at least 10 characters.");
      await owner.submit("Create account", { name: "Olive", email: "olive@example.com", password, workspace: "Orchard" });
      expect(owner.url).toBe(`${app.url}/settings/members`);
      expect(owner.text()).toContain("Members of Orchard");
      await smtp.next("olive@example.com"); // confirmation email

      // Invite someone as a viewer; the email carries the link.
      await owner.submit("Send invitation", { email: "pip@example.com", role: "viewer" });
      expect(owner.text()).toContain("Invitation sent to pip@example.com");
      const invite = linkIn(await smtp.next("pip@example.com"), `${app.url}/invite/`);

      // The invitee: the invitation page, sign-up from it, confirm the email, accept.
      const pip = new NoJsBrowser();
      await pip.goto(invite.pathname);
      expect(pip.text()).toContain("Olive invited pip@example.com to the workspace Orchard as viewer");
      await pip.goto(`/signup?invitation=${invite.pathname.split("/").at(-1)}`);
      await pip.submit("Create account", { name: "Pip", email: "pip@example.com", password: "invited viewer passphrase" });
      expect(pip.url).toBe(`${app.url}${invite.pathname}`);
      expect(pip.text()).toContain("Confirm your email address first");
      const confirm = linkIn(await smtp.next("pip@example.com"), `${app.url}/verify-email?token=`);
      await pip.goto(`${confirm.pathname}${confirm.search}`);
      await pip.submit("Confirm my email");
      expect(pip.text()).toContain("Your email address is confirmed");
      await pip.goto(invite.pathname);
      await pip.submit("Join Orchard");
      expect(pip.url).toBe(`${app.url}/settings/members`);
      expect(pip.text()).toContain("Members of Orchard");
      // A viewer sees members but no management forms.
      expect(pip.html).not.toContain("Send invitation");
      expect(pip.html).not.toContain(">Remove<");
      await pip.goto("/settings/api-keys");
      expect(pip.text()).toContain("Only owners and admins create and revoke keys.");

      // The owner promotes Pip to member, then creates an API key shown once.
      await owner.goto("/settings/members");
      expect(owner.text()).toContain("pip@example.com");
      const roleForms = owner.html.match(/<form[^>]*aria-label="Role of pip@example.com"[\s\S]*?<\/form>/);
      expect(roleForms).not.toBeNull();
      owner.html = roleForms![0];
      await owner.submit("Change", { role: "member" });
      expect(owner.text()).toContain("Role changed to member.");
      await owner.goto("/settings/api-keys");
      await owner.submit("Create key", { name: "CI", scopes: "links:read", expiresInDays: "never" });
      const key = /data-testid="secret-key">([^<]+)</.exec(owner.html)?.[1];
      expect(key).toMatch(/^sp_/);
      const listed = await fetch(`${app.url}/api/v1/links`, { headers: { authorization: `Bearer ${key}` } });
      expect(listed.status).toBe(200);

      // A lapsed snapshot: the gate sends the page load through Node's refresh and back.
      const snapshot = owner.jar.get("better-auth.session_data");
      expect(snapshot).toBeTruthy();
      owner.jar.delete("better-auth.session_data");
      const stale = await fetch(`${app.url}/settings/account`, { redirect: "manual", headers: { cookie: owner.jar.header() } });
      expect(stale.status).toBe(307);
      expect(new URL(stale.headers.get("location")!, app.url).toString()).toBe(`${app.url}/api/auth/session-refresh?next=%2Fsettings%2Faccount`);
      await owner.goto("/settings/account");
      expect(owner.url).toBe(`${app.url}/settings/account`);
      expect(owner.jar.get("better-auth.session_data")).toBeTruthy();

      // Sign out everywhere: the gate sends us to sign in again.
      await owner.goto("/settings/account");
      expect(owner.text()).toContain("Where you are signed in");
      const before = owner.jar.header();
      await owner.submit("Sign out everywhere");
      expect(owner.url).toBe(`${app.url}/login`);
      // Even the old cookies, still validly signed, no longer open a page: Node refuses them.
      const replay = await fetch(`${app.url}/settings/account`, { redirect: "manual", headers: { cookie: before } });
      if (replay.status === 200) expect.unreachable("a signed-out session rendered the account page");
      expect([303, 307]).toContain(replay.status);
    });

    test("forgot password: the email's link sets a new password once", async () => {
      const user = new NoJsBrowser();
      await user.goto("/signup");
      await user.submit("Create account", { name: "Quinn", email: "quinn@example.com", password, workspace: "Quarry" });
      expect(user.url).toBe(`${app.url}/app`);
      await smtp.next("quinn@example.com");

      const visitor = new NoJsBrowser();
      await visitor.goto("/forgot-password");
      await visitor.submit("Send the link", { email: "quinn@example.com" });
      expect(visitor.text()).toContain("a link to choose a new password is on its way");
      const link = linkIn(await smtp.next("quinn@example.com"), `${app.url}/reset-password?token=`);
      await visitor.goto(`${link.pathname}${link.search}`);
      await visitor.submit("Set the new password", { password: "quinn's new passphrase", confirm: "quinn's new passphrase" });
      expect(visitor.text()).toContain("Your password is changed");
      await visitor.goto(`${link.pathname}${link.search}`);
      await visitor.submit("Set the new password", { password: "and yet another one", confirm: "and yet another one" });
      expect(visitor.text()).toContain("This link is invalid or has expired");

      // The reset signed the old session out; the new password works.
      await user.goto("/settings/account");
      expect(user.url).toBe(`${app.url}/login?next=%2Fsettings%2Faccount`);
      // A crafted next is dropped by the page and, posted anyway, by the action.
      await user.goto(`/login?next=${encodeURIComponent("https://evil.com/")}`);
      expect(user.html).not.toMatch(/name="next"/);
      await user.submit("Sign in", { email: "quinn@example.com", password: "quinn's new passphrase", next: "https://evil.com/" });
      expect(user.url).toBe(`${app.url}/app`);
    });
  });

  describe.skipIf(!haveChromium)("account pages in chromium", () => {
    let browser: Browser;
    beforeAll(async () => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      });
    });
    afterAll(async () => {
      await browser?.close();
    });

    async function signIn(page: Page, email: string, password: string) {
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Sign in" }).click();
    }

    for (const javaScriptEnabled of [true, false]) {
      const mode = javaScriptEnabled ? "js" : "nojs";
      test(`${javaScriptEnabled ? "with" : "without"} JavaScript: sign up, sign out, sign in to next, reset the password once`, async () => {
        // Each run is its own client address: the per-IP sign-up limit (5 an hour) is already spent
        // on 127.0.0.1 by the tests above, which is the limiter doing its job.
        const context = await browser.newContext({ javaScriptEnabled, extraHTTPHeaders: { "x-forwarded-for": `198.51.100.${javaScriptEnabled ? 10 : 20}` } });
        const page = await context.newPage();
        const email = `grace-${mode}@example.com`;

        // The gate sends us to sign in, remembering where we were going.
        await page.goto(`${app.url}/settings/members`);
        await page.waitForURL(`${app.url}/login?next=%2Fsettings%2Fmembers`);
        await page.getByRole("link", { name: "Create an account" }).click();
        await page.waitForURL(/\/signup\?next=/);

        // Field errors are tied to their fields; a breached password is refused clearly.
        await page.getByLabel("Your name").fill("Grace");
        await page.getByLabel("Email").fill(email);
        await page.getByLabel("Password").fill("password1234");
        await page.getByLabel("Workspace name").fill("Navy");
        await page.getByRole("button", { name: "Create account" }).click();
        await expect.poll(() => page.locator("p.form-error[role=alert]").textContent()).toContain("commonly used passwords");
        const passwordInput = page.locator('input[name="password"]');
        expect(await passwordInput.getAttribute("aria-invalid")).toBe("true");
        expect(await passwordInput.getAttribute("aria-describedby")).toContain("password-error");
        expect(await page.evaluate(() => document.activeElement?.getAttribute("name"))).toBe("password");
        expect(await page.getByLabel("Your name").inputValue()).toBe("Grace");

        await page.getByLabel("Password").fill("a sufficiently unusual passphrase");
        await page.getByRole("button", { name: "Create account" }).click();
        await page.waitForURL(`${app.url}/settings/members`);
        expect(await page.getByRole("heading", { name: "Members of Navy" }).isVisible()).toBe(true);
        await smtp.next(email); // the confirmation email

        // Sign out (a POST), then the gate applies again.
        await page.goto(`${app.url}/logout`);
        await page.getByRole("button", { name: "Sign out" }).click();
        await page.waitForURL(`${app.url}/login`);
        await page.goto(`${app.url}/settings/account`);
        await page.waitForURL(`${app.url}/login?next=%2Fsettings%2Faccount`);

        // An open-redirect next is ignored: we land on our own default page.
        await page.goto(`${app.url}/login?next=${encodeURIComponent("//evil.com/x")}`);
        await signIn(page, email, "a sufficiently unusual passphrase");
        await page.waitForURL(`${app.url}/app`);
        await page.goto(`${app.url}/settings/account`);
        await page.screenshot({ path: path.join(SCREENSHOTS, `account-settings-${mode}.png`), fullPage: true });

        // Forgot password: the email's link sets a new password once.
        await page.goto(`${app.url}/logout`);
        await page.getByRole("button", { name: "Sign out" }).click();
        await page.waitForURL(`${app.url}/login`);
        await page.getByRole("link", { name: "Forgot your password?" }).click();
        // With JavaScript this is a client-side navigation: until it lands, "Email" is still the
        // login form's field, and filling that one would post an empty reset form.
        await page.waitForURL(`${app.url}/forgot-password`);
        await page.getByLabel("Email").fill(email);
        await page.getByRole("button", { name: "Send the link" }).click();
        await expect.poll(() => page.getByRole("status").textContent()).toContain("is on its way");
        const link = linkIn(await smtp.next(email), `${app.url}/reset-password?token=`);

        await page.goto(link.toString());
        await page.getByLabel("New password", { exact: true }).fill("my brand new passphrase");
        await page.getByLabel("New password, again").fill("my brand new passphrase");
        await page.getByRole("button", { name: "Set the new password" }).click();
        await expect.poll(() => page.getByRole("status").textContent()).toContain("Your password is changed");

        await page.goto(link.toString());
        await page.getByLabel("New password", { exact: true }).fill("another new passphrase");
        await page.getByLabel("New password, again").fill("another new passphrase");
        await page.getByRole("button", { name: "Set the new password" }).click();
        await expect.poll(() => page.locator("p.form-error[role=alert]").textContent()).toContain("invalid or has expired");

        await page.goto(`${app.url}/login?next=%2Fsettings%2Fmembers`);
        await signIn(page, email, "my brand new passphrase");
        await page.waitForURL(`${app.url}/settings/members`);
        await context.close();
      });
    }
  });
});
