import { expect, test } from "vitest";
import { metricsAuthorized } from "./metrics-token";

const TOKEN = "metrics-token-0123456789";

test("no METRICS_TOKEN: open to anyone", () => {
  expect(metricsAuthorized(undefined, undefined)).toBe(true);
  expect(metricsAuthorized("Bearer whatever", undefined)).toBe(true);
});

test("with METRICS_TOKEN: only `Bearer <token>` exactly", () => {
  expect(metricsAuthorized(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
  for (const header of [undefined, null, "", TOKEN, `bearer ${TOKEN}`, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN.slice(0, -1)}X`, `Basic ${TOKEN}`]) {
    expect(metricsAuthorized(header, TOKEN), String(header)).toBe(false);
  }
});
