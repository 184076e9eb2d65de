import type { Link } from "@opentelemetry/api";
import type { EdgeStatsReport } from "@/core/edge-stats";
import type { ClickEvent } from "@/core/link";
import type { OriginClient } from "./origin-client";
import type { EdgeStats } from "./stats";
import { inLinkedRootSpan, linkToActiveSpan } from "./tracing";

/** Takes clicks off the response path. `record` returns a promise to hand to `waitUntil`. */
export interface ClickSink {
  record(event: ClickEvent): Promise<void>;
  /** Clicks waiting or in flight, and how many were dropped because the buffer was full or the origin kept failing. */
  stats(): { buffered: number; dropped: number; sent: number };
  /**
   * Makes sure the host's counters (BatchingOptions.stats) reach the origin even when no click
   * follows: after `statsDelayMs` they go with the open batch, or alone. The promise is for `waitUntil`.
   */
  reportStats?(): Promise<void>;
}

export interface BatchingOptions {
  /** Flush once this many clicks are waiting. */
  maxBatch?: number;
  /** Or after this long, whichever comes first. */
  maxDelayMs?: number;
  /** Posts in flight at once; further batches wait (and the open one grows). Default 4. */
  maxConcurrent?: number;
  /** Attempts per batch, with exponential backoff between them. */
  attempts?: number;
  /**
   * Most clicks held at once (waiting plus in flight). Past it new clicks are dropped, counted and
   * reported, so an unreachable origin cannot grow an isolate's memory without bound.
   */
  maxBuffered?: number;
  onDrop?: (events: ClickEvent[], error: unknown) => void;
  /** The host's counters, sent with every batch (docs/protocol.md, "stats"); only for posters that carry them. */
  stats?: EdgeStats;
  /** How long counted stats may wait for a click batch before they are posted alone. Default 2 s. */
  statsDelayMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Delivers one batch (at most 500 clicks) somewhere durable. Resolves once the batch is safe;
 * rejects to have it retried, or with a {@link ClickBatchRejectedError} when a retry cannot help.
 */
export type ClickPoster = (batch: ClickEvent[], stats?: EdgeStatsReport) => Promise<void>;

/** A batch the receiver refused for good (a 4xx other than 429, an invalid batch): not retried. */
export class ClickBatchRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ClickBatchRejectedError";
  }
}

/** Posts batches to the origin's signed ingest endpoint (`POST /api/internal/v1/clicks`). */
export function originClickPoster(origin: OriginClient): ClickPoster {
  return async (batch, stats) => {
    const response = await origin.request("POST", "/api/internal/v1/clicks", { body: JSON.stringify(stats ? { clicks: batch, stats } : { clicks: batch }) });
    if (response.ok) {
      // Read, not cancelled: Next does not finish a response whose client cancels its body, so
      // the ingest request (and its trace span) would never end. The body is a few bytes.
      await response.arrayBuffer();
      return;
    }
    await response.body?.cancel();
    const message = `click ingest answered ${response.status}`;
    // Will not get better.
    if (response.status >= 400 && response.status < 500 && response.status !== 429) throw new ClickBatchRejectedError(message);
    throw new Error(message);
  };
}

/**
 * Batches clicks per isolate and delivers them: to the origin's signed ingest endpoint (given an
 * {@link OriginClient}), or through any {@link ClickPoster} (the Node redirector's direct store).
 * A failed delivery is retried with backoff; the batch is idempotent by click id, so a retry after
 * a lost answer cannot double-count.
 */
export function createBatchingClickSink(target: OriginClient | ClickPoster, options: BatchingOptions = {}): ClickSink {
  const deliver = typeof target === "function" ? target : originClickPoster(target);
  // The origin (and the direct store) take at most 500 clicks per batch (clickBatchSchema).
  const maxBatch = Math.min(options.maxBatch ?? 500, 500);
  const maxConcurrent = options.maxConcurrent ?? 4;
  const maxDelayMs = options.maxDelayMs ?? 25;
  const attempts = options.attempts ?? 4;
  const maxBuffered = options.maxBuffered ?? 10_000;
  const counts = { buffered: 0, dropped: 0, sent: 0 };

  // A stats report is due this long after counting, unless a click batch takes the counts first.
  const statsDelayMs = options.statsDelayMs ?? 2_000;
  let statsTimer: { promise: Promise<void>; timer: ReturnType<typeof setTimeout>; resolve: () => void } | null = null;
  function settleStatsTimer(): void {
    if (!statsTimer) return;
    clearTimeout(statsTimer.timer);
    statsTimer.resolve();
    statsTimer = null;
  }

  function drop(events: ClickEvent[], error: unknown): void {
    if (events.length === 0) return;
    counts.dropped += events.length;
    try {
      options.onDrop?.(events, error);
    } catch {
      // A failing reporter must not turn into an unhandled rejection inside waitUntil.
    }
  }
  /**
   * One batch carries many requests' clicks, so its span (`edge.clicks.batch`) starts a trace of
   * its own and links to each click's request span; the origin's ingest route is its child.
   */
  function post(batch: ClickEvent[], links: Link[]): Promise<void> {
    return inLinkedRootSpan("edge.clicks.batch", links, () => postAttempts(batch), { "signpost.clicks": batch.length });
  }
  async function postAttempts(batch: ClickEvent[]): Promise<void> {
    let lastError: unknown;
    // The counters so far ride with this batch; put back if it never gets through.
    const report = options.stats?.take() ?? undefined;
    if (report) settleStatsTimer();
    if (batch.length === 0 && !report) return;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await sleep(100 * 2 ** (attempt - 1));
      try {
        await deliver(batch, report);
        counts.sent += batch.length;
        return;
      } catch (error) {
        lastError = error;
        if (error instanceof ClickBatchRejectedError) break;
      }
    }
    // Kept for the next batch while the origin is away; not after a refusal (a 4xx), which the
    // same report could provoke again (an origin too old for stats-only batches answers 422).
    if (report && !(lastError instanceof ClickBatchRejectedError)) options.stats?.restore(report);
    drop(batch, lastError);
  }

  interface Batch {
    events: ClickEvent[];
    /** The recording requests' spans (tracing on), for the batch span's links. */
    links: Link[];
    done: Promise<void>;
    /** Its delay has passed; it goes out as soon as a post slot is free. */
    due: boolean;
    close: () => void;
  }
  let open: Batch | null = null;
  // Closed batches wait here while `maxConcurrent` posts are in flight; meanwhile the open batch
  // keeps filling, so under load batches grow to maxBatch instead of multiplying.
  const ready: { events: ClickEvent[]; links: Link[]; finish: () => void }[] = [];
  let inFlight = 0;

  function pump(): void {
    while (inFlight < maxConcurrent && ready.length > 0) {
      const next = ready.shift()!;
      inFlight++;
      void post(next.events, next.links).finally(() => {
        inFlight--;
        counts.buffered -= next.events.length;
        next.finish();
        if (open?.due) open.close();
        pump();
      });
    }
  }

  function openBatch(): Batch {
    let finish!: () => void;
    const batch: Batch = {
      events: [],
      links: [],
      done: new Promise<void>((resolve) => (finish = resolve)),
      due: false,
      close: () => {
        clearTimeout(timer);
        if (open !== batch) return;
        // All post slots busy and room left: keep filling; the next finished post sends it.
        if (inFlight >= maxConcurrent && batch.events.length < maxBatch) {
          batch.due = true;
          return;
        }
        open = null;
        ready.push({ events: batch.events, links: batch.links, finish });
        pump();
      },
    };
    const timer = setTimeout(batch.close, maxDelayMs);
    return batch;
  }

  return {
    reportStats() {
      const stats = options.stats;
      if (!stats?.pending()) return Promise.resolve();
      if (!statsTimer) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        const timer = setTimeout(() => {
          statsTimer = null;
          // The open batch takes them when it goes; else they go alone.
          void (open ? open.done : post([], [])).finally(resolve);
        }, statsDelayMs);
        statsTimer = { promise, timer, resolve };
      }
      return statsTimer.promise;
    },
    record(event) {
      if (counts.buffered >= maxBuffered) {
        drop([event], new Error(`click buffer full (${maxBuffered} clicks waiting)`));
        return Promise.resolve();
      }
      counts.buffered++;
      const batch = (open ??= openBatch());
      batch.events.push(event);
      const link = linkToActiveSpan();
      if (link) batch.links.push(link);
      if (batch.events.length >= maxBatch) batch.close();
      return batch.done;
    },
    stats: () => ({ ...counts }),
  };
}
