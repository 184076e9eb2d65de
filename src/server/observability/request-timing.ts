import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Where an API request's time went, for its Server-Timing header and log line: `db` (time during
 * which at least one database query of the request was running) and `queue` (time spent handing
 * work to a queue: the click stream's XADD). Stages are measured as wall-clock time with overlaps
 * merged, so two parallel queries of 10 ms count 10 ms, not 20.
 *
 * Costs one AsyncLocalStorage lookup per query; outside a request (jobs, the worker) nothing is kept.
 */
export type Stage = "db" | "queue";

class StageClock {
  active = 0;
  since = 0;
  total = 0;
  count = 0;
  start(): () => void {
    if (this.active++ === 0) this.since = performance.now();
    this.count++;
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      if (--this.active === 0) this.total += performance.now() - this.since;
    };
  }
  /** Milliseconds so far, a running interval included. */
  ms(): number {
    return this.total + (this.active > 0 ? performance.now() - this.since : 0);
  }
}

export class RequestTiming {
  readonly stages: Record<Stage, StageClock> = { db: new StageClock(), queue: new StageClock() };
  /** Milliseconds in `stage`, or null when the request never entered it. */
  ms(stage: Stage): number | null {
    const clock = this.stages[stage];
    return clock.count === 0 ? null : clock.ms();
  }
}

// One store per process, on globalThis: Next may evaluate this module once per route bundle, and
// the database (opened by whichever bundle came first) must see the handler's store.
const STORAGE_KEY = Symbol.for("signpost.requestTiming");
const storage: AsyncLocalStorage<RequestTiming> = ((globalThis as { [STORAGE_KEY]?: AsyncLocalStorage<RequestTiming> })[STORAGE_KEY] ??= new AsyncLocalStorage<RequestTiming>());

export function runWithTiming<T>(timing: RequestTiming, fn: () => T): T {
  return storage.run(timing, fn);
}

/** Starts timing `stage` for the current request; returns the stop function (a no-op outside one). */
export function startStage(stage: Stage): (() => void) | null {
  const timing = storage.getStore();
  return timing ? timing.stages[stage].start() : null;
}

/** Times `work` as `stage` of the current request. */
export async function timeStage<T>(stage: Stage, work: () => Promise<T>): Promise<T> {
  const stop = startStage(stage);
  if (!stop) return work();
  try {
    return await work();
  } finally {
    stop();
  }
}

/**
 * Wraps a driver method so every call made during a request counts as `stage`: promise-returning
 * calls until they settle, callback calls until the callback runs; anything else (a submittable
 * query stream) is counted as started and stopped at once.
 */
export function timeMethod<T extends object>(target: T, method: keyof T & string, stage: Stage): void {
  const original = target[method] as unknown as (...args: unknown[]) => unknown;
  if (typeof original !== "function") return;
  (target as Record<string, unknown>)[method] = function timed(this: unknown, ...args: unknown[]) {
    const stop = startStage(stage);
    if (!stop) return original.apply(this, args);
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === "function") {
      args[last] = function (this: unknown, ...results: unknown[]) {
        stop();
        return (callback as (...a: unknown[]) => unknown).apply(this, results);
      };
      return original.apply(this, args);
    }
    let result: unknown;
    try {
      result = original.apply(this, args);
    } catch (error) {
      stop();
      throw error;
    }
    if (result && typeof (result as Promise<unknown>).then === "function") {
      return (result as Promise<unknown>).then(
        (value) => {
          stop();
          return value;
        },
        (error: unknown) => {
          stop();
          throw error;
        },
      );
    }
    stop();
    return result;
  };
}
