import "server-only";

/** A value one element of a Postgres array literal can hold here. */
export type ArrayElement = string | number | boolean | null;

/**
 * The Postgres array literal (`{"a","b",NULL}`) of `pick` over `rows`, for one `$n::text[]` (or
 * `::uuid[]`, `::timestamptz[]`, `::bigint[]`...) parameter: the cast makes Postgres read it with
 * the element type's own input function.
 *
 * The click store sends one such array per column for up to 10,000 clicks a round. node-postgres
 * builds the same literal from a JS array by appending each element's escaped copy to a growing
 * string, which left its worker with ~11% of its CPU in that code and much of its garbage. Here
 * each element is quoted once (escaped only when it holds `"` or `\`) and the parts are joined
 * into one flat string. Every string is quoted, so "", "NULL", commas and braces stay data;
 * numbers must be finite (they are written as they are); a Date has no literal here (send
 * `toISOString()`).
 */
export function pgArray<T>(rows: readonly T[], pick: (row: T) => ArrayElement): string {
  const parts = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) parts[i] = element(pick(rows[i]!));
  return `{${parts.join(",")}}`;
}

/**
 * Longest array literal (in characters) one statement's parameter should be: V8 puts every string
 * over 128 KiB in its large-object space, on pages of their own that are mapped for it and unmapped
 * when it is collected. On this project's benchmark machine (a microVM where a first touch of a page
 * costs ~20 µs) building and sending a 390 KB literal cost 340-435 ns per element, four times what
 * 2,500-element chunks of the same column cost (80 ns). Rows are sent in chunks below this size.
 */
export const ARRAY_LITERAL_BUDGET = 96 * 1024;

/**
 * `rows` cut into consecutive chunks, in order, whose array literals stay under
 * ARRAY_LITERAL_BUDGET in every column: `longest(row)` is the length of the row's longest value in
 * any column sent (each column's literal is then at most the chunk's sum of them plus quoting).
 */
export function literalChunks<T>(rows: readonly T[], longest: (row: T) => number): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let size = 2;
  for (const row of rows) {
    // Quotes, a separator, and room for escaping a few characters.
    const cost = longest(row) + 4;
    if (chunk.length > 0 && size + cost > ARRAY_LITERAL_BUDGET) {
      chunks.push(chunk);
      chunk = [];
      size = 2;
    }
    chunk.push(row);
    size += cost;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

const NEEDS_ESCAPE = /["\\]/;

function element(value: ArrayElement): string {
  if (value === null) return "NULL";
  switch (typeof value) {
    case "string":
      return NEEDS_ESCAPE.test(value) ? `"${value.replace(/[\\"]/g, "\\$&")}"` : `"${value}"`;
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`pgArray: ${value} has no array literal`);
      return String(value);
    case "boolean":
      return value ? "t" : "f";
    default:
      throw new TypeError(`pgArray: a ${typeof value} has no array literal`);
  }
}
