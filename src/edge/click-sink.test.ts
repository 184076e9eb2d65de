import { describe, expect, test, vi } from "vitest";
import { clickBatchSchema, type ClickEvent } from "@/core/link";
import { HEADER_NONCE, verifyRequest, type VerifyResult } from "@/core/protocol";
import { createBatchingClickSink } from "./click-sink";
import { createOriginClient } from "./origin-client";

const SECRET = "click-sink-test-secret-0123456789abcdef";
const ORIGIN_URL = "http://origin.test:4000";
const CLICKS_PATH = "/api/internal/v1/clicks";

/** One request as the origin received it. */
interface Received {
  at: number;
  method: string;
  url: URL;
  headers: Headers;
  body: string;
  /** The origin's own signature check, as src/server/internal/verify.ts does it. */
  verified: VerifyResult;
}

/** What the origin does with the n-th request: a status to answer with, a network failure, or a gate to wait on. */
type Step = number | "network-error" | Promise<number>;
/**
 * Picks a step by what the request carries, for batches that go out concurrently: their arrival
 * order is not deterministic (each one is signed and verified asynchronously), so a gate meant for
 * one batch must not be handed out by position.
 */
type StepFor = (batch: ClickEvent[]) => Step | undefined;

/**
 * Stands in for the Node origin's ingest endpoint (a separate process): checks the signature (401),
 * validates the batch (400) and answers 202 like `POST /api/internal/v1/clicks`. `script` overrides
 * the answer of the first requests, in order.
 */
function fakeOrigin(script: Step[] | StepFor = []) {
  const received: Received[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const body = await request.text();
    const url = new URL(request.url);
    const verified = await verifyRequest(SECRET, request.method, url.pathname + url.search, request.headers, body);
    received.push({ at: Date.now(), method: request.method, url, headers: request.headers, body, verified });
    const step = typeof script === "function" ? script((JSON.parse(body) as { clicks: ClickEvent[] }).clicks) : script[received.length - 1];
    if (step === "network-error") throw new TypeError("fetch failed");
    if (step !== undefined) {
      const status = await step;
      return Response.json({ error: { code: "scripted", message: `scripted ${status}` } }, { status });
    }
    if (!verified.ok) return Response.json({ error: { code: "unauthorized", message: verified.reason } }, { status: 401 });
    const batch = clickBatchSchema.safeParse(JSON.parse(body));
    if (!batch.success) return Response.json({ error: { code: "validation_failed" } }, { status: 400 });
    return Response.json({ accepted: batch.data.clicks.length, duplicates: 0, unknownLinks: 0 }, { status: 202 });
  };
  return {
    received,
    client: (secret = SECRET) => createOriginClient({ originUrl: ORIGIN_URL, secret, fetch: fetchImpl }),
    /** The click ids of each received batch. */
    batches: () => received.map((r) => (JSON.parse(r.body) as { clicks: ClickEvent[] }).clicks.map((c) => c.id)),
  };
}

function click(n: number): ClickEvent {
  return {
    id: crypto.randomUUID(),
    linkId: `lnk_${n}`,
    workspaceId: "ws_1",
    at: new Date().toISOString(),
    url: `https://example.com/${n}`,
    userAgent: "Mozilla/5.0",
    referrer: null,
    isBot: false,
    country: null,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Tracks whether a promise has settled, without awaiting it. */
function track(promise: Promise<unknown>) {
  const state = { settled: false };
  void promise.then(() => (state.settled = true));
  return state;
}

describe("batching", () => {
  test("several record() calls within maxDelayMs go out as one POST carrying all events in order", async () => {
    const origin = fakeOrigin();
    const sink = createBatchingClickSink(origin.client(), { maxDelayMs: 200 });
    const events = [click(1), click(2), click(3)];
    const started = Date.now();
    const first = sink.record(events[0]!);
    await sleep(10);
    const second = sink.record(events[1]!);
    await sleep(10);
    const third = sink.record(events[2]!);
    expect(origin.received).toHaveLength(0);

    await Promise.all([first, second, third]);
    expect(origin.received).toHaveLength(1);
    expect(JSON.parse(origin.received[0]!.body)).toEqual({ clicks: events });
    // Flushed by the timer that the first click started, not earlier.
    expect(origin.received[0]!.at - started).toBeGreaterThanOrEqual(195);
  });

  test("clicks recorded after a batch went out start a new batch", async () => {
    const origin = fakeOrigin();
    const sink = createBatchingClickSink(origin.client(), { maxDelayMs: 10 });
    const a = click(1);
    const b = click(2);
    await sink.record(a);
    await sink.record(b);
    expect(origin.batches()).toEqual([[a.id], [b.id]]);
  });

  test("reaching maxBatch posts at once without waiting for maxDelayMs", async () => {
    const origin = fakeOrigin();
    const sink = createBatchingClickSink(origin.client(), { maxBatch: 2, maxDelayMs: 5_000 });
    const events = [click(1), click(2), click(3), click(4)];
    const started = Date.now();
    await Promise.all(events.map((event) => sink.record(event)));
    expect(Date.now() - started).toBeLessThan(1_000);
    // Two full batches go out concurrently; which request lands first is not part of the contract.
    const byFirstEvent = (batches: string[][]) => [...batches].sort((a, b) => events.findIndex((e) => e.id === a[0]) - events.findIndex((e) => e.id === b[0]));
    expect(byFirstEvent(origin.batches())).toEqual([
      [events[0]!.id, events[1]!.id],
      [events[2]!.id, events[3]!.id],
    ]);
  });

  test("an incomplete batch after a full one still waits for maxDelayMs", async () => {
    const origin = fakeOrigin();
    const sink = createBatchingClickSink(origin.client(), { maxBatch: 2, maxDelayMs: 80 });
    const events = [click(1), click(2), click(3)];
    const started = Date.now();
    const promises = events.map((event) => sink.record(event));
    await promises[0];
    expect(origin.batches()).toEqual([[events[0]!.id, events[1]!.id]]);
    await promises[2];
    expect(origin.batches()).toEqual([[events[0]!.id, events[1]!.id], [events[2]!.id]]);
    expect(origin.received[1]!.at - started).toBeGreaterThanOrEqual(75);
  });

  test("each record() resolves only after its own batch was posted and answered", async () => {
    const gateA = deferred<number>();
    const gateB = deferred<number>();
    // Each batch waits on its own gate, whichever of the two concurrent POSTs arrives first.
    const origin = fakeOrigin((batch) => (batch[0]!.linkId === "lnk_1" ? gateA.promise : gateB.promise));
    const sink = createBatchingClickSink(origin.client(), { maxBatch: 2, maxDelayMs: 5_000 });
    const batchA = [sink.record(click(1)), sink.record(click(2))].map(track);
    const batchB = [sink.record(click(3)), sink.record(click(4))].map(track);
    await vi.waitFor(() => expect(origin.received).toHaveLength(2));
    await sleep(20);
    expect([...batchA, ...batchB].some((s) => s.settled)).toBe(false);

    gateB.resolve(202);
    await vi.waitFor(() => expect(batchB.every((s) => s.settled)).toBe(true));
    await sleep(20);
    expect(batchA.some((s) => s.settled)).toBe(false);

    gateA.resolve(202);
    await vi.waitFor(() => expect(batchA.every((s) => s.settled)).toBe(true));
  });
});

describe("signing", () => {
  test("the POST goes to the ingest endpoint, JSON-typed, with a signature the origin's secret verifies", async () => {
    const origin = fakeOrigin();
    const sink = createBatchingClickSink(origin.client(), { maxDelayMs: 5 });
    await sink.record(click(1));
    const [post] = origin.received;
    expect(post!.method).toBe("POST");
    expect(post!.url.href).toBe(`${ORIGIN_URL}${CLICKS_PATH}`);
    expect(post!.headers.get("content-type")).toBe("application/json");
    // The answer is tiny: no compression asked for (Next would gzip every streamed route answer).
    expect(post!.headers.get("accept-encoding")).toBe("identity");
    expect(post!.verified.ok).toBe(true);
    // The same request does not verify under another secret or with another body.
    expect((await verifyRequest(`${SECRET}-other`, "POST", CLICKS_PATH, post!.headers, post!.body)).ok).toBe(false);
    expect((await verifyRequest(SECRET, "POST", CLICKS_PATH, post!.headers, post!.body.replace("lnk_1", "lnk_2"))).ok).toBe(false);
  });

  test("an edge with the wrong secret is refused (401) once, not retried, and the batch is dropped", async () => {
    const origin = fakeOrigin();
    const onDrop = vi.fn();
    const sink = createBatchingClickSink(origin.client("not-the-origin-secret-0123456789abcdef"), { maxDelayMs: 5, onDrop });
    const event = click(1);
    await sink.record(event);
    expect(origin.received).toHaveLength(1);
    expect(origin.received[0]!.verified.ok).toBe(false);
    expect(onDrop).toHaveBeenCalledTimes(1);
    expect(onDrop.mock.calls[0]![0]).toEqual([event]);
    expect(String(onDrop.mock.calls[0]![1])).toContain("401");
  });
});

describe("retries", () => {
  test("retries a 503 with exponential backoff, re-sending the same batch freshly signed, then succeeds", async () => {
    const origin = fakeOrigin([503, 503]);
    const onDrop = vi.fn();
    const sink = createBatchingClickSink(origin.client(), { maxDelayMs: 5, onDrop });
    const event = click(1);
    await sink.record(event);

    expect(origin.received).toHaveLength(3);
    expect(origin.batches()).toEqual([[event.id], [event.id], [event.id]]);
    expect(origin.received.every((r) => r.verified.ok)).toBe(true);
    // A fresh nonce per attempt, or the origin's replay check would refuse the retries.
    expect(new Set(origin.received.map((r) => r.headers.get(HEADER_NONCE))).size).toBe(3);
    const [t0, t1, t2] = origin.received.map((r) => r.at) as [number, number, number];
    expect(t1 - t0).toBeGreaterThanOrEqual(95);
    expect(t2 - t1).toBeGreaterThanOrEqual(195);
    expect(onDrop).not.toHaveBeenCalled();
  });

  test("retries after a network error, then succeeds", async () => {
    const origin = fakeOrigin(["network-error"]);
    const onDrop = vi.fn();
    const sink = createBatchingClickSink(origin.client(), { maxDelayMs: 5, onDrop });
    const event = click(1);
    await sink.record(event);
    expect(origin.batches()).toEqual([[event.id], [event.id]]);
    expect(origin.received[1]!.at - origin.received[0]!.at).toBeGreaterThanOrEqual(95);
    expect(onDrop).not.toHaveBeenCalled();
  });

  test("retries a 429 (rate limited)", async () => {
    const origin = fakeOrigin([429]);
    const onDrop = vi.fn();
    const sink = createBatchingClickSink(origin.client(), { maxDelayMs: 5, onDrop });
    await sink.record(click(1));
    expect(origin.received).toHaveLength(2);
    expect(onDrop).not.toHaveBeenCalled();
  });

  test("gives up after `attempts` 503s, calls onDrop with the batch, and still resolves record()", async () => {
    const origin = fakeOrigin([503, 503, 503, 503, 503]);
    const onDrop = vi.fn();
    const sink = createBatchingClickSink(origin.client(), { maxDelayMs: 5, attempts: 3, onDrop });
    const events = [click(1), click(2)];
    await expect(Promise.all(events.map((event) => sink.record(event)))).resolves.toBeDefined();
    expect(origin.received).toHaveLength(3);
    expect(onDrop).toHaveBeenCalledTimes(1);
    expect(onDrop.mock.calls[0]![0]).toEqual(events);
    expect(String(onDrop.mock.calls[0]![1])).toContain("503");
  });

  test("gives up after `attempts` network errors and hands onDrop the network error", async () => {
    const origin = fakeOrigin(["network-error", "network-error"]);
    const onDrop = vi.fn();
    const sink = createBatchingClickSink(origin.client(), { maxDelayMs: 5, attempts: 2, onDrop });
    const event = click(1);
    await sink.record(event);
    expect(origin.received).toHaveLength(2);
    expect(onDrop).toHaveBeenCalledWith([event], expect.objectContaining({ name: "TypeError", message: "fetch failed" }));
  });

  test("does not retry a 400 and drops the batch", async () => {
    const origin = fakeOrigin([400]);
    const onDrop = vi.fn();
    const sink = createBatchingClickSink(origin.client(), { maxDelayMs: 5, onDrop });
    const event = click(1);
    await sink.record(event);
    expect(origin.received).toHaveLength(1);
    expect(onDrop).toHaveBeenCalledTimes(1);
    expect(onDrop.mock.calls[0]![0]).toEqual([event]);
    expect(String(onDrop.mock.calls[0]![1])).toContain("400");
  });

  test("a failed batch does not hold up or affect the next one", async () => {
    const origin = fakeOrigin([400]);
    const onDrop = vi.fn();
    const sink = createBatchingClickSink(origin.client(), { maxDelayMs: 5, onDrop });
    const a = click(1);
    const b = click(2);
    await sink.record(a);
    await sink.record(b);
    expect(origin.batches()).toEqual([[a.id], [b.id]]);
    expect(onDrop).toHaveBeenCalledTimes(1);
    expect(onDrop.mock.calls[0]![0]).toEqual([a]);
  });
});

describe("bounded buffer", () => {
  test("past maxBuffered, clicks are dropped, counted and reported; the buffer drains as posts finish", async () => {
    let answer!: (status: number) => void;
    const origin = fakeOrigin([new Promise<number>((resolve) => (answer = resolve))]);
    const dropped: ClickEvent[][] = [];
    const sink = createBatchingClickSink(origin.client(), { maxBatch: 2, maxDelayMs: 1, maxBuffered: 3, onDrop: (events) => void dropped.push(events) });
    const events = [click(1), click(2), click(3), click(4), click(5)];
    const first = sink.record(events[0]!);
    sink.record(events[1]!); // fills the first batch: posted, and held by the origin
    const second = sink.record(events[2]!);
    await sink.record(events[3]!); // dropped: resolves at once
    await sink.record(events[4]!);
    expect(dropped).toEqual([[events[3]], [events[4]]]);
    expect(sink.stats()).toEqual({ buffered: 3, dropped: 2, sent: 0 });

    answer(202);
    await Promise.all([first, second]);
    expect(sink.stats()).toEqual({ buffered: 0, dropped: 2, sent: 3 });
    expect(origin.batches().flat().sort()).toEqual([events[0]!.id, events[1]!.id, events[2]!.id].sort());
  });

  test("a batch the origin keeps refusing counts as dropped too", async () => {
    const origin = fakeOrigin([400]);
    const sink = createBatchingClickSink(origin.client(), { maxDelayMs: 1, onDrop: () => {} });
    await sink.record(click(1));
    expect(sink.stats()).toEqual({ buffered: 0, dropped: 1, sent: 0 });
  });
});

describe("post concurrency", () => {
  test("with every post slot busy, waiting clicks coalesce into one batch instead of many", async () => {
    let answer!: (status: number) => void;
    const origin = fakeOrigin([new Promise<number>((resolve) => (answer = resolve))]);
    const sink = createBatchingClickSink(origin.client(), { maxConcurrent: 1, maxDelayMs: 1 });
    const first = sink.record(click(1)); // posted alone, then held by the origin
    await new Promise((resolve) => setTimeout(resolve, 20));
    const rest = [click(2), click(3), click(4)];
    const later: Promise<void>[] = [];
    for (const event of rest) {
      later.push(sink.record(event));
      await new Promise((resolve) => setTimeout(resolve, 10)); // well past maxDelayMs each time
    }
    expect(origin.received).toHaveLength(1);
    answer(202);
    await Promise.all([first, ...later]);
    expect(origin.batches()).toEqual([[expect.any(String)], rest.map((e) => e.id)]);
    expect(sink.stats()).toEqual({ buffered: 0, dropped: 0, sent: 4 });
  });
});
