/**
 * pgArray (src/server/db/pg-array.ts) against the databases themselves: the literal it writes must
 * read back, through each element type's input function, as exactly the values it was given. The
 * click store sends every column of a round this way.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { pgArray, type ArrayElement } from "@/server/db/pg-array";
import { backends, freshDatabase, type TestDatabase } from "../support/databases";

const AWKWARD_TEXT: (string | null)[] = [
  "plain",
  "",
  "NULL",
  "null",
  null,
  " leading and trailing ",
  "comma,separated",
  "{braces}",
  'a "quoted" word',
  "back\\slash",
  '\\"both\\"',
  "new\nline\ttab",
  "ünïcødé — 東京 🚀",
  "semi;colon",
];

describe.each(backends())("pgArray on %s", (backend) => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await freshDatabase(backend);
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  async function roundTrip(literal: string, type: string): Promise<unknown[]> {
    // Each element back as text (or null), in order: independent of the driver's array parsing.
    const result = await testDb.database.db.execute(sql.raw(`select ord, value::text as value from unnest('${literal.replace(/'/g, "''")}'::${type}[]) with ordinality as t(value, ord) order by ord`));
    return (result as unknown as { rows: { value: string | null }[] }).rows.map((row) => row.value);
  }

  async function roundTripParam(values: ArrayElement[], type: string, expression = "value::text"): Promise<unknown[]> {
    const result = await testDb.database.db.execute(sql`select ${sql.raw(expression)} as value from unnest(${sql.param(pgArray(values, (v) => v))}::${sql.raw(type)}[]) with ordinality as t(value, ord) order by ord`);
    return (result as unknown as { rows: { value: string | null }[] }).rows.map((row) => row.value);
  }

  test("text: quotes, backslashes, NULL-looking strings, separators and unicode read back unchanged", async () => {
    expect(await roundTripParam(AWKWARD_TEXT, "text")).toEqual(AWKWARD_TEXT);
    // The same literal typed in by hand (no driver parameter in between) reads the same.
    expect(await roundTrip(pgArray(AWKWARD_TEXT, (v) => v), "text")).toEqual(AWKWARD_TEXT);
  });

  test("numbers, booleans and nulls keep their values in typed arrays", async () => {
    expect(await roundTripParam([0, -1, 32767, null, 7], "smallint")).toEqual(["0", "-1", "32767", null, "7"]);
    expect(await roundTripParam([1, 9007199254740991, null], "bigint")).toEqual(["1", "9007199254740991", null]);
    expect(await roundTripParam([true, false, null, true], "boolean")).toEqual(["true", "false", null, "true"]);
  });

  test("uuids and timestamps are read by their own input functions", async () => {
    const id = "0193e2a4-5b6c-7d8e-9f00-112233445566";
    expect(await roundTripParam([id, null], "uuid")).toEqual([id, null]);
    const at = "2026-03-29T01:30:00.000Z";
    // Milliseconds since the epoch: independent of the session's time zone.
    expect(await roundTripParam([at, null], "timestamptz", "(extract(epoch from value) * 1000)::bigint::text")).toEqual([String(Date.parse(at)), null]);
  });

  test("an empty list is the empty array", async () => {
    expect(pgArray([], (v) => v)).toBe("{}");
    expect(await roundTripParam([], "text")).toEqual([]);
  });
});

describe("pgArray refuses what has no literal", () => {
  test("non-finite numbers and other types throw instead of writing a wrong value", () => {
    expect(() => pgArray([Number.NaN], (v) => v)).toThrow(TypeError);
    expect(() => pgArray([Number.POSITIVE_INFINITY], (v) => v)).toThrow(TypeError);
    expect(() => pgArray([new Date()], (v) => v as unknown as ArrayElement)).toThrow(TypeError);
  });
});
