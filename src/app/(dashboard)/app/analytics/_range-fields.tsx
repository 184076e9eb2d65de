"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { DayPicker, type DateRange } from "react-day-picker";
import { PRESET_RANGES, type RangeKey } from "@/core/analytics-range";
import { dayNumber } from "@/core/zoned-time";
import { CalendarPopover } from "../_components/calendar-popover";

const noSubscription = () => () => {};
const pad = (n: number) => String(n).padStart(2, "0");
const pickerDay = (date: string) => (dayNumber(date) === null ? undefined : new Date(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))));
const dayOf = (day: Date) => `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
const short = (date: string) => new Date(dayNumber(date)!).toLocaleDateString("en", { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });

/**
 * The analytics form's range and zone fields. They are plain inputs of a GET form (range select,
 * first and last day as date inputs, the zone select), so the page works without JavaScript; with
 * it, a calendar in range mode fills the two days and switches the range to "Custom dates", and a
 * visit without `tz` in its URL is moved to the browser's zone.
 */
export function RangeFields(props: {
  range: RangeKey;
  startDay: string;
  endDay: string;
  today: string;
  zone: string;
  zoneGiven: boolean;
  zones: string[];
  errors: { start?: string; end?: string; tz?: string };
}) {
  const router = useRouter();
  const [range, setRange] = useState<RangeKey>(props.range);
  const [start, setStart] = useState(props.startDay);
  const [end, setEnd] = useState(props.endDay);
  const [open, setOpen] = useState(false);
  const fields = useRef<HTMLDivElement>(null);
  // The calendar needs JavaScript: until it runs, its button keeps its place but is not shown.
  const ready = useSyncExternalStore(noSubscription, () => true, () => false);

  useEffect(() => {
    if (props.zoneGiven) return;
    const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!browserZone || browserZone === props.zone || !props.zones.includes(browserZone)) return;
    const url = new URL(window.location.href);
    url.searchParams.set("tz", browserZone);
    router.replace(`${url.pathname}${url.search}`);
  }, [props.zoneGiven, props.zone, props.zones, router]);

  const custom = (nextStart: string, nextEnd: string) => {
    setStart(nextStart);
    setEnd(nextEnd);
    setRange("custom");
  };
  // A preset's span is not offered as the selection: the first click starts a new range.
  const selected: DateRange | undefined = range === "custom" && pickerDay(start) ? { from: pickerDay(start), to: pickerDay(end) } : undefined;
  const summary = range === "custom" && dayNumber(start) !== null && dayNumber(end) !== null ? `${short(start)} – ${short(end)}` : "Pick dates";
  const error = (field: "start" | "end" | "tz") =>
    props.errors[field] ? (
      <span id={`an-${field}-error`} className="field-error">
        {field === "tz" ? `Time zone ${props.errors[field]}.` : props.errors[field]}
      </span>
    ) : null;

  return (
    <div className="an-range" ref={fields}>
      <label>
        <span>Range</span>
        <select name="range" value={range} onChange={(event) => setRange(event.target.value as RangeKey)}>
          {Object.entries(PRESET_RANGES).map(([key, r]) => (
            <option key={key} value={key}>
              {r.label}
            </option>
          ))}
          <option value="custom">Custom dates</option>
        </select>
      </label>
      <fieldset className="an-days" aria-describedby="an-days-hint">
        <legend>Custom dates</legend>
        <div className="an-cal-row" data-ready={ready || undefined}>
          <CalendarPopover id="an-calendar" open={open} onOpenChange={setOpen} summary={summary} aria-label={`Pick the first and last day: ${summary}`}>
            <DayPicker
              mode="range"
              numberOfMonths={1}
              selected={selected}
              defaultMonth={pickerDay(end) ?? pickerDay(props.today)}
              disabled={{ after: pickerDay(props.today)! }}
              onSelect={(next) => {
                if (!next?.from) return;
                custom(dayOf(next.from), dayOf(next.to ?? next.from));
              }}
            />
            <div className="an-popover-actions">
              <button
                type="button"
                className="an-apply"
                onClick={() => {
                  setOpen(false);
                  // The inputs hold the picked days once React has rendered them.
                  setTimeout(() => fields.current?.closest("form")?.requestSubmit());
                }}
              >
                Show these days
              </button>
            </div>
          </CalendarPopover>
          <span id="an-days-hint" className="an-hint">
            Used when Range is “Custom dates”; both days count in full.
          </span>
        </div>
        <label>
          <span>First day</span>
          <input
            type="date"
            name="start"
            value={start}
            max={props.today}
            onChange={(event) => custom(event.target.value, end)}
            aria-invalid={props.errors.start ? true : undefined}
            aria-describedby={props.errors.start ? "an-start-error" : undefined}
          />
          {error("start")}
        </label>
        <label>
          <span>Last day</span>
          <input
            type="date"
            name="end"
            value={end}
            max={props.today}
            onChange={(event) => custom(start, event.target.value)}
            aria-invalid={props.errors.end ? true : undefined}
            aria-describedby={props.errors.end ? "an-end-error" : undefined}
          />
          {error("end")}
        </label>
      </fieldset>
      <label>
        <span>Time zone</span>
        <select key={props.zone} name="tz" defaultValue={props.zone} aria-invalid={props.errors.tz ? true : undefined} aria-describedby={props.errors.tz ? "an-tz-error" : undefined}>
          {props.zones.includes(props.zone) ? null : <option value={props.zone}>{props.zone}</option>}
          {props.zones.map((zone) => (
            <option key={zone} value={zone}>
              {zone.replaceAll("_", " ")}
            </option>
          ))}
        </select>
        {error("tz")}
      </label>
    </div>
  );
}
