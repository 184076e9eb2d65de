"use client";

import { useId, useState, useSyncExternalStore, type ReactNode } from "react";
import { DayPicker } from "react-day-picker";
import { dayNumber, instantOf, timeZoneNames, wallClock } from "@/core/zoned-time";
import { CalendarPopover } from "../../_components/calendar-popover";
import { describedBy, FieldMessages, fieldIds } from "./fields";

/** True after hydration: zone-dependent text waits for it so server and client HTML agree. */
const noSubscription = () => () => {};
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}

const pad = (n: number) => String(n).padStart(2, "0");
/** A calendar day as react-day-picker wants it (a local Date on that day) and back. */
const pickerDay = (date: string) => new Date(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
const dayOf = (day: Date) => `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
const dayLabel = (date: string) => new Date(dayNumber(date)!).toLocaleDateString("en", { weekday: "short", year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
const utcText = (at: number) => `${new Date(at).toISOString().slice(0, 16).replace("T", " ")} UTC`;

/**
 * A date-time: the day from the calendar popover, the time from a time input, read in the
 * browser's time zone or (with `zonePicker`) in one chosen from the IANA list; stored as an ISO
 * 8601 instant. Changing the zone keeps the date and time on the clock and moves the instant —
 * "23:59 in New York" stays 23:59. Clearing empties it. Before hydration it shows UTC.
 */
export function DateTimeField(props: {
  path: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  hint?: ReactNode;
  defaultTime?: string;
  zonePicker?: boolean;
}) {
  const { id } = fieldIds(props.path);
  const timeId = `${id}-time`;
  const zoneId = `${id}-zone`;
  const hydrated = useHydrated();
  const [open, setOpen] = useState(false);
  const [chosenZone, setChosenZone] = useState<string | null>(null);
  const zone = chosenZone ?? (hydrated ? Intl.DateTimeFormat().resolvedOptions().timeZone : "UTC");
  const at = props.value ? Date.parse(props.value) : Number.NaN;
  const clock = Number.isNaN(at) ? null : wallClock(zone, at);
  const combine = (date: string, time: string, inZone = zone) => {
    const next = instantOf(inZone, date, time || props.defaultTime || "00:00");
    if (next !== null) props.onChange(new Date(next).toISOString());
  };
  const labelId = useId();
  const summary = clock ? `${dayLabel(clock.date)}${hydrated ? "" : " (UTC)"}` : "Pick a day";
  const hint = props.hint ?? (clock && zone !== "UTC" ? `${clock.date} ${clock.time} in ${zone} is ${utcText(at)}.` : `Time zone: ${zone}.`);
  return (
    <div className="le-field">
      <span className="le-label" id={labelId}>
        {props.label}
      </span>
      <div className="le-datetime">
        <CalendarPopover
          id={id}
          open={open}
          onOpenChange={setOpen}
          summary={summary}
          aria-labelledby={`${labelId} ${id}`}
          invalid={Boolean(props.error)}
          aria-describedby={describedBy(props.path, true, props.error)}
        >
          <DayPicker
            mode="single"
            selected={clock ? pickerDay(clock.date) : undefined}
            defaultMonth={clock ? pickerDay(clock.date) : undefined}
            onSelect={(day) => {
              if (day) combine(dayOf(day), clock?.time ?? "");
              setOpen(false);
            }}
          />
        </CalendarPopover>
        <label htmlFor={timeId} className="sr-only">
          {props.label}: time
        </label>
        <input
          id={timeId}
          type="time"
          className="le-time"
          value={clock?.time ?? ""}
          disabled={!clock}
          onChange={(event) => clock && event.target.value && combine(clock.date, event.target.value)}
        />
        {props.zonePicker ? (
          <>
            <label htmlFor={zoneId} className="sr-only">
              {props.label}: time zone
            </label>
            <select
              id={zoneId}
              className="le-zone"
              value={zone}
              onChange={(event) => {
                setChosenZone(event.target.value);
                if (clock) combine(clock.date, clock.time, event.target.value);
              }}
            >
              {(hydrated ? timeZoneNames() : ["UTC"]).map((name) => (
                <option key={name} value={name}>
                  {name.replaceAll("_", " ")}
                </option>
              ))}
            </select>
          </>
        ) : null}
        {clock ? (
          <button type="button" className="le-secondary" onClick={() => props.onChange("")} aria-label={`Clear ${props.label.toLowerCase()}`}>
            Clear
          </button>
        ) : null}
      </div>
      <FieldMessages path={props.path} hint={hint} error={props.error} />
    </div>
  );
}
