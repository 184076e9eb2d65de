/**
 * Invitations by email over real SMTP: accepted by a new user (sign up, confirm the email, accept)
 * and by an existing one; only the invited address can accept, only once, only before expiry, and
 * only with a confirmed email. Accepting makes that workspace the active one with the invited role.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import {
  acceptInvitation,
  AccountError,
  cancelInvitation,
  inviteMember,
  signIn,
  signUp,
  verifyEmail,
  viewInvitation,
} from "@/server/auth/accounts";
import { requireAction } from "@/server/auth/session";
import { invitation } from "@/server/db/schema";
import { backends, type TestDatabase } from "../support/databases";
import { openWithOwner, PASSWORD, type Owner } from "../support/integration-helpers";
import { CookieJar, linkIn, startSmtp, type TestSmtp } from "./auth-helpers";

const APP_URL = "http://localhost:3000";

async function refusal(attempt: Promise<unknown>): Promise<AccountError> {
  const error = await attempt.then(
    () => expect.unreachable("should have been refused"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AccountError);
  return error as AccountError;
}

let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await startSmtp();
  vi.stubEnv("SMTP_URL", smtp.url);
});
afterAll(async () => {
  await smtp?.stop();
  vi.unstubAllEnvs();
});

describe.each(backends())("invitations on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: Owner;
  let ownerJar: CookieJar;

  beforeAll(async () => {
    const opened = await openWithOwner(backend);
    testDb = opened.testDb;
    owner = opened.owner;
    ownerJar = new CookieJar().store((await signIn({ email: "ada@example.com", password: PASSWORD, remember: true }, new CookieJar().headers())).cookies);
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  /** Sends an invitation and returns the id from the link in the email that arrived. */
  async function invite(email: string, role: "admin" | "member" | "viewer"): Promise<string> {
    await inviteMember(ownerJar.headers(), email, role);
    const mail = await smtp.next(email);
    expect(mail.subject).toBe("Ada invited you to Acme on Signpost");
    expect(mail.text).toContain(`as ${role === "admin" ? "an" : "a"} ${role}`);
    expect(mail.text).toContain("valid for 7 days");
    const link = linkIn(mail, `${APP_URL}/invite/`);
    return decodeURIComponent(link.pathname.split("/").at(-1)!);
  }

  test("a new user: invitation email, sign-up, email confirmation, accept; lands in the workspace with the role", async () => {
    const email = `newbie-${backend}@example.com`;
    const id = await invite(email, "member");
    expect(await viewInvitation(id)).toMatchObject({ email, role: "member", workspace: "Acme", inviter: "Ada", state: "pending" });

    // Sign-up through the invitation: no workspace of their own.
    const jar = new CookieJar();
    jar.store((await signUp({ name: "Newbie", email, password: "fresh recruit passphrase" }, jar.headers())).cookies);
    // Accepting needs a confirmed address.
    expect((await refusal(acceptInvitation(jar.headers(), id))).code).toBe("EMAIL_VERIFICATION_REQUIRED_BEFORE_ACCEPTING_OR_REJECTING_INVITATION");
    const token = linkIn(await smtp.next(email), `${APP_URL}/verify-email?token=`).searchParams.get("token")!;
    await verifyEmail(token);

    const accepted = await acceptInvitation(jar.headers(), id);
    expect(accepted.workspaceId).toBe(owner.workspaceId);
    jar.store(accepted.cookies);
    const session = await requireAction(jar.headers(), "links:write");
    expect(session.workspace).toMatchObject({ id: owner.workspaceId, role: "member" });
    await expect(requireAction(jar.headers(), "members:manage")).rejects.toMatchObject({ reason: "forbidden" });

    // Used once.
    expect((await viewInvitation(id))?.state).toBe("accepted");
    expect((await refusal(acceptInvitation(jar.headers(), id))).code).toBe("INVITATION_NOT_FOUND");
  });

  test("an existing user with their own workspace accepts and switches to the new one", async () => {
    const email = `veteran-${backend}@example.com`;
    const jar = new CookieJar();
    jar.store((await signUp({ name: "Veteran", email, password: "old hand passphrase", workspace: "Veteran Co" }, jar.headers())).cookies);
    await verifyEmail(linkIn(await smtp.next(email), `${APP_URL}/verify-email?token=`).searchParams.get("token")!);
    const before = await requireAction(jar.headers(), "workspace:read");
    expect(before.workspace.name).toBe("Veteran Co");

    const id = await invite(email, "viewer");
    // Someone else, signed in, holding the link, cannot take it.
    const other = new CookieJar();
    other.store((await signUp({ name: "Other", email: `other-${backend}@example.com`, password: "interloper passphrase", workspace: "Other" }, other.headers())).cookies);
    expect((await refusal(acceptInvitation(other.headers(), id))).code).toBe("YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION");

    jar.store((await acceptInvitation(jar.headers(), id)).cookies);
    const after = await requireAction(jar.headers(), "workspace:read");
    expect(after.workspace).toMatchObject({ id: owner.workspaceId, role: "viewer" });
    expect(after.workspaces.map((w) => w.name).sort()).toEqual(["Acme", "Veteran Co"]);
  });

  test("expired and cancelled invitations cannot be accepted", async () => {
    const email = `late-${backend}@example.com`;
    const jar = new CookieJar();
    jar.store((await signUp({ name: "Late", email, password: "better late passphrase" }, jar.headers())).cookies);
    await verifyEmail(linkIn(await smtp.next(email), `${APP_URL}/verify-email?token=`).searchParams.get("token")!);

    const expiredId = await invite(email, "member");
    await testDb.database.db.update(invitation).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitation.id, expiredId));
    expect((await viewInvitation(expiredId))?.state).toBe("expired");
    expect((await refusal(acceptInvitation(jar.headers(), expiredId))).code).toBe("INVITATION_NOT_FOUND");

    const cancelledId = await invite(email, "member");
    await cancelInvitation(ownerJar.headers(), cancelledId);
    expect((await viewInvitation(cancelledId))?.state).toBe("canceled");
    expect((await refusal(acceptInvitation(jar.headers(), cancelledId))).code).toBe("INVITATION_NOT_FOUND");
    await expect(requireAction(jar.headers(), "workspace:read")).rejects.toMatchObject({ reason: "no_workspace" });
  });
});
