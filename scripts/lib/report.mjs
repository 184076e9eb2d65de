// Pure helpers for `npm run bench`'s report (scripts/bench.mjs, scripts/bench-timing.ts):
// percentiles, Server-Timing parsing, per-stage summaries, the round-trip model and Markdown tables.
// No I/O here, so scripts/lib/report.test.ts can check every function on plain values.

/** Nearest-rank percentile (the value at rank ⌈p/100 · n⌉ of the sorted values); NaN when empty. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Count, p50, p95, p99 and max of `values` (milliseconds, say). */
export function summarize(values) {
  return { n: values.length, p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99), max: values.length ? Math.max(...values) : NaN };
}

/**
 * Parses Server-Timing header values (RFC: `name;dur=1.2;desc="text", other;dur=3`), several
 * headers joined with ", " as fetch / node:http join them. Quoted strings may hold commas and
 * semicolons. Returns [{ name, dur, desc }] in header order; `dur` is NaN when absent.
 */
export function parseServerTiming(header) {
  if (!header) return [];
  const metrics = [];
  let i = 0;
  const text = String(header);
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const token = () => {
    const start = i;
    while (i < text.length && !/[\s,;=]/.test(text[i])) i++;
    return text.slice(start, i);
  };
  const value = () => {
    if (text[i] !== '"') return token();
    let out = "";
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\" && i + 1 < text.length) i++;
      out += text[i++];
    }
    i++; // closing quote
    return out;
  };
  while (i < text.length) {
    skipSpace();
    const name = token();
    const metric = { name, dur: NaN, desc: undefined };
    skipSpace();
    while (text[i] === ";") {
      i++;
      skipSpace();
      const key = token().toLowerCase();
      skipSpace();
      let param = "";
      if (text[i] === "=") {
        i++;
        skipSpace();
        param = value();
      }
      if (key === "dur" && Number.isNaN(metric.dur)) metric.dur = Number(param);
      else if (key === "desc" && metric.desc === undefined) metric.desc = param;
      skipSpace();
    }
    // Anything else up to the next comma is malformed: skip it.
    while (i < text.length && text[i] !== ",") i++;
    i++;
    if (name) metrics.push(metric);
  }
  return metrics;
}

/**
 * Per-stage summary of a series of timed requests. `samples`: [{ totalMs, timing }] where `timing`
 * is parseServerTiming's output for one response. A stage named twice in one response counts once
 * with its durations added. Stages keep the order in which they first appear.
 */
export function stageSummary(samples) {
  const order = [];
  const durations = new Map();
  for (const sample of samples) {
    const perRequest = new Map();
    for (const metric of sample.timing) {
      if (!Number.isFinite(metric.dur)) continue;
      perRequest.set(metric.name, (perRequest.get(metric.name) ?? 0) + metric.dur);
    }
    for (const [name, dur] of perRequest) {
      if (!durations.has(name)) {
        durations.set(name, []);
        order.push(name);
      }
      durations.get(name).push(dur);
    }
  }
  return {
    requests: samples.length,
    total: summarize(samples.map((s) => s.totalMs)),
    stages: order.map((name) => ({ name, ...summarize(durations.get(name)) })),
  };
}

/**
 * The round-trip model: what a user far from the database region waits, from times measured on
 * 127.0.0.1 plus assumed network round trips.
 *
 * measured: { hitMs, missMs, apiMs } — server-side (loopback) times of an edge redirect on a cache
 *   hit, on a cache miss (its origin lookup and the database included), and of one API call.
 * userEdgeRttMs: user ↔ nearest edge round trip. regionRttsMs: round trips between the user's edge
 *   (or the user) and the database region, one row each. pageCalls: API calls a page makes one after
 *   another.
 *
 * Per row: hit = userEdge + hit (no origin round trip); miss = userEdge + region + miss (one lookup
 * round trip); api = region + api (the user talks to the region directly); page = pageCalls ×
 * (region + api); pageNearData = region + pageCalls × api (one request to code running beside the
 * database, which makes the calls there).
 */
export function rttModel({ measured, userEdgeRttMs, regionRttsMs, pageCalls }) {
  return regionRttsMs.map((regionRttMs) => ({
    regionRttMs,
    hitMs: userEdgeRttMs + measured.hitMs,
    missMs: userEdgeRttMs + regionRttMs + measured.missMs,
    apiMs: regionRttMs + measured.apiMs,
    pageMs: pageCalls * (regionRttMs + measured.apiMs),
    pageNearDataMs: regionRttMs + pageCalls * measured.apiMs,
  }));
}

/** A Markdown table; `align` per column: "l" or "r" (default: first column left, others right). */
export function markdownTable(header, rows, align) {
  const aligns = header.map((_, i) => align?.[i] ?? (i === 0 ? "l" : "r"));
  const escape = (cell) => String(cell).replace(/\|/g, "\\|").replace(/\n/g, " ");
  return [
    `| ${header.map(escape).join(" | ")} |`,
    `|${aligns.map((a) => (a === "r" ? "---:" : "---")).join("|")}|`,
    ...rows.map((row) => `| ${row.map(escape).join(" | ")} |`),
  ].join("\n");
}

/** A number for a report: fixed digits, thousands separated, "—" when not a finite number. */
export function fmt(n, digits = 0) {
  if (typeof n !== "number" || !Number.isFinite(n)) return "—";
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `a / b` as "0.42×", "—" when either is missing or b is 0. */
export function ratio(a, b, digits = 2) {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${fmt(a / b, digits)}×` : "—";
}

export const passFail = (ok) => (ok === null || ok === undefined ? "—" : ok ? "PASS" : "FAIL");
