/**
 * The link editor's form model: the values the inputs hold (strings, lists, switches), how they
 * become the API's input (the same zod schemas the API parses, so the browser and the server
 * agree on every message), and back from a saved link. Pure and runtime-neutral: the client
 * component, the server action and the tests share it.
 */
import { z } from "zod";
import { finalLocation } from "@/core/decide";
import { destinationSchema } from "@/core/destination";
import { BOT_BEHAVIORS, createLinkSchema, updateLinkSchema, type BotBehavior, type CreateLinkInput, type LinkView, type UpdateLinkInput } from "@/core/link";
import { CONDITION_TYPES, type Condition } from "@/core/rules";

export type ConditionType = (typeof CONDITION_TYPES)[number];
export type ListConditionType = Extract<Condition, { in: unknown }>["type"];
export const LIST_CONDITION_TYPES = CONDITION_TYPES.filter((type): type is ListConditionType => "in" in conditionTemplate(type));

export const UTM_FIELDS = ["source", "medium", "campaign", "term", "content"] as const;
export type UtmField = (typeof UTM_FIELDS)[number];

export interface ConditionValues {
  /** React key only; never rendered (ids come from positions so server and client agree). */
  uid: string;
  type: ConditionType;
  /** country, region, city, device, os, browser, language, ip */
  values: string[];
  /** query */
  param: string;
  /** query: compare the value (true) or only require the parameter (false). */
  matchValue: boolean;
  equals: string;
  /** before, after: ISO date-time or "" */
  at: string;
}

export interface RuleValues {
  uid: string;
  name: string;
  url: string;
  conditions: ConditionValues[];
}

export interface VariantValues {
  uid: string;
  url: string;
  /** As typed; a whole number 0–100 once valid. */
  weight: string;
}

/** keep: leave the stored password alone; set: set or replace it; remove: delete it. */
export type PasswordMode = "keep" | "set" | "remove";

export interface LinkFormValues {
  url: string;
  domain: string;
  key: string;
  tags: string[];
  utm: Record<UtmField, string>;
  forwardQuery: boolean;
  rules: RuleValues[];
  variants: VariantValues[];
  variantsEndAt: string;
  /** Whether the saved link has a password (the password itself is never sent back). */
  hasPassword: boolean;
  passwordMode: PasswordMode;
  password: string;
  expiresAt: string;
  expiredUrl: string;
  maxClicks: string;
  title: string;
  description: string;
  image: string;
  botBehavior: BotBehavior;
  cloaked: boolean;
  redirectStatus: 301 | 302 | 307 | 308;
  comments: string;
}

/**
 * The shape of the values a browser posts to the save action. The action is an endpoint like any
 * other: values that are not this shape are refused before anything reads them.
 */
const text = z.string().max(40_000);
export const linkFormValuesSchema = z.object({
  url: text,
  domain: text,
  key: text,
  tags: z.array(text).max(100),
  utm: z.object({ source: text, medium: text, campaign: text, term: text, content: text }),
  forwardQuery: z.boolean(),
  rules: z
    .array(
      z.object({
        uid: text,
        name: text,
        url: text,
        conditions: z
          .array(
            z.object({
              uid: text,
              type: z.enum(CONDITION_TYPES as [ConditionType, ...ConditionType[]]),
              values: z.array(text).max(1000),
              param: text,
              matchValue: z.boolean(),
              equals: text,
              at: text,
            }),
          )
          .max(100),
      }),
    )
    .max(100),
  variants: z.array(z.object({ uid: text, url: text, weight: text })).max(100),
  variantsEndAt: text,
  hasPassword: z.boolean(),
  passwordMode: z.enum(["keep", "set", "remove"]),
  password: text,
  expiresAt: text,
  expiredUrl: text,
  maxClicks: text,
  title: text,
  description: text,
  image: text,
  botBehavior: z.enum(BOT_BEHAVIORS),
  cloaked: z.boolean(),
  redirectStatus: z.union([z.literal(301), z.literal(302), z.literal(307), z.literal(308)]),
  comments: text,
}) satisfies z.ZodType<LinkFormValues>;

let counter = 0;
/** A key for React lists: unique within the page, meaningless outside it. */
export function uid(): string {
  counter += 1;
  return `k${counter}`;
}

function conditionTemplate(type: ConditionType): Condition {
  switch (type) {
    case "query":
      return { type, param: "" };
    case "before":
    case "after":
      return { type, at: "" };
    default:
      return { type, in: [] } as Condition;
  }
}

export function isListCondition(type: ConditionType): type is ListConditionType {
  return (LIST_CONDITION_TYPES as readonly string[]).includes(type);
}

export function newCondition(type: ConditionType = "country"): ConditionValues {
  return { uid: uid(), type, values: [], param: "", matchValue: false, equals: "", at: "" };
}

export function newRule(): RuleValues {
  return { uid: uid(), name: "", url: "", conditions: [newCondition("country")] };
}

export function emptyForm(domain: string): LinkFormValues {
  return {
    url: "",
    domain,
    key: "",
    tags: [],
    utm: { source: "", medium: "", campaign: "", term: "", content: "" },
    forwardQuery: false,
    rules: [],
    variants: [],
    variantsEndAt: "",
    hasPassword: false,
    passwordMode: "keep",
    password: "",
    expiresAt: "",
    expiredUrl: "",
    maxClicks: "",
    title: "",
    description: "",
    image: "",
    botBehavior: "preview",
    cloaked: false,
    redirectStatus: 302,
    comments: "",
  };
}

/** The form as it opens for a saved link. */
export function formFromLink(link: LinkView): LinkFormValues {
  return {
    url: link.url,
    domain: link.domain,
    key: link.key,
    tags: link.tags.map((tag) => tag.name),
    utm: { source: link.utm?.source ?? "", medium: link.utm?.medium ?? "", campaign: link.utm?.campaign ?? "", term: link.utm?.term ?? "", content: link.utm?.content ?? "" },
    forwardQuery: link.forwardQuery,
    rules: link.rules.map((rule) => ({
      uid: uid(),
      name: rule.name ?? "",
      url: rule.url,
      conditions: rule.conditions.map((condition) => {
        const values = newCondition(condition.type);
        if ("in" in condition) values.values = [...condition.in];
        if (condition.type === "query") {
          values.param = condition.param;
          values.matchValue = condition.equals !== undefined;
          values.equals = condition.equals ?? "";
        }
        if ("at" in condition) values.at = condition.at;
        return values;
      }),
    })),
    variants: link.variants.map((variant) => ({ uid: uid(), url: variant.url, weight: String(variant.weight) })),
    variantsEndAt: link.variantsEndAt ?? "",
    hasPassword: link.hasPassword,
    passwordMode: "keep",
    password: "",
    expiresAt: link.expiresAt ?? "",
    expiredUrl: link.expiredUrl ?? "",
    maxClicks: link.maxClicks === null ? "" : String(link.maxClicks),
    title: link.title ?? "",
    description: link.description ?? "",
    image: link.image ?? "",
    botBehavior: (BOT_BEHAVIORS as readonly string[]).includes(link.botBehavior) ? link.botBehavior : "preview",
    cloaked: link.cloaked,
    redirectStatus: ([301, 302, 307, 308] as const).find((status) => status === link.redirectStatus) ?? 302,
    comments: link.comments ?? "",
  };
}

const orNull = (value: string) => (value.trim() === "" ? null : value);

/** A typed number, or NaN for text that is not one (the schema then names the field). */
function wholeNumber(value: string): number {
  return value.trim() === "" ? Number.NaN : Number(value);
}

function conditionInput(condition: ConditionValues): Condition {
  if (condition.type === "query") {
    return { type: "query", param: condition.param.trim(), ...(condition.matchValue ? { equals: condition.equals } : {}) };
  }
  if (condition.type === "before" || condition.type === "after") return { type: condition.type, at: condition.at };
  return { type: condition.type, in: condition.values } as Condition;
}

/**
 * The API input for these values: every editable field, so a save makes the link exactly what
 * the form shows. The password is sent only when it is being set or removed (it is write-only).
 */
export function toLinkInput(values: LinkFormValues): CreateLinkInput {
  const utmEntries = UTM_FIELDS.map((field) => [field, values.utm[field].trim()] as const).filter(([, value]) => value !== "");
  const input: CreateLinkInput = {
    url: values.url,
    ...(values.domain ? { domain: values.domain } : {}),
    ...(values.key.trim() ? { key: values.key } : {}),
    tags: values.tags,
    utm: utmEntries.length > 0 ? Object.fromEntries(utmEntries) : null,
    forwardQuery: values.forwardQuery,
    rules: values.rules.map((rule) => ({
      ...(rule.name.trim() ? { name: rule.name } : {}),
      conditions: rule.conditions.map(conditionInput),
      url: rule.url,
    })),
    variants: values.variants.map((variant) => ({ url: variant.url, weight: wholeNumber(variant.weight) })),
    variantsEndAt: values.variants.length > 0 ? orNull(values.variantsEndAt) : null,
    expiresAt: orNull(values.expiresAt),
    expiredUrl: orNull(values.expiredUrl),
    maxClicks: values.maxClicks.trim() === "" ? null : wholeNumber(values.maxClicks),
    title: orNull(values.title),
    description: orNull(values.description),
    image: orNull(values.image),
    comments: orNull(values.comments),
    botBehavior: values.botBehavior,
    cloaked: values.cloaked,
    redirectStatus: values.redirectStatus,
  };
  if (values.passwordMode === "set") input.password = values.password;
  else if (values.passwordMode === "remove") input.password = null;
  return input;
}

export type FieldErrors = Record<string, string>;

/** Zod issues as field paths (`rules.0.conditions.1.in`), the first message per path. */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const path = issue.path.map(String).join(".") || "form";
    fields[path] ??= capitalise(issue.message);
  }
  return fields;
}

function capitalise(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}

export type Parsed<T> = { ok: true; input: T } | { ok: false; fields: FieldErrors };

/** Parses the values with the API's own schema: createLinkSchema for a new link, updateLinkSchema for an edit. */
export function parseForCreate(values: LinkFormValues): Parsed<CreateLinkInput> {
  const parsed = createLinkSchema.safeParse(toLinkInput(values));
  return parsed.success ? { ok: true, input: parsed.data } : { ok: false, fields: fieldErrors(parsed.error) };
}

export function parseForUpdate(values: LinkFormValues): Parsed<UpdateLinkInput> {
  const parsed = updateLinkSchema.safeParse(toLinkInput(values));
  return parsed.success ? { ok: true, input: parsed.data } : { ok: false, fields: fieldErrors(parsed.error) };
}

/**
 * The message for a field: its own, or the first one reported inside it (a country in a list is
 * reported as `rules.0.conditions.1.in.3`; it is shown next to that list).
 */
export function errorAt(errors: FieldErrors, path: string): string | undefined {
  if (errors[path]) return errors[path];
  const prefix = `${path}.`;
  for (const [field, message] of Object.entries(errors)) if (field.startsWith(prefix)) return message;
  return undefined;
}

// ---- A/B weights ---------------------------------------------------------------------------------

/** What is left to assign for the weights to reach 100 (negative when they exceed it). */
export function remainingWeight(variants: readonly Pick<VariantValues, "weight">[]): number {
  return 100 - variants.reduce((sum, variant) => sum + (Number.isInteger(Number(variant.weight)) && variant.weight.trim() !== "" ? Number(variant.weight) : 0), 0);
}

/** Whole-number weights for `count` variants that sum to 100, the first ones taking the remainder. */
export function evenWeights(count: number): number[] {
  if (count <= 0) return [];
  const base = Math.floor(100 / count);
  return Array.from({ length: count }, (_, index) => base + (index < 100 - base * count ? 1 : 0));
}

/**
 * A new variant takes what is left to assign (never less than 0): adding to a complete set
 * leaves the others untouched and the new one at 0 until someone gives it a share.
 */
export function addVariant(variants: readonly VariantValues[], url = ""): VariantValues[] {
  return [...variants, { uid: uid(), url, weight: String(Math.max(0, remainingWeight(variants))) }];
}

export function splitEvenly(variants: readonly VariantValues[]): VariantValues[] {
  const weights = evenWeights(variants.length);
  return variants.map((variant, index) => ({ ...variant, weight: String(weights[index]) }));
}

// ---- Ordering --------------------------------------------------------------------------------------

/** The list with item `index` moved by `delta` places (no-op at either end). */
export function move<T>(items: readonly T[], index: number, delta: -1 | 1): T[] {
  const target = index + delta;
  if (index < 0 || index >= items.length || target < 0 || target >= items.length) return [...items];
  const copy = [...items];
  [copy[index], copy[target]] = [copy[target]!, copy[index]!];
  return copy;
}

// ---- Previews -------------------------------------------------------------------------------------

/**
 * Where a visitor without query parameters lands: the destination with the UTM fields applied by
 * the same function the edge runs. Null while the destination is not a valid URL.
 */
export function previewDestination(url: string, utm: Record<UtmField, string>): string | null {
  if (!destinationSchema.safeParse(url).success) return null;
  const entries = UTM_FIELDS.map((field) => [field, utm[field].trim()] as const).filter(([, value]) => value !== "");
  return finalLocation(url.trim(), { utm: entries.length > 0 ? Object.fromEntries(entries) : null, forwardQuery: false }, new URLSearchParams());
}
