import { describe, expect, test } from "vitest";
import { requestIdFrom } from "./request-id";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("requestIdFrom", () => {
  test.each(["abcdefgh", "req_01HZX.trace:42-a", "a".repeat(128)])("keeps a sane caller id %s", (id) => {
    expect(requestIdFrom(id)).toBe(id);
  });

  test.each([null, undefined, "", "short", "a".repeat(129), "has space in it", "new\nline-injection", "<script>alert</script>"])(
    "replaces %j with a fresh UUID",
    (id) => {
      const result = requestIdFrom(id);
      expect(result).toMatch(UUID);
      expect(result).not.toBe(id);
    },
  );

  test("fresh ids differ", () => {
    expect(requestIdFrom(null)).not.toBe(requestIdFrom(null));
  });
});
