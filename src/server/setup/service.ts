import "server-only";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { SCOPES, scopesToPermissions } from "@/core/scopes";
import { serverConfig } from "@/config/env";
import { ApiError } from "@/server/api/errors";
import { getAuth } from "@/server/auth/auth";
import { getDb } from "@/server/db/client";
import { instanceState, organization, user } from "@/server/db/schema";

export const setupSchema = z
  .object({
    name: z.string().trim().min(1, "is required").max(100),
    email: z.string().trim().toLowerCase().email("must be an email address"),
    password: z.string().min(10, "must be at least 10 characters").max(128),
    workspace: z.string().trim().min(1, "is required").max(60),
    token: z.string().optional(),
  })
  .strict();

export type SetupInput = z.infer<typeof setupSchema>;

const CLAIM = "first-run-setup";

/** True until the first account exists. */
export async function needsSetup(): Promise<boolean> {
  const db = await getDb();
  const [claim] = await db.select().from(instanceState).where(eq(instanceState.key, CLAIM)).limit(1);
  return !claim;
}

function slugify(name: string): string {
  const base = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40) || "workspace";
  return `${base}-${crypto.randomUUID().slice(0, 6)}`;
}

/**
 * First run: the owner account, the first workspace and an API key with every scope. Happens
 * exactly once per instance: a claim row is inserted first, so concurrent attempts (even from
 * several processes) get `setup_done`; if a later step fails, the claim and the partial account
 * are removed and setup can be tried again.
 */
export async function runFirstSetup(input: SetupInput) {
  const config = serverConfig();
  if (config.setupToken && input.token !== config.setupToken) {
    throw new ApiError("forbidden", "A valid setup token is required (SETUP_TOKEN is set on this instance)", "token");
  }
  const db = await getDb();
  const claimed = await db.insert(instanceState).values({ key: CLAIM, value: input.email }).onConflictDoNothing().returning();
  if (claimed.length === 0) throw new ApiError("setup_done", "This instance is already set up; sign in instead");

  const auth = await getAuth();
  let userId: string | undefined;
  let workspaceId: string | undefined;
  try {
    const signUp = await auth.api.signUpEmail({ body: { name: input.name, email: input.email, password: input.password } });
    userId = signUp.user.id;
    const workspace = await auth.api.createOrganization({ body: { name: input.workspace, slug: slugify(input.workspace), userId } });
    if (!workspace) throw new Error("workspace was not created");
    workspaceId = workspace.id;
    const key = await auth.api.createApiKey({
      body: {
        name: "Default key",
        organizationId: workspace.id,
        userId,
        permissions: scopesToPermissions(SCOPES),
      },
    });
    return {
      user: { id: userId, email: input.email, name: input.name },
      workspace: { id: workspace.id, name: workspace.name, slug: workspace.slug },
      apiKey: { id: key.id, key: key.key, start: key.start, scopes: [...SCOPES] },
    };
  } catch (error) {
    // Undo in reverse; each delete cascades (workspace -> members, keys; user -> accounts, sessions).
    if (workspaceId) await db.delete(organization).where(eq(organization.id, workspaceId));
    if (userId) await db.delete(user).where(eq(user.id, userId));
    await db.delete(instanceState).where(eq(instanceState.key, CLAIM));
    throw error;
  }
}
