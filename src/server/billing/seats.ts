import "server-only";
import { getDatabase } from "@/server/db/client";
import { billingEnabled, enforcePlanLimit } from "./limits";

/** Per-workspace queues of seat checks in this process. */
const queues = new Map<string, Promise<unknown>>();

function serialise<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const tail = run.catch(() => {});
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return run;
}

/**
 * Runs `invite` (Better Auth's createInvitation, which writes through its own adapter) only if the
 * workspace has a seat left on its plan, one check at a time per workspace so two concurrent
 * invitations at the limit cannot both pass. On Postgres the check holds a transaction-scoped
 * advisory lock until `invite` has committed its row (other instances wait on it); the embedded
 * database belongs to this one process, where the in-process queue alone serialises.
 */
export async function withSeatAvailable<T>(workspaceId: string, invite: () => Promise<T>): Promise<T> {
  if (!billingEnabled()) return invite();
  return serialise(workspaceId, async () => {
    const database = await getDatabase();
    if (database.mode === "embedded") {
      // PGlite has one connection: a transaction held open here would block invite()'s own writes.
      await database.db.transaction((tx) => enforcePlanLimit(tx, workspaceId, "members"));
      return invite();
    }
    return database.db.transaction(async (tx) => {
      await enforcePlanLimit(tx, workspaceId, "members");
      return invite();
    });
  });
}
