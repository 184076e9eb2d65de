"use client";

import { CalendarDays } from "lucide-react";
import { Popover } from "radix-ui";
import type { ReactNode } from "react";
import "./calendar-popover.css";

/**
 * The dashboard's calendar: a button that opens a Radix Popover holding a react-day-picker
 * `DayPicker` (passed as children, in whatever mode the field needs). Used by the link editor's
 * date-time fields and the analytics range picker. Enter opens it, arrows move between days,
 * Escape closes it and returns focus to the button.
 */
export function CalendarPopover(props: {
  id: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** What the button shows: the chosen day(s), or a prompt. */
  summary: ReactNode;
  "aria-labelledby"?: string;
  "aria-label"?: string;
  "aria-describedby"?: string;
  invalid?: boolean;
  children: ReactNode;
}) {
  return (
    <Popover.Root open={props.open} onOpenChange={props.onOpenChange}>
      <Popover.Trigger
        id={props.id}
        type="button"
        className="le-date-trigger"
        aria-labelledby={props["aria-labelledby"]}
        aria-label={props["aria-label"]}
        aria-invalid={props.invalid ? true : undefined}
        aria-describedby={props["aria-describedby"]}
      >
        <CalendarDays size={16} aria-hidden />
        <span>{props.summary}</span>
      </Popover.Trigger>
      <Popover.Portal>
        <Popover.Content className="le-popover" sideOffset={6} align="start">
          {props.children}
        </Popover.Content>
      </Popover.Portal>
    </Popover.Root>
  );
}
