"use client";

/**
 * The link editor: every field of a link, validated as you type with the API's own schemas and
 * saved through a server action (the links service decides; its errors land next to their field).
 * Viewers get the same page with every input disabled and no save button.
 */
import { ArrowDown, ArrowUp, Plus, Trash2 } from "lucide-react";
import { useRouter } from "next/navigation";
import { useEffect, useMemo, useRef, useState, useTransition, type FormEvent } from "react";
import { keySchema } from "@/core/link";
import { isReservedKey } from "@/core/reserved";
import { DEVICE_TYPES, CONDITION_TYPES } from "@/core/rules";
import { checkKeyAction, saveLinkAction } from "./actions";
import { DateTimeField, useHydrated } from "./date-time-field";
import { ChipsField, CheckboxGroup, ChoiceField, FieldMessages, SelectField, SwitchField, TextField, describedBy, fieldIds } from "./fields";
import {
  addVariant,
  errorAt,
  formFromLink,
  isListCondition,
  move,
  newCondition,
  newRule,
  parseForCreate,
  parseForUpdate,
  previewDestination,
  remainingWeight,
  splitEvenly,
  UTM_FIELDS,
  type ConditionType,
  type ConditionValues,
  type FieldErrors,
  type LinkFormValues,
  type RuleValues,
} from "./form-model";
import { countryOptions, languageOptions, type PickerOption } from "./locales";

export interface LinkEditorProps {
  /** null: a new link. */
  linkId: string | null;
  initial: LinkFormValues;
  domains: string[];
  tags: string[];
  readOnly: boolean;
  /** The saved key and domain (edit): typing them back is not "taken". */
  saved?: { key: string; domain: string };
}

const CONDITION_LABELS: Record<ConditionType, string> = {
  country: "Country",
  region: "Region",
  city: "City",
  device: "Device",
  os: "Operating system",
  browser: "Browser",
  language: "Language",
  query: "Query parameter",
  ip: "IP address or range",
  before: "Before a time",
  after: "After a time",
};

const OS_OPTIONS: PickerOption[] = ["iOS", "Android", "Windows", "macOS", "Linux", "Ubuntu", "Chromium OS", "HarmonyOS", "Tizen", "PlayStation", "Xbox"].map((v) => ({ value: v, label: v }));
const BROWSER_OPTIONS: PickerOption[] = ["Chrome", "Safari", "Firefox", "Edge", "Opera", "Samsung Internet", "Opera Mini", "Chrome WebView", "Instagram", "Facebook", "TikTok", "WeChat"].map((v) => ({ value: v, label: v }));

const UTM_LABELS: Record<(typeof UTM_FIELDS)[number], [string, string]> = {
  source: ["Source", "newsletter, google"],
  medium: ["Medium", "email, cpc"],
  campaign: ["Campaign", "spring-sale"],
  term: ["Term", "running shoes"],
  content: ["Content", "header-button"],
};

type KeyStatus = { tone: "neutral" | "ok" | "bad"; text: string };

export function LinkEditor({ linkId, initial, domains, tags, readOnly, saved }: LinkEditorProps) {
  const router = useRouter();
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<{ tone: "error" | "done"; text: string } | null>(null);
  const [focusTick, setFocusTick] = useState(0);
  const [pending, startTransition] = useTransition();
  const formRef = useRef<HTMLFormElement>(null);
  const messageRef = useRef<HTMLParagraphElement>(null);
  const countries = useMemo(() => countryOptions(), []);
  const languages = useMemo(() => languageOptions(), []);
  const tagOptions = useMemo(() => tags.map((name) => ({ value: name, label: name })), [tags]);

  /** Live validation: once a field has been reported, it is re-checked on every change. */
  const revalidate = (next: LinkFormValues) => {
    if (Object.keys(errors).length === 0) return;
    const parsed = linkId === null ? parseForCreate(next) : parseForUpdate(next);
    setErrors(parsed.ok ? {} : parsed.fields);
  };
  const update = (patch: Partial<LinkFormValues>) => {
    const next = { ...values, ...patch };
    setValues(next);
    revalidate(next);
  };
  const err = (path: string) => errorAt(errors, path);

  // Focus the first invalid field after a refused submit (or the message when no field is named).
  useEffect(() => {
    if (focusTick === 0) return;
    const invalid = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    (invalid ?? messageRef.current)?.focus();
  }, [focusTick]);

  // ---- key availability, debounced --------------------------------------------------------------
  const trimmedKey = values.key.trim();
  const localKeyStatus = ((): KeyStatus | null => {
    if (readOnly) return { tone: "neutral", text: "" };
    if (trimmedKey === "") return { tone: "neutral", text: linkId === null ? "Leave empty for a random key." : `The key stays ${saved?.key ?? ""}.` };
    if (saved && trimmedKey === saved.key && values.domain === saved.domain) return { tone: "ok", text: "This link's current key." };
    const local = keySchema.safeParse(trimmedKey);
    if (local.success) return null;
    return { tone: "bad", text: isReservedKey(trimmedKey) ? `Reserved: “${trimmedKey}” is used by the app itself.` : `Invalid: ${local.error.issues[0]?.message ?? "not a valid key"}.` };
  })();
  const askServer = localKeyStatus === null;
  const [remoteKey, setRemoteKey] = useState<{ key: string; domain: string; status: KeyStatus } | null>(null);
  useEffect(() => {
    if (!askServer) return;
    const domain = values.domain;
    const timer = setTimeout(async () => {
      const answer = await checkKeyAction(trimmedKey, domain);
      const status: KeyStatus = answer.available
        ? { tone: "ok", text: `Available on ${answer.domain}.` }
        : answer.reason === "taken"
          ? { tone: "bad", text: `Taken: ${answer.domain}/${answer.key} already exists.` }
          : answer.reason === "reserved"
            ? { tone: "bad", text: `Reserved: “${answer.key}” is used by the app itself.` }
            : answer.reason === "invalid"
              ? { tone: "bad", text: "Invalid key." }
              : { tone: "bad", text: "message" in answer ? answer.message : "Could not check this key." };
      setRemoteKey({ key: trimmedKey, domain, status });
    }, 350);
    return () => clearTimeout(timer);
  }, [askServer, trimmedKey, values.domain]);
  const keyStatus: KeyStatus =
    localKeyStatus ?? (remoteKey && remoteKey.key === trimmedKey && remoteKey.domain === values.domain ? remoteKey.status : { tone: "neutral", text: "Checking…" });

  // ---- rules ------------------------------------------------------------------------------------
  const setRules = (rules: RuleValues[]) => update({ rules });
  const setRule = (index: number, patch: Partial<RuleValues>) => setRules(values.rules.map((rule, i) => (i === index ? { ...rule, ...patch } : rule)));
  const setCondition = (ruleIndex: number, conditionIndex: number, patch: Partial<ConditionValues>) =>
    setRule(ruleIndex, { conditions: values.rules[ruleIndex]!.conditions.map((c, i) => (i === conditionIndex ? { ...c, ...patch } : c)) });
  /** Keeps focus on the moved rule: the same arrow, or the other one once it reaches an end. */
  const focusAfterMove = (index: number, direction: "up" | "down") =>
    requestAnimationFrame(() => {
      const other = direction === "up" ? "down" : "up";
      const button = [direction, other]
        .map((d) => formRef.current?.querySelector<HTMLButtonElement>(`[data-move="rules.${index}-${d}"]`))
        .find((b) => b && !b.disabled);
      button?.focus();
    });

  // Until hydration the server-rendered fields are inert: text typed into a controlled field before
  // React owns it would be replaced by the form's state, and a click on "Create link" would submit
  // the bare HTML form. So the fieldset and the button stay disabled until then, and a new link's
  // first field takes the focus once it can (autofocus fired while it was still disabled).
  const hydrated = useHydrated();
  useEffect(() => {
    if (hydrated && linkId === null && !readOnly) formRef.current?.querySelector<HTMLElement>('[name="url"]')?.focus();
  }, [hydrated, linkId, readOnly]);

  // ---- submit -----------------------------------------------------------------------------------
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (readOnly || pending) return;
    const parsed = linkId === null ? parseForCreate(values) : parseForUpdate(values);
    if (!parsed.ok) {
      setErrors(parsed.fields);
      setMessage({ tone: "error", text: "Please fix the highlighted fields." });
      setFocusTick((n) => n + 1);
      return;
    }
    startTransition(async () => {
      const result = await saveLinkAction(linkId, values);
      if (result.status === "error") {
        setErrors(result.fields);
        setMessage({ tone: "error", text: result.message });
        setFocusTick((n) => n + 1);
        return;
      }
      setErrors({});
      if (linkId === null) {
        router.push(`/app/links/${result.link.id}?created=1`);
        return;
      }
      setValues(formFromLink(result.link));
      setMessage({ tone: "done", text: result.message });
      router.refresh();
    });
  };

  const preview = previewDestination(values.url, values.utm);
  const remaining = remainingWeight(values.variants);
  const variantsError = errors.variants;

  return (
    <form
      ref={formRef}
      className="le-form"
      onSubmit={onSubmit}
      noValidate
      aria-describedby={message ? "le-form-message" : undefined}
      // Marks the form interactive (browser tests wait for it before typing).
      data-hydrated={hydrated ? "" : undefined}
      aria-busy={hydrated ? undefined : true}
    >
      {message ? (
        <p id="le-form-message" ref={messageRef} tabIndex={-1} className={message.tone === "error" ? "form-error" : "le-done"} role={message.tone === "error" ? "alert" : "status"}>
          {message.text}
        </p>
      ) : null}
      {readOnly ? <p className="le-readonly">You can view this link but not change it: your role in this workspace is viewer.</p> : null}
      <fieldset className="le-all" disabled={readOnly || !hydrated} data-readonly={readOnly ? "" : undefined}>
        <legend className="sr-only">Link settings</legend>

        <section className="le-section" aria-labelledby="le-h-destination">
          <h2 id="le-h-destination">Destination</h2>
          <TextField
            path="url"
            label="Destination URL"
            type="url"
            inputMode="url"
            placeholder="https://example.com/page"
            value={values.url}
            onChange={(url) => update({ url })}
            error={err("url")}
            autoFocus={linkId === null && !readOnly}
            hint="Where visitors go when no rule matches and no A/B test runs."
          />
          <div className="le-row">
            <SelectField path="domain" label="Domain" value={values.domain} options={domains.map((d) => ({ value: d, label: d }))} onChange={(domain) => update({ domain })} error={err("domain")} disabled={readOnly} />
            <div className="le-field le-grow">
              <label htmlFor={fieldIds("key").id}>Key</label>
              <div className="le-key">
                <span className="le-key-prefix" aria-hidden>
                  {values.domain}/
                </span>
                <input
                  id={fieldIds("key").id}
                  name="key"
                  value={values.key}
                  autoComplete="off"
                  spellCheck={false}
                  placeholder={linkId === null ? "random" : undefined}
                  aria-invalid={err("key") || keyStatus.tone === "bad" ? true : undefined}
                  aria-describedby={describedBy("key", false, err("key"), "le-key-status")}
                  onChange={(event) => update({ key: event.target.value })}
                />
              </div>
              <FieldMessages path="key" error={err("key")} />
              <span id="le-key-status" role="status" aria-live="polite" className={`le-hint le-status-${keyStatus.tone ?? "neutral"}`}>
                {keyStatus.text}
              </span>
            </div>
          </div>
          <ChipsField
            path="tags"
            label="Tags"
            values={values.tags}
            options={tagOptions}
            onChange={(tags) => update({ tags })}
            error={err("tags")}
            placeholder="Type a tag and press Enter"
            hint="Pick an existing tag or type a new one; new tags are created when you save."
          />
        </section>

        <section className="le-section" aria-labelledby="le-h-utm">
          <h2 id="le-h-utm">UTM parameters</h2>
          <div className="le-grid">
            {UTM_FIELDS.map((field) => (
              <TextField key={field} path={`utm.${field}`} label={UTM_LABELS[field][0]} placeholder={UTM_LABELS[field][1]} value={values.utm[field]} onChange={(value) => update({ utm: { ...values.utm, [field]: value } })} error={err(`utm.${field}`)} />
            ))}
          </div>
          <SwitchField
            path="forwardQuery"
            label="Forward the visitor's query parameters"
            checked={values.forwardQuery}
            onChange={(forwardQuery) => update({ forwardQuery })}
            hint="/key?ref=x sends ref=x on to the destination; the visitor's parameters win over the destination's."
            disabled={readOnly}
          />
          <div className="le-preview-url">
            <span className="le-label" id="le-final-label">
              Final URL
            </span>
            <output aria-labelledby="le-final-label" data-testid="final-url">
              {preview ?? <span className="le-hint">Enter a valid destination to see where visitors land.</span>}
            </output>
          </div>
        </section>

        <section className="le-section" aria-labelledby="le-h-rules">
          <h2 id="le-h-rules">Routing rules</h2>
          <p className="le-hint">Checked from top to bottom; the first rule whose conditions all match sends the visitor to its destination. Rules win over A/B variants.</p>
          {values.rules.length === 0 ? <p className="le-empty">No rules: everyone goes to the destination (or an A/B variant).</p> : null}
          <ol className="le-rules">
            {values.rules.map((rule, ruleIndex) => {
              const base = `rules.${ruleIndex}`;
              const title = rule.name.trim() || `Rule ${ruleIndex + 1}`;
              return (
                <li key={rule.uid} className="le-rule" aria-label={title}>
                  <div className="le-rule-head">
                    <h3>{title}</h3>
                    <div className="le-rule-tools">
                      <button
                        type="button"
                        className="le-icon-button"
                        data-move={`${base}-up`}
                        aria-label={`Move ${title} up`}
                        disabled={ruleIndex === 0}
                        onClick={() => {
                          setRules(move(values.rules, ruleIndex, -1));
                          focusAfterMove(ruleIndex - 1, "up");
                        }}
                      >
                        <ArrowUp size={16} aria-hidden />
                      </button>
                      <button
                        type="button"
                        className="le-icon-button"
                        data-move={`${base}-down`}
                        aria-label={`Move ${title} down`}
                        disabled={ruleIndex === values.rules.length - 1}
                        onClick={() => {
                          setRules(move(values.rules, ruleIndex, 1));
                          focusAfterMove(ruleIndex + 1, "down");
                        }}
                      >
                        <ArrowDown size={16} aria-hidden />
                      </button>
                      <button type="button" className="le-icon-button le-danger" aria-label={`Remove ${title}`} onClick={() => setRules(values.rules.filter((_, i) => i !== ruleIndex))}>
                        <Trash2 size={16} aria-hidden />
                      </button>
                    </div>
                  </div>
                  <div className="le-row">
                    <TextField path={`${base}.name`} label="Name (optional)" value={rule.name} onChange={(name) => setRule(ruleIndex, { name })} error={err(`${base}.name`)} placeholder="Germany" />
                    <TextField className="le-grow" path={`${base}.url`} label="Send to" type="url" value={rule.url} onChange={(url) => setRule(ruleIndex, { url })} error={err(`${base}.url`)} placeholder="https://example.de/" />
                  </div>
                  <p className="le-hint">When all of these match:</p>
                  <ul className="le-conditions">
                    {rule.conditions.map((condition, conditionIndex) => (
                      <li key={condition.uid} className="le-condition">
                        <ConditionEditor
                          path={`${base}.conditions.${conditionIndex}`}
                          condition={condition}
                          errors={errors}
                          countries={countries}
                          languages={languages}
                          readOnly={readOnly}
                          onChange={(patch) => setCondition(ruleIndex, conditionIndex, patch)}
                          onRemove={
                            rule.conditions.length > 1 ? () => setRule(ruleIndex, { conditions: rule.conditions.filter((_, i) => i !== conditionIndex) }) : undefined
                          }
                        />
                      </li>
                    ))}
                  </ul>
                  <FieldMessages path={`${base}.conditions`} error={errors[`${base}.conditions`]} />
                  <button type="button" className="le-secondary" onClick={() => setRule(ruleIndex, { conditions: [...rule.conditions, newCondition("country")] })}>
                    <Plus size={16} aria-hidden /> Add condition to {title}
                  </button>
                </li>
              );
            })}
          </ol>
          <FieldMessages path="rules" error={errors.rules} />
          <button type="button" className="le-secondary" onClick={() => setRules([...values.rules, newRule()])}>
            <Plus size={16} aria-hidden /> Add rule
          </button>
        </section>

        <section className="le-section" aria-labelledby="le-h-variants">
          <h2 id="le-h-variants">A/B test</h2>
          <p className="le-hint">
            Visitors no rule caught are split between the variants by weight, and keep seeing the same one. Weights are percentages and must add up to 100: change one and
            the others stay put — the form shows what is left to assign, and “Split evenly” shares it out for you.
          </p>
          {values.variants.length === 0 ? <p className="le-empty">No A/B test: visitors go to the destination.</p> : null}
          <ol className="le-variants">
            {values.variants.map((variant, index) => {
              const base = `variants.${index}`;
              const weightIds = fieldIds(`${base}.weight`);
              const weightError = err(`${base}.weight`);
              return (
                <li key={variant.uid} className="le-variant">
                  <TextField
                    className="le-grow"
                    path={`${base}.url`}
                    label={`Variant ${String.fromCharCode(65 + index)} URL`}
                    type="url"
                    value={variant.url}
                    onChange={(url) => update({ variants: values.variants.map((v, i) => (i === index ? { ...v, url } : v)) })}
                    error={err(`${base}.url`)}
                  />
                  <div className="le-field le-weight">
                    <label htmlFor={weightIds.id}>Weight %</label>
                    <input
                      id={weightIds.id}
                      type="number"
                      inputMode="numeric"
                      min={0}
                      max={100}
                      step={1}
                      value={variant.weight}
                      aria-invalid={weightError || variantsError ? true : undefined}
                      aria-describedby={[weightError ? weightIds.errorId : null, "le-weights-total"].filter(Boolean).join(" ")}
                      onChange={(event) => update({ variants: values.variants.map((v, i) => (i === index ? { ...v, weight: event.target.value } : v)) })}
                    />
                    <FieldMessages path={`${base}.weight`} error={weightError} />
                  </div>
                  <button type="button" className="le-icon-button le-danger" aria-label={`Remove variant ${String.fromCharCode(65 + index)}`} onClick={() => update({ variants: values.variants.filter((_, i) => i !== index) })}>
                    <Trash2 size={16} aria-hidden />
                  </button>
                </li>
              );
            })}
          </ol>
          {values.variants.length > 0 ? (
            <p id="le-weights-total" className={remaining === 0 ? "le-hint le-status-ok" : "le-hint le-status-bad"} aria-live="polite">
              {remaining === 0 ? "Weights add up to 100 %." : remaining > 0 ? `${remaining} % left to assign: weights must add up to 100 before you can save.` : `${-remaining} % too much: weights must add up to 100 before you can save.`}
            </p>
          ) : null}
          {variantsError ? (
            <span className="field-error" id={fieldIds("variants").errorId}>
              {variantsError}
            </span>
          ) : null}
          <div className="le-buttons">
            <button type="button" className="le-secondary" disabled={values.variants.length >= 10} onClick={() => update({ variants: addVariant(values.variants) })}>
              <Plus size={16} aria-hidden /> Add variant
            </button>
            {values.variants.length > 1 ? (
              <button type="button" className="le-secondary" onClick={() => update({ variants: splitEvenly(values.variants) })}>
                Split evenly
              </button>
            ) : null}
          </div>
          {values.variants.length > 0 ? (
            <DateTimeField path="variantsEndAt" label="End the test at (optional)" value={values.variantsEndAt} onChange={(variantsEndAt) => update({ variantsEndAt })} error={err("variantsEndAt")} />
          ) : null}
        </section>

        <section className="le-section" aria-labelledby="le-h-access">
          <h2 id="le-h-access">Password and expiry</h2>
          <PasswordField values={values} error={err("password")} onChange={update} readOnly={readOnly} />
          <DateTimeField
            path="expiresAt"
            label="Expires at"
            value={values.expiresAt}
            onChange={(expiresAt) => update({ expiresAt })}
            error={err("expiresAt")}
            defaultTime="23:59"
            zonePicker
          />
          <div className="le-row">
            <TextField
              className="le-grow"
              path="expiredUrl"
              label="After expiry, send to"
              type="url"
              value={values.expiredUrl}
              onChange={(expiredUrl) => update({ expiredUrl })}
              error={err("expiredUrl")}
              hint="Empty: an expired link answers 410 Gone."
            />
            <TextField path="maxClicks" label="Max clicks" type="number" inputMode="numeric" min={1} value={values.maxClicks} onChange={(maxClicks) => update({ maxClicks })} error={err("maxClicks")} hint="Empty: no limit." />
          </div>
        </section>

        <section className="le-section" aria-labelledby="le-h-card">
          <h2 id="le-h-card">Social preview</h2>
          <p className="le-hint">What chat apps and social sites show when the short link is shared (bots that ask for a preview get this card).</p>
          <div className="le-card-grid">
            <div>
              <TextField path="title" label="Title" value={values.title} onChange={(title) => update({ title })} error={err("title")} />
              <TextField path="description" label="Description" multiline value={values.description} onChange={(description) => update({ description })} error={err("description")} />
              <TextField path="image" label="Image URL" type="url" value={values.image} onChange={(image) => update({ image })} error={err("image")} hint="1200×630 works everywhere." />
            </div>
            <SocialCard values={values} />
          </div>
        </section>

        <section className="le-section" aria-labelledby="le-h-behaviour">
          <h2 id="le-h-behaviour">Behaviour</h2>
          <ChoiceField
            path="botBehavior"
            legend="Bots and link previewers"
            value={values.botBehavior}
            onChange={(botBehavior) => update({ botBehavior })}
            error={err("botBehavior")}
            options={[
              { value: "preview", label: "Show the preview card", hint: "Crawlers get the title, description and image above; people are redirected." },
              { value: "redirect", label: "Redirect like people", hint: "Bots follow the link to the destination (counted as bot clicks, not people)." },
              { value: "block", label: "Block", hint: "Bots get 403 Forbidden." },
            ]}
          />
          <SwitchField
            path="cloaked"
            label="Cloak the destination"
            checked={values.cloaked}
            onChange={(cloaked) => update({ cloaked })}
            hint="Shows the destination in a frame under the short URL. Many sites refuse to be framed; test before you rely on it."
            disabled={readOnly}
          />
          <ChoiceField
            path="redirectStatus"
            legend="Redirect status"
            value={String(values.redirectStatus) as "301" | "302" | "307" | "308"}
            onChange={(status) => update({ redirectStatus: Number(status) as LinkFormValues["redirectStatus"] })}
            error={err("redirectStatus")}
            options={[
              { value: "302", label: "302 Found", hint: "Temporary; browsers ask again every time — the usual choice, every click counted." },
              { value: "301", label: "301 Moved Permanently", hint: "Permanent; browsers may cache it and skip the short link (and its count) next time." },
              { value: "307", label: "307 Temporary Redirect", hint: "Like 302, but a POST stays a POST." },
              { value: "308", label: "308 Permanent Redirect", hint: "Like 301, but a POST stays a POST." },
            ]}
          />
        </section>
      </fieldset>

      {readOnly ? null : (
        <div className="le-savebar">
          <button type="submit" disabled={pending || !hydrated} aria-disabled={pending || !hydrated}>
            {pending ? "Saving…" : linkId === null ? "Create link" : "Save changes"}
          </button>
          {values.variants.length > 0 && remaining !== 0 ? <span className="le-hint le-status-bad">A/B weights must add up to 100 first.</span> : null}
        </div>
      )}
    </form>
  );
}

function ConditionEditor(props: {
  path: string;
  condition: ConditionValues;
  errors: FieldErrors;
  countries: PickerOption[];
  languages: PickerOption[];
  readOnly: boolean;
  onChange: (patch: Partial<ConditionValues>) => void;
  onRemove?: () => void;
}) {
  const { path, condition, errors } = props;
  const typeLabel = CONDITION_LABELS[condition.type];
  const listError = errorAt(errors, `${path}.in`);
  const listField = (() => {
    switch (condition.type) {
      case "country":
        return <ChipsField path={`${path}.in`} label="Countries" values={condition.values} options={props.countries} normalize={(v) => v.toUpperCase()} onChange={(values) => props.onChange({ values })} error={listError} placeholder="Germany or DE, then Enter" />;
      case "language":
        return <ChipsField path={`${path}.in`} label="Languages" values={condition.values} options={props.languages} normalize={(v) => v.toLowerCase()} onChange={(values) => props.onChange({ values })} error={listError} placeholder="German or de, then Enter" hint="“en” also matches en-GB and en-US." />;
      case "device":
        return <CheckboxGroup path={`${path}.in`} legend="Devices" options={DEVICE_TYPES} values={condition.values as (typeof DEVICE_TYPES)[number][]} onChange={(values) => props.onChange({ values })} error={listError} />;
      case "os":
        return <ChipsField path={`${path}.in`} label="Operating systems" values={condition.values} options={OS_OPTIONS} onChange={(values) => props.onChange({ values })} error={listError} placeholder="iOS, Android…" />;
      case "browser":
        return <ChipsField path={`${path}.in`} label="Browsers" values={condition.values} options={BROWSER_OPTIONS} onChange={(values) => props.onChange({ values })} error={listError} placeholder="Chrome, Safari…" />;
      case "region":
        return <ChipsField path={`${path}.in`} label="Regions" values={condition.values} normalize={(v) => v.toUpperCase()} onChange={(values) => props.onChange({ values })} error={listError} placeholder="US-CA, then Enter" hint="ISO 3166-2 codes such as US-CA or DE-BY." />;
      case "city":
        return <ChipsField path={`${path}.in`} label="Cities" values={condition.values} onChange={(values) => props.onChange({ values })} error={listError} placeholder="Berlin, then Enter" />;
      case "ip":
        return <ChipsField path={`${path}.in`} label="Addresses or CIDR blocks" values={condition.values} onChange={(values) => props.onChange({ values })} error={listError} placeholder="203.0.113.0/24, then Enter" />;
      case "query":
        return (
          <div className="le-row">
            <TextField path={`${path}.param`} label="Parameter" value={condition.param} onChange={(param) => props.onChange({ param })} error={errorAt(errors, `${path}.param`)} placeholder="ref" />
            <SwitchField path={`${path}.matchValue`} label="Must equal a value" checked={condition.matchValue} onChange={(matchValue) => props.onChange({ matchValue })} disabled={props.readOnly} />
            {condition.matchValue ? <TextField path={`${path}.equals`} label="Value" value={condition.equals} onChange={(equals) => props.onChange({ equals })} error={errorAt(errors, `${path}.equals`)} /> : null}
          </div>
        );
      case "before":
      case "after":
        return <DateTimeField path={`${path}.at`} label={condition.type === "before" ? "Until" : "From"} value={condition.at} onChange={(at) => props.onChange({ at })} error={errorAt(errors, `${path}.at`)} />;
    }
  })();
  return (
    <div className="le-condition-body">
      <div className="le-condition-head">
        <SelectField
          path={`${path}.type`}
          label="Condition"
          value={condition.type}
          options={CONDITION_TYPES.map((type) => ({ value: type, label: CONDITION_LABELS[type] }))}
          onChange={(type) => props.onChange({ type, values: isListCondition(type) && type === condition.type ? condition.values : [], at: "", param: "", equals: "", matchValue: false })}
          disabled={props.readOnly}
        />
        {props.onRemove ? (
          <button type="button" className="le-icon-button le-danger" aria-label={`Remove ${typeLabel.toLowerCase()} condition`} onClick={props.onRemove}>
            <Trash2 size={16} aria-hidden />
          </button>
        ) : null}
      </div>
      {listField}
    </div>
  );
}

function PasswordField({ values, error, onChange, readOnly }: { values: LinkFormValues; error?: string; onChange: (patch: Partial<LinkFormValues>) => void; readOnly: boolean }) {
  const setting = values.passwordMode === "set";
  return (
    <div className="le-password">
      <span className="le-label">Password</span>
      <p className="le-hint" id="le-password-state">
        {values.hasPassword
          ? values.passwordMode === "remove"
            ? "The password will be removed when you save."
            : "A password is set. Visitors must enter it before they are redirected. It is never shown again."
          : "No password: anyone with the link can use it."}
      </p>
      {setting ? (
        <TextField
          path="password"
          label={values.hasPassword ? "New password" : "Password"}
          type="password"
          autoComplete="new-password"
          value={values.password}
          onChange={(password) => onChange({ password })}
          error={error}
          hint="At least 4 characters. Write-only: it is stored as a hash."
        />
      ) : error ? (
        <FieldMessages path="password" error={error} />
      ) : null}
      {readOnly ? null : (
        <div className="le-buttons">
          {setting ? (
            <button type="button" className="le-secondary" onClick={() => onChange({ passwordMode: "keep", password: "" })}>
              Cancel
            </button>
          ) : (
            <button type="button" className="le-secondary" onClick={() => onChange({ passwordMode: "set", password: "" })}>
              {values.hasPassword ? "Change password" : "Set a password"}
            </button>
          )}
          {values.hasPassword && values.passwordMode !== "remove" ? (
            <button type="button" className="le-secondary le-danger" onClick={() => onChange({ passwordMode: "remove", password: "" })}>
              Remove password
            </button>
          ) : null}
          {values.passwordMode === "remove" ? (
            <button type="button" className="le-secondary" onClick={() => onChange({ passwordMode: "keep" })}>
              Keep the password
            </button>
          ) : null}
        </div>
      )}
    </div>
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return "";
  }
}

function SocialCard({ values }: { values: LinkFormValues }) {
  const image = values.image.trim();
  const showImage = /^https?:\/\//i.test(image) && hostOf(image) !== "";
  return (
    <figure className="le-social" aria-label="Social card preview">
      {/* The owner's own image URL, shown as browsers will fetch it (next/image would proxy it). */}
      {/* eslint-disable-next-line @next/next/no-img-element */}
      <div className="le-social-image">{showImage ? <img src={image} alt="" referrerPolicy="no-referrer" /> : <span>No image</span>}</div>
      <figcaption>
        <span className="le-social-host">{values.domain}</span>
        <strong>{values.title.trim() || "Title of the shared page"}</strong>
        <span>{values.description.trim() || "The description appears here."}</span>
      </figcaption>
    </figure>
  );
}
