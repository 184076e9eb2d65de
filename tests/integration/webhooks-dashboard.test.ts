/**
 * The webhook settings pages' logic (src/server/webhooks/dashboard.ts), which their server actions
 * call with the signed-in member's principal, on real databases: forms in, errors next to their
 * field (the SSRF guard's refusal on `url`), nothing written on a refusal, every button's effect,
 * and viewers and members refused on every write.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import type { Role } from "@/core/scopes";
import { signIn, signUp } from "@/server/auth/accounts";
import { getAuth } from "@/server/auth/auth";
import type { Principal } from "@/server/auth/principal";
import { currentSession } from "@/server/auth/session";
import { webhookDelivery, webhookEndpoint } from "@/server/db/schema";
import { sessionPrincipal } from "@/server/links/dashboard";
import { createWebhookFromForm, runWebhookOperation, updateWebhookFromForm, WEBHOOK_OPERATIONS } from "@/server/webhooks/dashboard";
import { backends, type TestDatabase } from "../support/databases";
import { createWorkspaceWithKey, openWithOwner, PASSWORD, type Owner } from "../support/integration-helpers";
import { CookieJar } from "./auth-helpers";

beforeAll(() => {
  // A loopback receiver is only admitted through the allow-list; 10.x and others stay refused.
  vi.stubEnv("OUTBOUND_ALLOWLIST", "127.0.0.1");
});
afterAll(() => {
  vi.unstubAllEnvs();
});

/** What a browser posts: the URL, the description and one `events` entry per ticked box. */
function form(fields: { url?: string; description?: string; events?: string[] }): FormData {
  const data = new FormData();
  if (fields.url !== undefined) data.set("url", fields.url);
  if (fields.description !== undefined) data.set("description", fields.description);
  for (const event of fields.events ?? []) data.append("events", event);
  return data;
}

describe.each(backends())("webhook settings on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: Owner;
  const principals = {} as Record<Role, Principal>;

  async function principalOf(jar: CookieJar): Promise<Principal> {
    const session = await currentSession(jar.headers());
    if (!session?.workspace) throw new Error("no session or workspace");
    return sessionPrincipal({ ...session, workspace: session.workspace });
  }
  async function join(label: string, role: Role): Promise<Principal> {
    const email = `${label}@example.com`;
    const signedUp = await signUp({ name: label, email, password: PASSWORD }, new CookieJar().headers());
    await (await getAuth()).api.addMember({ body: { userId: signedUp.userId, organizationId: owner.workspaceId, role } });
    return principalOf(new CookieJar().store((await signIn({ email, password: PASSWORD, remember: true }, new CookieJar().headers())).cookies));
  }

  beforeAll(async () => {
    ({ testDb, owner } = await openWithOwner(backend));
    principals.owner = await principalOf(new CookieJar().store((await signIn({ email: "ada@example.com", password: PASSWORD, remember: true }, new CookieJar().headers())).cookies));
    principals.admin = await join("ad", "admin");
    principals.member = await join("mo", "member");
    principals.viewer = await join("vi", "viewer");
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  const db = () => testDb.database.db;
  const endpoints = () => db().select().from(webhookEndpoint).where(eq(webhookEndpoint.workspaceId, owner.workspaceId));
  const endpoint = async (id: string) => (await db().select().from(webhookEndpoint).where(eq(webhookEndpoint.id, id)))[0];
  const deliveries = (id: string) => db().select().from(webhookDelivery).where(eq(webhookDelivery.endpointId, id));
  let serial = 0;
  const created = async (by: Principal = principals.owner) => {
    const result = await createWebhookFromForm(by, form({ url: `http://127.0.0.1:9/hook-${++serial}`, events: ["link.created", "link.deleted"] }));
    if (!result.ok) throw new Error(result.message);
    return result;
  };

  test("an owner's form creates the endpoint with the ticked events and gets the secret once", async () => {
    const result = await createWebhookFromForm(principals.owner, form({ url: " http://127.0.0.1:9/crm ", description: "CRM sync", events: ["link.created", "link.clicked"] }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.secret).toMatch(/^whsec_/);
    expect(result.webhook).toMatchObject({ url: "http://127.0.0.1:9/crm", description: "CRM sync", events: ["link.created", "link.clicked"], enabled: true });
    const row = await endpoint(result.webhook!.id);
    expect(row).toMatchObject({ workspaceId: owner.workspaceId, secret: result.secret, events: ["link.created", "link.clicked"] });
    // An empty description is none, not "".
    const plain = await createWebhookFromForm(principals.admin, form({ url: "http://127.0.0.1:9/plain", description: "  ", events: ["link.updated"] }));
    expect(plain.ok && plain.webhook?.description).toBeNull();
  });

  test.each([
    { label: "no URL", fields: { url: "", events: ["link.created"] }, field: "url" },
    { label: "not http(s)", fields: { url: "ftp://example.com/x", events: ["link.created"] }, field: "url" },
    { label: "credentials in the URL", fields: { url: "https://user:pw@example.com/x", events: ["link.created"] }, field: "url" },
    { label: "no event ticked", fields: { url: "http://127.0.0.1:9/x", events: [] }, field: "events" },
    { label: "an unknown event", fields: { url: "http://127.0.0.1:9/x", events: ["link.exploded"] }, field: "events" },
    { label: "a private address (the SSRF guard)", fields: { url: "http://10.1.2.3/hook", events: ["link.created"] }, field: "url" },
    { label: "the cloud metadata address", fields: { url: "http://169.254.169.254/latest", events: ["link.created"] }, field: "url" },
  ])("$label → a message on '$field' and nothing written", async ({ fields, field }) => {
    const before = (await endpoints()).length;
    const result = await createWebhookFromForm(principals.owner, form(fields));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.fields)).toEqual([field]);
    expect(result.fields[field]).toMatch(field === "url" ? /^The URL / : /^Events /);
    expect((await endpoints()).length).toBe(before);
  });

  test("the SSRF refusal says why and how self-hosters allow an internal receiver", async () => {
    const result = await createWebhookFromForm(principals.owner, form({ url: "http://10.1.2.3/hook", events: ["link.created"] }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.fields.url).toContain("OUTBOUND_ALLOWLIST");
  });

  test("the edit form changes URL, description and events; a refused edit changes nothing", async () => {
    const { webhook } = await created();
    const saved = await updateWebhookFromForm(principals.owner, webhook!.id, form({ url: "http://127.0.0.1:9/moved", description: "Moved", events: ["link.updated"] }));
    expect(saved).toMatchObject({ ok: true, webhook: { url: "http://127.0.0.1:9/moved", description: "Moved", events: ["link.updated"] } });
    const refused = await updateWebhookFromForm(principals.owner, webhook!.id, form({ url: "http://192.168.1.1/x", description: "Other", events: ["link.created"] }));
    expect(refused).toMatchObject({ ok: false, fields: { url: expect.stringContaining("The URL") } });
    expect(await endpoint(webhook!.id)).toMatchObject({ url: "http://127.0.0.1:9/moved", description: "Moved", events: ["link.updated"] });
  });

  test("switch off and on: on again clears Signpost's reason and the failure streak", async () => {
    const { webhook } = await created();
    await db().update(webhookEndpoint).set({ enabled: false, disabledReason: "5 deliveries in a row failed; last: answered 500", consecutiveFailures: 5 }).where(eq(webhookEndpoint.id, webhook!.id));
    expect(await runWebhookOperation(principals.owner, "enable", webhook!.id)).toMatchObject({ ok: true });
    expect(await endpoint(webhook!.id)).toMatchObject({ enabled: true, disabledReason: null, consecutiveFailures: 0 });
    expect(await runWebhookOperation(principals.admin, "disable", webhook!.id)).toMatchObject({ ok: true });
    expect(await endpoint(webhook!.id)).toMatchObject({ enabled: false, disabledReason: null });
  });

  test("rotate gives a new secret once and stores it; the old one is gone", async () => {
    const { webhook, secret } = await created();
    const rotated = await runWebhookOperation(principals.owner, "rotate", webhook!.id);
    expect(rotated.ok).toBe(true);
    if (!rotated.ok) return;
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(secret);
    expect((await endpoint(webhook!.id))!.secret).toBe(rotated.secret);
  });

  test("test ping and replay queue new deliveries; replay keeps the event and points at its original", async () => {
    const { webhook } = await created();
    expect(await runWebhookOperation(principals.owner, "test", webhook!.id)).toMatchObject({ ok: true });
    const [ping] = await deliveries(webhook!.id);
    expect(ping).toMatchObject({ eventType: "ping", status: "pending", replayOf: null });
    expect(await runWebhookOperation(principals.owner, "replay", webhook!.id, ping!.id)).toMatchObject({ ok: true });
    const all = await deliveries(webhook!.id);
    expect(all).toHaveLength(2);
    expect(all.find((d) => d.id !== ping!.id)).toMatchObject({ eventId: ping!.eventId, replayOf: ping!.id });
    // A delivery id of another endpoint, or none, is not found and queues nothing.
    const other = await created();
    expect(await runWebhookOperation(principals.owner, "replay", other.webhook!.id, ping!.id)).toMatchObject({ ok: false, message: expect.stringContaining("no longer exists") });
    expect(await runWebhookOperation(principals.owner, "replay", webhook!.id, "")).toMatchObject({ ok: false });
    expect(await deliveries(other.webhook!.id)).toHaveLength(0);
    expect(await deliveries(webhook!.id)).toHaveLength(2);
  });

  test("delete removes the endpoint and its log", async () => {
    const { webhook } = await created();
    await runWebhookOperation(principals.owner, "test", webhook!.id);
    expect(await runWebhookOperation(principals.owner, "delete", webhook!.id)).toMatchObject({ ok: true });
    expect(await endpoint(webhook!.id)).toBeUndefined();
    expect(await deliveries(webhook!.id)).toHaveLength(0);
  });

  test.each(["viewer", "member"] as const)("a %s is refused every write with a message naming the role, and nothing changes", async (role) => {
    const { webhook, secret } = await created();
    const before = await endpoint(webhook!.id);
    const attempt = await createWebhookFromForm(principals[role], form({ url: "http://127.0.0.1:9/sneaky", events: ["link.created"] }));
    expect(attempt).toMatchObject({ ok: false, message: expect.stringContaining(`(${role})`) });
    expect((await endpoints()).some((row) => row.url === "http://127.0.0.1:9/sneaky")).toBe(false);
    expect(await updateWebhookFromForm(principals[role], webhook!.id, form({ url: "http://127.0.0.1:9/taken", events: ["link.clicked"] }))).toMatchObject({ ok: false });
    for (const op of WEBHOOK_OPERATIONS) {
      const result = await runWebhookOperation(principals[role], op, webhook!.id);
      expect(result, op).toMatchObject({ ok: false, message: expect.stringContaining(`(${role})`) });
    }
    expect(await endpoint(webhook!.id)).toEqual(before);
    expect(before!.secret).toBe(secret);
    expect(await deliveries(webhook!.id)).toHaveLength(0);
  });

  test("another workspace's endpoint is not found, for every button", async () => {
    const stranger = await createWorkspaceWithKey("Elsewhere", ["webhooks:read"]);
    const { webhook } = await created();
    const foreign: Principal = { ...principals.owner, workspaceId: stranger.workspaceId };
    for (const op of WEBHOOK_OPERATIONS) {
      expect(await runWebhookOperation(foreign, op, webhook!.id), op).toMatchObject({ ok: false, message: expect.stringContaining("no longer exists") });
    }
    expect(await endpoint(webhook!.id)).toMatchObject({ enabled: true });
  });
});
