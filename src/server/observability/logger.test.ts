import { Writable } from "node:stream";
import { expect, test } from "vitest";
import { createLogger } from "./logger";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return { destination, lines };
}

test("JSON lines with level names and ISO time; below LOG_LEVEL nothing", () => {
  const { destination, lines } = capture();
  const log = createLogger({ level: "warn", destination, base: {} });
  log.info({ a: 1 }, "hidden");
  log.warn({ count: 2 }, "shown");
  expect(lines).toHaveLength(1);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  expect(line).toMatchObject({ level: "warn", count: 2, msg: "shown" });
  expect(new Date(String(line.time)).toISOString()).toBe(line.time);
});

test("the redact safety net: secrets passed by mistake are replaced, other fields kept", () => {
  const { destination, lines } = capture();
  const log = createLogger({ destination, base: {} });
  log.info(
    {
      route: "/api/v1/links",
      password: "pw-1",
      authorization: "Bearer sp_key-2",
      cookie: "session=tok-3",
      ip: "203.0.113.4",
      headers: { authorization: "Bearer sp_key-5", "x-forwarded-for": "203.0.113.6" },
      user: { password: "pw-7", apiKey: "sp_key-8", ipAddress: "203.0.113.9" },
      body: '{"password":"pw-10"}',
    },
    "oops",
  );
  const text = lines.join("\n");
  for (const secret of ["pw-1", "sp_key-2", "tok-3", "203.0.113.4", "sp_key-5", "203.0.113.6", "pw-7", "sp_key-8", "203.0.113.9", "pw-10"]) expect(text).not.toContain(secret);
  expect(JSON.parse(lines[0]!)).toMatchObject({ route: "/api/v1/links", password: "[redacted]", user: { password: "[redacted]" } });
});
