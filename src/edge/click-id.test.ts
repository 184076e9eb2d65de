import { expect, test } from "vitest";
import { clickId } from "./click-id";

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const timestampOf = (id: string) => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

test("UUIDv7 carrying the given time, distinct across several pool refills", () => {
  const at = Date.parse("2026-12-07T06:30:00.123Z");
  const ids = Array.from({ length: 1_000 }, () => clickId(at));
  for (const id of ids) {
    expect(id).toMatch(V7);
    expect(timestampOf(id)).toBe(at);
  }
  expect(new Set(ids).size).toBe(ids.length);
});

test("ids of later clicks sort after earlier ones", () => {
  const first = clickId(1_796_600_000_000);
  const later = clickId(1_796_600_000_001);
  expect(later > first).toBe(true);
});
