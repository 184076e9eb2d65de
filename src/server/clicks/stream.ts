import "server-only";
import { hostname } from "node:os";
import { Redis } from "ioredis";
import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace, type Context, type Link } from "@opentelemetry/api";
import { z } from "zod";
import { clickEventSchema } from "@/core/link";
import { isDatabaseUnavailable } from "@/server/db/errors";
import { logger } from "@/server/observability/logger";
import type { StoredClick } from "./enrich";
import type { IngestResult } from "./ingest";

/**
 * The durable click queue: a Redis Stream read by a consumer group.
 *
 * - The ingest endpoint appends one entry per edge batch (`XADD`, field `b` = JSON array of
 *   enriched clicks) and answers; the edge's batch is then safe.
 * - Consumers (`npm run worker`, and the app process itself unless CLICK_CONSUMERS=0) read new
 *   entries with `XREADGROUP`, store several entries' clicks in one database transaction
 *   (recordClicks: idempotent by click id), then `XACK` + `XDEL` them in one MULTI.
 * - An entry a consumer took but never acknowledged (the process died mid-batch) stays pending;
 *   after CLICK_CLAIM_IDLE_SECONDS another consumer takes it over with `XAUTOCLAIM`. If the dead
 *   consumer had committed before dying, the re-stored clicks are duplicates and change nothing.
 * - An entry that fails MAX_DELIVERIES times while the database is healthy (malformed, or a bug)
 *   moves to the dead-letter stream (`signpost:clicks:dead`) for an operator, so it cannot wedge
 *   the queue. Database outages never count against an entry: the consumer backs off and retries.
 * - Entries are deleted once acknowledged, so the stream holds only work not yet done; nothing is
 *   trimmed by length, which could drop clicks while consumers are down.
 */
export interface ClickStreamKeys {
  stream: string;
  deadLetters: string;
  group: string;
}

/** The keys under a prefix (REDIS_KEY_PREFIX, default "signpost:"), so instances can share a Redis. */
export function clickStreamKeys(prefix = "signpost:"): ClickStreamKeys {
  return { stream: `${prefix}clicks`, deadLetters: `${prefix}clicks:dead`, group: "click-store" };
}

const MAX_DELIVERIES = 5;

const storedClickSchema = clickEventSchema.omit({ ipNetwork: true });
const entrySchema = z.array(storedClickSchema).min(1);

/** Options for the connections the pipeline opens: fail fast while Redis is down, reconnect behind. */
export function openRedis(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    enableOfflineQueue: false,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
}

/**
 * Appends one batch; resolves with the entry id once Redis has it. With tracing on, the entry also
 * carries the ingest request's W3C `traceparent` (field `tp`), so the consumer's store span joins
 * that trace (see `startClickConsumer`).
 */
export async function enqueueClicks(redis: Redis, keys: ClickStreamKeys, clicks: readonly StoredClick[]): Promise<string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const traceFields = carrier.traceparent ? ["tp", carrier.traceparent] : [];
  // `n`: the batch's size, so a consumer can size its rounds in clicks without parsing the batch.
  const id = await redis.xadd(keys.stream, "*", "b", JSON.stringify(clicks), "n", String(clicks.length), ...traceFields);
  if (!id) throw new Error("XADD returned no id");
  return id;
}

/** Creates the stream and the consumer group if missing (idempotent; safe from many processes). */
export async function ensureClickGroup(redis: Redis, keys: ClickStreamKeys): Promise<void> {
  try {
    await redis.xgroup("CREATE", keys.stream, keys.group, "0", "MKSTREAM");
  } catch (error) {
    if (!String(error).includes("BUSYGROUP")) throw error;
  }
}

export interface StreamStats {
  /** Entries (batches) in the stream: queued or being processed. */
  length: number;
  /** Entries handed to a consumer and not yet acknowledged. */
  pending: number;
  /** Entries not yet handed to any consumer. */
  lag: number;
  consumers: number;
  deadLetters: number;
}

export async function clickStreamStats(redis: Redis, keys: ClickStreamKeys): Promise<StreamStats> {
  await ensureClickGroup(redis, keys);
  const [length, groups, deadLetters] = await Promise.all([
    redis.xlen(keys.stream),
    redis.xinfo("GROUPS", keys.stream) as Promise<unknown[][]>,
    redis.xlen(keys.deadLetters),
  ]);
  const group = groups.map(pairsToObject).find((g) => g.name === keys.group) ?? {};
  return {
    length,
    pending: Number(group.pending ?? 0),
    lag: Number(group.lag ?? 0),
    consumers: Number(group.consumers ?? 0),
    deadLetters,
  };
}

function pairsToObject(pairs: unknown[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) result[String(pairs[i])] = pairs[i + 1];
  return result;
}

type Entry = [id: string, fields: string[]];

export interface ClickConsumerOptions {
  redisUrl: string;
  keys: ClickStreamKeys;
  /** Stores clicks (recordClicks on the process's database). */
  store: (clicks: StoredClick[]) => Promise<IngestResult>;
  /** Unique per consumer; default host-pid-n. */
  name?: string;
  /**
   * Most entries one read takes (each an ingest batch of up to 500 clicks). Default 32.
   */
  entriesPerBatch?: number;
  /**
   * How many clicks a round gathers before it is stored, in one transaction. A read returns what is
   * there, so rounds are small when traffic is light (no added delay) and grow under load, where
   * one transaction for many batches merges their rollup rows and takes the shared rows' locks
   * once: measured 1,944 clicks/s in rounds of 100 clicks with 8 writers against 5,452 in rounds
   * of 4,000 with one (docs/click-pipeline.md). Sized in clicks, not entries, so a backlog of small
   * batches is stored in rounds as large as one of full ones. Default 10,000.
   */
  clicksPerRound?: number;
  /**
   * When a read leaves the round short of `clicksPerRound`, how long the consumer waits for more
   * before storing it (once per round). Under load this turns many one-entry transactions into a
   * few larger ones; when traffic is light it only delays a click's landing by this much.
   * Default 200 ms; 0 stores at once.
   */
  lingerMs?: number;
  /** How long a read waits for new entries. Default 1000 ms. */
  blockMs?: number;
  /** Pending entries idle this long are claimed from other consumers. Default 30 s. */
  claimIdleMs?: number;
  /** Longest pause between attempts while the database is down. Default 5 s. */
  maxBackoffMs?: number;
  log?: (level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;
}

export interface ClickConsumerStats {
  batches: number;
  clicks: number;
  accepted: number;
  duplicates: number;
  claimed: number;
  deadLettered: number;
  failures: number;
}

export interface ClickConsumer {
  readonly name: string;
  stats(): ClickConsumerStats;
  /** Finishes the batch in hand, acknowledges it, then stops reading and closes its connections. */
  stop(): Promise<void>;
  /** Resolves when the loop has ended (after stop(), or a fatal error). */
  done: Promise<void>;
}

let consumerSerial = 0;

/** The value of an entry's field `name` (its first occurrence among the field names), if any. */
function entryField(entry: Entry, name: string): string | undefined {
  const fields = entry[1];
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

export async function startClickConsumer(options: ClickConsumerOptions): Promise<ClickConsumer> {
  const name = options.name ?? `${hostname()}-${process.pid}-${++consumerSerial}`;
  const entriesPerBatch = options.entriesPerBatch ?? 32;
  const clicksPerRound = options.clicksPerRound ?? 10_000;
  const blockMs = options.blockMs ?? 1_000;
  const lingerMs = options.lingerMs ?? 200;
  const claimIdleMs = options.claimIdleMs ?? 30_000;
  const maxBackoffMs = options.maxBackoffMs ?? 5_000;
  const log = options.log ?? defaultLog;
  const { stream, deadLetters, group } = options.keys;
  // A blocking read holds its connection, so reads get their own; acks and claims use the other.
  const reader = openRedis(options.redisUrl, `signpost-consumer-read-${name}`);
  const writer = openRedis(options.redisUrl, `signpost-consumer-${name}`);
  for (const client of [reader, writer]) client.on("error", () => {}); // surfaced through failed commands
  const tracer = trace.getTracer("signpost-clicks");
  const stats: ClickConsumerStats = { batches: 0, clicks: 0, accepted: 0, duplicates: 0, claimed: 0, deadLettered: 0, failures: 0 };

  let stopping = false;
  let backoffMs = 0;
  let lastClaimAt = 0;
  // After a failure our own pending entries are read again (id "0") before new ones (">").
  let ownPendingFirst = true;

  async function waitReady(): Promise<void> {
    for (const client of [reader, writer]) {
      if (client.status !== "ready") await new Promise<void>((resolve) => client.once("ready", () => resolve()));
    }
  }

  async function readEntries(): Promise<Entry[]> {
    if (Date.now() - lastClaimAt >= Math.min(claimIdleMs, 5_000)) {
      lastClaimAt = Date.now();
      const [, claimed] = (await writer.xautoclaim(stream, group, name, claimIdleMs, "0-0", "COUNT", entriesPerBatch)) as [string, (Entry | null)[], string[]];
      const live = claimed.filter((entry): entry is Entry => entry !== null);
      if (live.length > 0) {
        stats.claimed += live.length;
        log("warn", "claimed clicks left pending by another consumer", { entries: live.length, consumer: name });
        return live;
      }
    }
    // Our own pending entries (id "0") come back at once; new ones (">") are waited for.
    const result = (
      ownPendingFirst
        ? await reader.xreadgroup("GROUP", group, name, "COUNT", entriesPerBatch, "STREAMS", stream, "0")
        : await reader.xreadgroup("GROUP", group, name, "COUNT", entriesPerBatch, "BLOCK", blockMs, "STREAMS", stream, ">")
    ) as [string, Entry[]][] | null;
    const entries = liveEntries(result);
    if (ownPendingFirst) {
      if (entries.length === 0) ownPendingFirst = false;
      return entries;
    }
    let clicks = entries.reduce((sum, entry) => sum + entryClicks(entry), 0);
    if (entries.length > 0 && clicks < clicksPerRound && !stopping) {
      // Entries taken here are pending for this consumer like the first ones: a crash while it
      // waits leaves them to be claimed by another.
      if (entries.length < entriesPerBatch && lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, lingerMs));
      // Then whatever is queued already, until the round is full or the stream has no more.
      while (clicks < clicksPerRound && !stopping) {
        const more = liveEntries((await reader.xreadgroup("GROUP", group, name, "COUNT", entriesPerBatch, "STREAMS", stream, ">")) as [string, Entry[]][] | null);
        if (more.length === 0) break;
        entries.push(...more);
        for (const entry of more) clicks += entryClicks(entry);
      }
    }
    return entries;
  }

  /** An entry's click count (field `n`); a batch's limit, 500, for entries written without it. */
  function entryClicks(entry: Entry): number {
    const n = Number(entryField(entry, "n"));
    return Number.isSafeInteger(n) && n > 0 ? n : 500;
  }

  function liveEntries(result: [string, Entry[]][] | null): Entry[] {
    return (result?.[0]?.[1] ?? []).filter((entry): entry is Entry => Array.isArray(entry?.[1]));
  }

  async function acknowledge(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await writer.multi().xack(stream, group, ...ids).xdel(stream, ...ids).exec();
  }

  async function deadLetter(entry: Entry, reason: string): Promise<void> {
    await writer
      .multi()
      .xadd(deadLetters, "*", "id", entry[0], "reason", reason.slice(0, 500), ...entry[1])
      .xack(stream, group, entry[0])
      .xdel(stream, entry[0])
      .exec();
    stats.deadLettered += 1;
    log("error", "click batch moved to the dead-letter stream", { entry: entry[0], reason, stream: deadLetters });
  }

  async function deliveries(id: string): Promise<number> {
    const rows = (await writer.xpending(stream, group, id, id, 1)) as [string, string, number, number][];
    return rows[0]?.[3] ?? 1;
  }

  /** The ingest request's trace context an entry carries (field `tp`), or null. */
  function entryContext(entry: Entry): Context | null {
    const traceparent = entryField(entry, "tp");
    if (traceparent === undefined) return null;
    const extracted = propagation.extract(ROOT_CONTEXT, { traceparent });
    return trace.getSpanContext(extracted) ? extracted : null;
  }

  /**
   * A round stores several entries (several ingest requests) in one transaction. Its span
   * `clicks.store` is a child of the first traced entry's ingest request, so the common one-entry
   * round continues that request's trace, and links to every traced entry's request.
   */
  function inStoreSpan<T>(entries: Entry[], clicks: number, work: () => Promise<T>): Promise<T> {
    const contexts = entries.map(entryContext).filter((c): c is Context => c !== null);
    if (contexts.length === 0 && !trace.getSpan(context.active())) return work();
    const links: Link[] = contexts.map((c) => ({ context: trace.getSpanContext(c)! }));
    const parent = contexts[0] ?? context.active();
    return tracer.startActiveSpan("clicks.store", { links, attributes: { "signpost.entries": entries.length, "signpost.clicks": clicks, "signpost.consumer": name } }, parent, async (span) => {
      try {
        return await work();
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  function parseEntry(entry: Entry): StoredClick[] | string {
    const fields = entry[1];
    const index = fields.indexOf("b");
    if (index === -1 || index % 2 !== 0) return "entry has no batch field";
    let json: unknown;
    try {
      json = JSON.parse(fields[index + 1] ?? "");
    } catch {
      return "batch is not JSON";
    }
    const parsed = entrySchema.safeParse(json);
    return parsed.success ? parsed.data : `batch does not match the click schema: ${parsed.error.issues[0]?.message}`;
  }

  async function storeAndAck(entries: Entry[], clicks: StoredClick[]): Promise<void> {
    await inStoreSpan(entries, clicks.length, async () => {
      const result = await options.store(clicks);
      stats.batches += 1;
      stats.clicks += clicks.length;
      stats.accepted += result.accepted;
      stats.duplicates += result.duplicates;
      await acknowledge(entries.map((entry) => entry[0]));
    });
  }

  /** Stores a round's entries. Throws only when the database (or Redis) is unavailable. */
  async function processEntries(entries: Entry[]): Promise<void> {
    const good: { entry: Entry; clicks: StoredClick[] }[] = [];
    for (const entry of entries) {
      const parsed = parseEntry(entry);
      if (typeof parsed === "string") await deadLetter(entry, parsed);
      else good.push({ entry, clicks: parsed });
    }
    if (good.length === 0) return;
    try {
      await storeAndAck(
        good.map((g) => g.entry),
        good.flatMap((g) => g.clicks),
      );
      return;
    } catch (error) {
      if (isDatabaseUnavailable(error) || good.length === 1) {
        if (isDatabaseUnavailable(error)) throw error;
        await failedEntry(good[0]!.entry, error);
        return;
      }
    }
    // One entry spoilt the round: store them one by one so the rest go through.
    for (const { entry, clicks } of good) {
      try {
        await storeAndAck([entry], clicks);
      } catch (error) {
        if (isDatabaseUnavailable(error)) throw error;
        await failedEntry(entry, error);
      }
    }
  }

  async function failedEntry(entry: Entry, error: unknown): Promise<void> {
    stats.failures += 1;
    const count = await deliveries(entry[0]);
    if (count >= MAX_DELIVERIES) await deadLetter(entry, String(error));
    else {
      ownPendingFirst = true;
      log("warn", "click batch failed; it will be retried", { entry: entry[0], deliveries: count, error: String(error) });
    }
  }

  async function loop(): Promise<void> {
    await waitReady();
    await ensureClickGroup(writer, options.keys);
    while (!stopping) {
      try {
        const entries = await readEntries();
        if (entries.length > 0) await processEntries(entries);
        backoffMs = 0;
      } catch (error) {
        if (stopping) break;
        stats.failures += 1;
        ownPendingFirst = true;
        backoffMs = Math.min(Math.max(backoffMs * 2, 100), maxBackoffMs);
        log("warn", "click consumer could not make progress; retrying", { error: String(error), retryInMs: backoffMs });
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
      }
    }
  }

  const done = loop()
    .catch((error) => log("error", "click consumer stopped", { error: String(error) }))
    .finally(() => {
      reader.disconnect();
      writer.disconnect();
    });

  return {
    name,
    stats: () => ({ ...stats }),
    async stop() {
      stopping = true;
      // A blocked read returns within blockMs; the batch in hand is finished and acknowledged first.
      await done;
    },
    done,
  };
}

function defaultLog(level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown> = {}): void {
  logger()[level]({ component: "click-stream", ...fields }, msg);
}
