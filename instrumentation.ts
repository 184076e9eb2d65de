/**
 * Runs once per server process, before the first request. On the Node runtime it validates the
 * configuration, opens the database (applying migrations) and starts the in-process background
 * jobs. A bad configuration stops the start with a message naming the variable.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startServerProcess } = await import("./src/server/process");
  await startServerProcess();
}
