// What machine a benchmark ran on: CPU, memory, OS and kernel, Node, and the Postgres and Redis
// servers' versions (asked of the servers themselves), for docs/benchmarks.md.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { Redis } from "ioredis";
import pg from "pg";

function osName() {
  try {
    const release = readFileSync("/etc/os-release", "utf8");
    return /^PRETTY_NAME="?([^"\n]+)"?/m.exec(release)?.[1] ?? os.type();
  } catch {
    return os.type();
  }
}

async function postgres(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      "select current_setting('server_version') as version, current_setting('shared_buffers') as shared_buffers, current_setting('jit') as jit, current_setting('max_connections') as max_connections",
    );
    return rows[0];
  } finally {
    await client.end();
  }
}

async function redis(redisUrl) {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000 });
  try {
    await client.connect();
    const info = await client.info("server");
    return { version: /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown" };
  } finally {
    client.disconnect();
  }
}

function gitCommit(root) {
  if (!existsSync(`${root}/.git`)) return null;
  try {
    const sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: root, encoding: "utf8" }).trim() !== "";
    return `${sha}${dirty ? " (with uncommitted changes)" : ""}`;
  } catch {
    return null;
  }
}

export async function describeMachine({ databaseUrl, redisUrl, root }) {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model?.trim() ?? "unknown",
    cpuCount: cpus.length,
    memoryGiB: os.totalmem() / 2 ** 30,
    os: osName(),
    kernel: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    node: process.version,
    postgres: await postgres(databaseUrl).catch((error) => ({ error: String(error.message ?? error) })),
    redis: redisUrl ? await redis(redisUrl).catch((error) => ({ error: String(error.message ?? error) })) : null,
    commit: gitCommit(root),
  };
}
