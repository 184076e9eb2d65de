/**
 * The Node redirector's link-change subscription on a real Redis (TEST_REDIS_URL; CI sets it):
 * events reach `onChange`, and `onLive` says when changes can and cannot be missed, across a
 * connection Redis cuts and the client re-establishes. The redirector's cache keeps links longer
 * only while it is live (src/edge/link-cache.ts, setChangesPushed).
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LINK_CHANGED_CHANNEL, subscribeLinkChanges, type LinkEventSubscription } from "@/hosts/node/link-events";

const REDIS_URL = process.env.TEST_REDIS_URL || undefined;

describe.skipIf(!REDIS_URL)("link-change subscription (Redis)", () => {
  let admin: Redis;
  let subscription: LinkEventSubscription | undefined;
  const changes: string[] = [];
  const live: boolean[] = [];
  const logged: string[] = [];

  beforeAll(() => {
    admin = new Redis(REDIS_URL!);
  });
  afterAll(async () => {
    await subscription?.close();
    admin.disconnect();
  });

  /** Publishes until one change arrives (a publish before the subscription is heard is lost, as in production). */
  async function published(domain: string, key: string): Promise<void> {
    const before = changes.length;
    await expect
      .poll(
        async () => {
          await admin.publish(LINK_CHANGED_CHANNEL, JSON.stringify({ domain, key }));
          return changes.length > before;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(true);
  }

  test("goes live once subscribed and passes valid events on (domain lower-cased), ignoring malformed ones", async () => {
    subscription = subscribeLinkChanges(
      REDIS_URL!,
      (domain, key) => changes.push(`${domain}/${key}`),
      (_level, msg) => logged.push(msg),
      (value) => live.push(value),
    );
    await expect.poll(() => live, { timeout: 10_000, interval: 20 }).toEqual([true]);
    expect(logged).toContain("subscribed to link changes");
    await admin.publish(LINK_CHANGED_CHANNEL, "not json");
    await admin.publish(LINK_CHANGED_CHANNEL, JSON.stringify({ domain: 1, key: "x" }));
    await published("Short.Example", "abc");
    expect(changes).toEqual(["short.example/abc"]);
  });

  test("a connection Redis cuts is reported not live, then live again once re-subscribed; events flow again", async () => {
    const name = `signpost-link-events-${process.pid}`;
    const clients = String(await admin.client("LIST"))
      .split("\n")
      .filter((line) => line.includes(` name=${name} `));
    expect(clients).toHaveLength(1);
    const id = /\bid=(\d+)/.exec(clients[0]!)![1]!;
    await admin.client("KILL", "ID", id);
    await expect.poll(() => live, { timeout: 10_000, interval: 20 }).toEqual([true, false, true]);
    await published("short.example", "after-reconnect");
    expect(changes.at(-1)).toBe("short.example/after-reconnect");
  });

  test("close() ends the subscription: not reported live again, no further events", async () => {
    await subscription!.close();
    const count = changes.length;
    await admin.publish(LINK_CHANGED_CHANNEL, JSON.stringify({ domain: "short.example", key: "late" }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(changes).toHaveLength(count);
    expect(live.at(-1)).toBe(false);
    subscription = undefined;
  });
});
