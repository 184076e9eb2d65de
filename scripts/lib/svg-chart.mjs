// Horizontal grouped bar charts as plain SVG text, for docs/benchmarks/*.svg (no external service,
// no dependency). One SVG holds one or more panels stacked vertically; each panel has its own scale.
//
//   barChartSvg({ title, panels: [{ title, unit, categories, series: [{ name, values }], goal? }], plotWidth? })
//
// Every bar is a <rect class="bar" data-series=… data-category=… data-value=…> whose width is
// proportional to its value on its panel's linear scale (0 … the largest value or goal); the value
// is printed beside it. A missing value (null / NaN) draws no bar and prints "—". `goal`
// ({ value, label }) draws a dashed reference line.

const PALETTE = ["#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#64748b"];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';

export function escapeXml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function label(n) {
  if (typeof n !== "number" || !Number.isFinite(n)) return "—";
  if (n === 0) return "0";
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString("en-US");
  return n.toFixed(n >= 10 ? 1 : 2);
}

/** A round upper bound ≥ max for the axis: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^k. */
export function niceMax(max) {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (step * power >= max) return Number((step * power).toPrecision(12));
  return 10 * power;
}

export function barChartSvg({ title, panels, plotWidth = 460 }) {
  // Category labels are right-aligned beside the bars: room for the longest (≈ 6.2 px a character at 11 px).
  const longest = Math.max(0, ...panels.flatMap((panel) => panel.categories.map((c) => String(c).length)));
  const labelWidth = Math.round(Math.min(460, Math.max(120, 20 + 6.2 * longest)));
  const valueWidth = 80;
  const width = labelWidth + plotWidth + valueWidth;
  const barHeight = 14;
  const barGap = 3;
  const groupGap = 12;
  const parts = [];
  let y = 34;
  parts.push(`<text x="10" y="22" font-size="16" font-weight="600" ${FONT}>${escapeXml(title)}</text>`);
  for (const panel of panels) {
    const series = panel.series;
    const values = series.flatMap((s) => s.values).filter((v) => typeof v === "number" && Number.isFinite(v));
    const scaleMax = niceMax(Math.max(0, ...values, panel.goal?.value ?? 0));
    const scale = (v) => (v / scaleMax) * plotWidth;
    y += 18;
    parts.push(`<text x="10" y="${y}" font-size="13" font-weight="600" ${FONT}>${escapeXml(panel.title)}${panel.unit ? ` (${escapeXml(panel.unit)})` : ""}</text>`);
    // Legend, on its own line
    y += 18;
    let legendX = labelWidth;
    for (const [index, s] of series.entries()) {
      const color = s.color ?? PALETTE[index % PALETTE.length];
      parts.push(`<rect x="${legendX}" y="${y - 10}" width="10" height="10" fill="${color}"/>`);
      parts.push(`<text x="${legendX + 14}" y="${y}" font-size="11" ${FONT}>${escapeXml(s.name)}</text>`);
      legendX += 24 + 7 * s.name.length;
    }
    y += 22;
    const top = y;
    for (const [ci, category] of panel.categories.entries()) {
      const groupHeight = series.length * (barHeight + barGap) - barGap;
      parts.push(`<text x="${labelWidth - 8}" y="${y + groupHeight / 2 + 4}" font-size="11" text-anchor="end" ${FONT}>${escapeXml(category)}</text>`);
      for (const [si, s] of series.entries()) {
        const v = s.values[ci];
        const color = s.color ?? PALETTE[si % PALETTE.length];
        const present = typeof v === "number" && Number.isFinite(v);
        const w = present ? Math.max(0, scale(v)) : 0;
        if (present) {
          parts.push(`<rect class="bar" data-series="${escapeXml(s.name)}" data-category="${escapeXml(category)}" data-value="${v}" x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${color}"/>`);
        }
        parts.push(`<text x="${labelWidth + w + 4}" y="${y + barHeight - 3}" font-size="10" ${FONT}>${escapeXml(label(v))}</text>`);
        y += barHeight + barGap;
      }
      y += groupGap - barGap;
    }
    const bottom = y - groupGap + barGap;
    parts.push(`<line x1="${labelWidth}" y1="${top - 2}" x2="${labelWidth}" y2="${bottom + 2}" stroke="#334155"/>`);
    // Axis ticks: 0, ½, max
    for (const fraction of [0, 0.5, 1]) {
      const x = labelWidth + fraction * plotWidth;
      parts.push(`<line x1="${x}" y1="${bottom + 2}" x2="${x}" y2="${bottom + 6}" stroke="#334155"/>`);
      parts.push(`<text x="${x}" y="${bottom + 17}" font-size="10" text-anchor="middle" fill="#475569" ${FONT}>${escapeXml(label(fraction * scaleMax))}</text>`);
    }
    if (panel.goal && Number.isFinite(panel.goal.value)) {
      const x = labelWidth + scale(panel.goal.value);
      parts.push(`<line class="goal" x1="${x.toFixed(1)}" y1="${top - 4}" x2="${x.toFixed(1)}" y2="${bottom + 2}" stroke="#dc2626" stroke-dasharray="4 3"/>`);
      const right = x > labelWidth + plotWidth / 2;
      parts.push(
        `<text x="${(right ? x - 3 : x + 3).toFixed(1)}" y="${top - 5}" font-size="10" fill="#dc2626"${right ? ' text-anchor="end"' : ""} ${FONT}>${escapeXml(panel.goal.label ?? `goal ${label(panel.goal.value)}`)}</text>`,
      );
    }
    y = bottom + 30;
  }
  const height = y;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...parts,
    `</svg>`,
    "",
  ].join("\n");
}
