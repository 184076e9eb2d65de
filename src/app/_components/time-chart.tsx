import "./time-chart.css";

/**
 * A server-rendered SVG chart of values over time: lines (gaps where a value is null) or stacked
 * bars. No client JavaScript. The SVG scales to its container's width with a fixed aspect ratio
 * (so nothing shifts as it loads); its `<title>` and `<desc>` (the latest and highest value of each
 * series) make it readable to screen readers, and the legend below is plain HTML.
 */
export interface ChartPoint {
  /** ms since the epoch */
  at: number;
  value: number | null;
}

export interface ChartSeries {
  label: string;
  points: ChartPoint[];
}

export interface TimeChartProps {
  /** Unique on the page: the SVG's title and description ids derive from it. */
  id: string;
  title: string;
  series: ChartSeries[];
  /** The y axis' unit, shown above it, e.g. "requests/s". */
  unit: string;
  format: (value: number) => string;
  kind?: "line" | "bar";
  /** The x range (defaults to the points'); for bars, `end` is the end of the last bar's interval. */
  start?: number;
  end?: number;
  /** A fixed top for the y axis (1 for a ratio); otherwise a rounded maximum of the data. */
  yMax?: number;
  /** Counts (entries, jobs, connections): y ticks at whole numbers only. */
  integer?: boolean;
  /** The x axis' label. */
  timeLabel?: string;
  /** What to say when there is nothing to draw. */
  empty?: string;
  /** A sentence under the chart. */
  note?: string;
}

const WIDTH = 360;
const HEIGHT = 200;
const MARGIN = { top: 22, right: 12, bottom: 36, left: 46 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

/** Okabe–Ito colours (distinguishable with colour-blindness), each line with its own dash too. */
const COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
const DASHES = ["", "6 3", "2 3", "8 3 2 3", "4 4", "1 2", "10 2"];

function niceStep(range: number, ticks: number): number {
  const raw = range / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  return (residual > 5 ? 10 : residual > 2 ? 5 : residual > 1 ? 2 : 1) * magnitude;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const TIME_STEPS = [5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR, 2 * 24 * HOUR, 7 * 24 * HOUR, 14 * 24 * HOUR, 28 * 24 * HOUR];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function timeTicks(start: number, end: number): { ticks: number[]; seconds: boolean } {
  const step = TIME_STEPS.find((s) => (end - start) / s <= 4) ?? TIME_STEPS.at(-1)!;
  const ticks: number[] = [];
  for (let at = Math.ceil(start / step) * step; at <= end; at += step) ticks.push(at);
  return { ticks, seconds: step < MINUTE };
}

const two = (n: number) => String(n).padStart(2, "0");

/** "14:35" (UTC; "14:35:30" with `seconds`), or "Nov 25" at a UTC midnight. */
export function timeLabel(at: number, seconds = false): string {
  const date = new Date(at);
  if (date.getUTCHours() === 0 && date.getUTCMinutes() === 0 && date.getUTCSeconds() === 0) return `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}`;
  return `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}${seconds ? `:${two(date.getUTCSeconds())}` : ""}`;
}

function describe(props: TimeChartProps, drawn: ChartSeries[]): string {
  if (drawn.length === 0) return `${props.title}: ${props.empty ?? "no data yet"}.`;
  const parts = drawn.slice(0, 8).map((series) => {
    const values = series.points.map((p) => p.value).filter((v): v is number => v !== null);
    const latest = [...series.points].reverse().find((p) => p.value !== null)?.value;
    return `${series.label}: latest ${latest === undefined || latest === null ? "none" : props.format(latest)}, highest ${props.format(Math.max(...values))}`;
  });
  return `${props.title}, ${props.unit}, from ${timeLabel(drawn[0]!.points[0]!.at, true)} to ${timeLabel(drawn[0]!.points.at(-1)!.at, true)} UTC. ${parts.join("; ")}.`;
}

export function TimeChart(props: TimeChartProps) {
  const { id, title, unit, format, kind = "line" } = props;
  const drawn = props.series.filter((series) => series.points.some((p) => p.value !== null));
  const titleId = `${id}-title`;
  const descId = `${id}-desc`;
  const all = drawn.flatMap((series) => series.points);
  const times = all.map((p) => p.at);
  const start = props.start ?? (times.length ? Math.min(...times) : 0);
  const end = props.end ?? (times.length ? Math.max(...times) : 1);
  const span = end > start ? end - start : 1;
  const x = (at: number) => MARGIN.left + ((at - start) / span) * PLOT_W;

  // Bars stack: each bar's height is the sum of the series at that time.
  const stacked = new Map<number, number>();
  if (kind === "bar") for (const p of all) stacked.set(p.at, (stacked.get(p.at) ?? 0) + (p.value ?? 0));
  const dataMax = kind === "bar" ? Math.max(0, ...stacked.values()) : Math.max(0, ...all.map((p) => p.value ?? 0));
  const nice = niceStep(dataMax > 0 ? dataMax : 1, 4);
  const step = props.yMax !== undefined ? props.yMax / 4 : props.integer ? Math.max(1, nice) : nice;
  const yTop = props.yMax ?? Math.max(step, Math.ceil(dataMax / step) * step);
  const y = (value: number) => MARGIN.top + PLOT_H - (value / yTop) * PLOT_H;
  const yTicks: number[] = [];
  for (let v = 0; v <= yTop + step / 1000; v += step) yTicks.push(v);

  const xTicks = timeTicks(start, end);

  let marks: React.ReactNode = null;
  if (drawn.length > 0 && kind === "line") {
    marks = drawn.map((series, index) => {
      const segments: ChartPoint[][] = [];
      let current: ChartPoint[] = [];
      for (const point of series.points) {
        if (point.value === null) {
          if (current.length) segments.push(current);
          current = [];
        } else current.push(point);
      }
      if (current.length) segments.push(current);
      const color = COLORS[index % COLORS.length];
      return (
        <g key={series.label} stroke={color} fill={color}>
          {segments.map((segment, s) =>
            segment.length === 1 ? (
              <circle key={s} cx={x(segment[0]!.at)} cy={y(segment[0]!.value!)} r={2.5} stroke="none" />
            ) : (
              <polyline
                key={s}
                fill="none"
                strokeWidth={1.8}
                strokeLinejoin="round"
                strokeDasharray={DASHES[index % DASHES.length] || undefined}
                points={segment.map((p) => `${x(p.at).toFixed(1)},${y(p.value!).toFixed(1)}`).join(" ")}
              />
            ),
          )}
        </g>
      );
    });
  } else if (drawn.length > 0) {
    const slots = [...stacked.keys()].sort((a, b) => a - b);
    const slot = slots.length > 1 ? Math.min(...slots.slice(1).map((at, i) => at - slots[i]!)) : span;
    const barWidth = Math.max(1, (slot / span) * PLOT_W - 1);
    const base = new Map<number, number>();
    marks = drawn.map((series, index) => (
      <g key={series.label} fill={COLORS[index % COLORS.length]}>
        {series.points.map((p) => {
          if (!p.value) return null;
          const below = base.get(p.at) ?? 0;
          base.set(p.at, below + p.value);
          return <rect key={p.at} x={x(p.at) + 0.5} y={y(below + p.value)} width={barWidth} height={y(below) - y(below + p.value)} />;
        })}
      </g>
    ));
  }

  return (
    <figure className="time-chart">
      <figcaption className="time-chart-title">{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width={WIDTH} height={HEIGHT} role="img" aria-labelledby={`${titleId} ${descId}`}>
        <title id={titleId}>{title}</title>
        <desc id={descId}>{describe(props, drawn)}</desc>
        <text x={MARGIN.left - 6} y={12} className="axis-label" textAnchor="start">
          {unit}
        </text>
        {yTicks.map((v) => (
          <g key={v}>
            <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(v)} y2={y(v)} className={v === 0 ? "axis" : "grid"} />
            <text x={MARGIN.left - 5} y={y(v) + 4} textAnchor="end" className="tick">
              {format(v)}
            </text>
          </g>
        ))}
        <line x1={MARGIN.left} x2={MARGIN.left} y1={MARGIN.top} y2={MARGIN.top + PLOT_H} className="axis" />
        {drawn.length > 0
          ? xTicks.ticks.map((at) => (
              <g key={at}>
                <line x1={x(at)} x2={x(at)} y1={MARGIN.top + PLOT_H} y2={MARGIN.top + PLOT_H + 4} className="axis" />
                <text x={x(at)} y={MARGIN.top + PLOT_H + 16} textAnchor={x(at) > WIDTH - MARGIN.right - 20 ? "end" : x(at) < MARGIN.left + 20 ? "start" : "middle"} className="tick">
                  {timeLabel(at, xTicks.seconds)}
                </text>
              </g>
            ))
          : null}
        <text x={MARGIN.left + PLOT_W / 2} y={HEIGHT - 4} textAnchor="middle" className="axis-label">
          {props.timeLabel ?? "Time (UTC)"}
        </text>
        {marks}
        {drawn.length === 0 ? (
          <text x={MARGIN.left + PLOT_W / 2} y={MARGIN.top + PLOT_H / 2} textAnchor="middle" className="empty">
            {props.empty ?? "No data yet"}
          </text>
        ) : null}
      </svg>
      {drawn.length > 0 && (drawn.length > 1 || drawn[0]!.label !== "total") ? (
        <ul className="time-chart-legend">
          {drawn.map((series, index) => {
            const latest = [...series.points].reverse().find((p) => p.value !== null)?.value;
            return (
              <li key={series.label}>
                <svg width="22" height="10" aria-hidden="true">
                  {kind === "bar" ? (
                    <rect x="4" y="0" width="14" height="10" fill={COLORS[index % COLORS.length]} />
                  ) : (
                    <line x1="0" x2="22" y1="5" y2="5" stroke={COLORS[index % COLORS.length]} strokeWidth="2.5" strokeDasharray={DASHES[index % DASHES.length] || undefined} />
                  )}
                </svg>
                <span className="series-label">{series.label}</span>
                {latest !== undefined && latest !== null ? <span className="series-value">{format(latest)}</span> : null}
              </li>
            );
          })}
        </ul>
      ) : null}
      {props.note ? <p className="time-chart-note">{props.note}</p> : null}
    </figure>
  );
}
