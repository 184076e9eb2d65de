"use client";

/**
 * The editor's input primitives: labelled, with hint and error tied by aria-describedby, built on
 * Radix (Select, Switch, RadioGroup, Checkbox). Dates: date-time-field.tsx.
 */
import { Checkbox, RadioGroup, Select, Switch } from "radix-ui";
import { Check, ChevronDown, X } from "lucide-react";
import { useState, type KeyboardEvent, type ReactNode } from "react";
import { resolveOption, type PickerOption } from "./locales";

/** Ids of a field and of its hint and error paragraphs (positions, never random: SSR agrees). */
export function fieldIds(path: string) {
  const id = `f-${path.replaceAll(".", "-")}`;
  return { id, hintId: `${id}-hint`, errorId: `${id}-error` };
}

export function describedBy(path: string, hint: boolean, error: string | undefined, extra?: string): string | undefined {
  const { hintId, errorId } = fieldIds(path);
  return [error ? errorId : null, hint ? hintId : null, extra ?? null].filter(Boolean).join(" ") || undefined;
}

export function FieldMessages({ path, hint, error }: { path: string; hint?: ReactNode; error?: string }) {
  const { hintId, errorId } = fieldIds(path);
  return (
    <>
      {error ? (
        <span id={errorId} className="field-error">
          {error}
        </span>
      ) : null}
      {hint ? (
        <span id={hintId} className="le-hint">
          {hint}
        </span>
      ) : null}
    </>
  );
}

interface TextFieldProps {
  path: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  hint?: ReactNode;
  type?: "text" | "url" | "password" | "number";
  placeholder?: string;
  autoFocus?: boolean;
  autoComplete?: string;
  multiline?: boolean;
  inputMode?: "url" | "numeric" | "text";
  describedByExtra?: string;
  className?: string;
  min?: number;
  max?: number;
}

export function TextField(props: TextFieldProps) {
  const { id } = fieldIds(props.path);
  const common = {
    id,
    name: props.path,
    value: props.value,
    placeholder: props.placeholder,
    "aria-invalid": props.error ? true : undefined,
    "aria-describedby": describedBy(props.path, Boolean(props.hint), props.error, props.describedByExtra),
    autoFocus: props.autoFocus,
    autoComplete: props.autoComplete ?? "off",
  } as const;
  return (
    <div className={`le-field ${props.className ?? ""}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.multiline ? (
        <textarea {...common} rows={3} onChange={(event) => props.onChange(event.target.value)} />
      ) : (
        <input
          {...common}
          type={props.type ?? "text"}
          inputMode={props.inputMode}
          min={props.min}
          max={props.max}
          spellCheck={props.type === "url" ? false : undefined}
          onChange={(event) => props.onChange(event.target.value)}
        />
      )}
      <FieldMessages path={props.path} hint={props.hint} error={props.error} />
    </div>
  );
}

interface ChipsProps {
  path: string;
  label: string;
  values: string[];
  onChange: (values: string[]) => void;
  options?: PickerOption[];
  error?: string;
  hint?: ReactNode;
  placeholder?: string;
  /** How a typed entry is stored (e.g. country codes upper case). */
  normalize?: (value: string) => string;
}

/**
 * A list of values: type and press Enter (or a comma) to add, suggestions from `options`
 * (a native datalist: keyboard and screen-reader friendly), each chip removable by its button.
 */
export function ChipsField(props: ChipsProps) {
  const { id } = fieldIds(props.path);
  const listId = `${id}-options`;
  const [draft, setDraft] = useState("");
  const labelOf = (value: string) => {
    const option = props.options?.find((o) => o.value === value);
    return option && option.label !== value ? `${option.label} (${value})` : value;
  };
  const commit = (raw: string) => {
    const entries = raw
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => (props.options ? resolveOption(props.options, entry) : entry))
      .map((entry) => (props.normalize ? props.normalize(entry) : entry));
    const next = [...props.values];
    for (const entry of entries) if (!next.includes(entry)) next.push(entry);
    if (next.length !== props.values.length) props.onChange(next);
    setDraft("");
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if ((event.key === "Enter" || event.key === ",") && draft.trim() !== "") {
      event.preventDefault();
      commit(draft);
    } else if (event.key === "Backspace" && draft === "" && props.values.length > 0) {
      props.onChange(props.values.slice(0, -1));
    }
  };
  return (
    <div className="le-field">
      <label htmlFor={id}>{props.label}</label>
      <div className="le-chips" data-invalid={props.error ? "true" : undefined}>
        {props.values.length > 0 ? (
          <ul className="le-chip-list" aria-label={`${props.label}: chosen`}>
            {props.values.map((value) => (
              <li key={value} className="le-chip">
                <span>{labelOf(value)}</span>
                <button type="button" className="le-icon-button" aria-label={`Remove ${labelOf(value)}`} onClick={() => props.onChange(props.values.filter((v) => v !== value))}>
                  <X size={14} aria-hidden />
                </button>
              </li>
            ))}
          </ul>
        ) : null}
        <input
          id={id}
          list={props.options ? listId : undefined}
          value={draft}
          placeholder={props.placeholder}
          autoComplete="off"
          aria-invalid={props.error ? true : undefined}
          aria-describedby={describedBy(props.path, Boolean(props.hint), props.error)}
          onChange={(event) => {
            const value = event.target.value;
            // Picking a suggestion from the datalist replaces the whole value: add it at once.
            const kind = (event.nativeEvent as InputEvent).inputType;
            if (props.options && kind === "insertReplacementText" && props.options.some((o) => o.value === value)) commit(value);
            else setDraft(value);
          }}
          onKeyDown={onKeyDown}
          onBlur={() => draft.trim() && commit(draft)}
        />
        {props.options ? (
          <datalist id={listId}>
            {props.options.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </datalist>
        ) : null}
      </div>
      <FieldMessages path={props.path} hint={props.hint} error={props.error} />
    </div>
  );
}

export function SelectField<T extends string>(props: {
  path: string;
  label: string;
  value: T;
  options: { value: T; label: string }[];
  onChange: (value: T) => void;
  error?: string;
  hint?: ReactNode;
  disabled?: boolean;
}) {
  const { id } = fieldIds(props.path);
  return (
    <div className="le-field">
      <label htmlFor={id}>{props.label}</label>
      <Select.Root value={props.value} onValueChange={(value) => props.onChange(value as T)} disabled={props.disabled}>
        <Select.Trigger id={id} className="le-select" aria-invalid={props.error ? true : undefined} aria-describedby={describedBy(props.path, Boolean(props.hint), props.error)}>
          <Select.Value />
          <Select.Icon className="le-select-icon">
            <ChevronDown size={16} aria-hidden />
          </Select.Icon>
        </Select.Trigger>
        <Select.Portal>
          <Select.Content className="le-select-content" position="popper" sideOffset={4}>
            <Select.Viewport>
              {props.options.map((option) => (
                <Select.Item key={option.value} value={option.value} className="le-select-item">
                  <Select.ItemText>{option.label}</Select.ItemText>
                  <Select.ItemIndicator className="le-select-check">
                    <Check size={14} aria-hidden />
                  </Select.ItemIndicator>
                </Select.Item>
              ))}
            </Select.Viewport>
          </Select.Content>
        </Select.Portal>
      </Select.Root>
      <FieldMessages path={props.path} hint={props.hint} error={props.error} />
    </div>
  );
}

export function SwitchField(props: { path: string; label: string; checked: boolean; onChange: (checked: boolean) => void; hint?: ReactNode; disabled?: boolean }) {
  const { id } = fieldIds(props.path);
  return (
    <div className="le-switch-row">
      <Switch.Root id={id} className="le-switch" checked={props.checked} onCheckedChange={props.onChange} disabled={props.disabled} aria-describedby={describedBy(props.path, Boolean(props.hint), undefined)}>
        <Switch.Thumb className="le-switch-thumb" />
      </Switch.Root>
      <div>
        <label htmlFor={id}>{props.label}</label>
        <FieldMessages path={props.path} hint={props.hint} />
      </div>
    </div>
  );
}

export function ChoiceField<T extends string>(props: {
  path: string;
  legend: string;
  value: T;
  options: { value: T; label: string; hint: string }[];
  onChange: (value: T) => void;
  error?: string;
}) {
  const { id } = fieldIds(props.path);
  return (
    <fieldset className="le-choices">
      <legend id={`${id}-legend`}>{props.legend}</legend>
      <RadioGroup.Root
        className="le-choice-list"
        value={props.value}
        onValueChange={(value) => props.onChange(value as T)}
        aria-labelledby={`${id}-legend`}
        aria-describedby={describedBy(props.path, false, props.error)}
      >
        {props.options.map((option) => (
          <div key={option.value} className="le-choice">
            <RadioGroup.Item id={`${id}-${option.value}`} value={option.value} className="le-radio" aria-describedby={`${id}-${option.value}-hint`}>
              <RadioGroup.Indicator className="le-radio-dot" />
            </RadioGroup.Item>
            <div>
              <label htmlFor={`${id}-${option.value}`}>{option.label}</label>
              <span id={`${id}-${option.value}-hint`} className="le-hint">
                {option.hint}
              </span>
            </div>
          </div>
        ))}
      </RadioGroup.Root>
      <FieldMessages path={props.path} error={props.error} />
    </fieldset>
  );
}

export function CheckboxGroup<T extends string>(props: { path: string; legend: string; options: readonly T[]; values: readonly T[]; onChange: (values: T[]) => void; error?: string }) {
  const { id } = fieldIds(props.path);
  return (
    <fieldset className="le-checks" aria-describedby={describedBy(props.path, false, props.error)}>
      <legend>{props.legend}</legend>
      <div className="le-check-list">
        {props.options.map((option, index) => (
          <div key={option} className="le-check">
            <Checkbox.Root
              id={`${id}-${option}`}
              className="le-checkbox"
              checked={props.values.includes(option)}
              aria-invalid={props.error && index === 0 ? true : undefined}
              onCheckedChange={(checked) => props.onChange(checked === true ? [...props.values, option] : props.values.filter((v) => v !== option))}
            >
              <Checkbox.Indicator>
                <Check size={14} aria-hidden />
              </Checkbox.Indicator>
            </Checkbox.Root>
            <label htmlFor={`${id}-${option}`}>{option}</label>
          </div>
        ))}
      </div>
      <FieldMessages path={props.path} error={props.error} />
    </fieldset>
  );
}
