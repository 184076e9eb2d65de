/**
 * Routing rules: an ordered list; a rule matches when all its conditions match; the first
 * matching rule's destination wins. The schemas live here so the API, the dashboard and the
 * edge (which evaluates them, issue #5) share one definition.
 */
import { z } from "zod";
import { dateTimeSchema, destinationSchema } from "./destination";

export const DEVICE_TYPES = ["desktop", "mobile", "tablet", "console", "smarttv", "wearable", "xr", "embedded"] as const;

const list = <T extends z.ZodType>(item: T) => z.array(item).min(1, "needs at least one value").max(250, "at most 250 values");

const countryCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 country code, e.g. US");

/** ISO 3166-2 subdivision, e.g. US-CA, or the platform's bare region code (CA). */
const regionCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^([A-Z]{2}-)?[A-Z0-9]{1,3}$/, "must be a region code such as US-CA or CA");

const language = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "must be a language tag such as en or pt-BR")
  .toLowerCase();

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** An IPv4/IPv6 address or CIDR block. */
export function isIpOrCidr(value: string): boolean {
  const [address, prefix, extra] = value.split("/");
  if (extra !== undefined || !address) return false;
  const v4 = ipv4.test(address);
  const v6 = !v4 && isIpv6(address);
  if (!v4 && !v6) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (v4 ? 32 : 128);
}

function isIpv6(address: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(address) || address.length > 45) return false;
  try {
    // The URL parser validates IPv6 literals exactly.
    return new URL(`http://[${address}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

const dateTime = dateTimeSchema;

export const conditionSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("country"), in: list(countryCode) }).strict(),
  z.object({ type: z.literal("region"), in: list(regionCode) }).strict(),
  z.object({ type: z.literal("city"), in: list(z.string().trim().min(1).max(100)) }).strict(),
  z.object({ type: z.literal("device"), in: list(z.enum(DEVICE_TYPES)) }).strict(),
  z.object({ type: z.literal("os"), in: list(z.string().trim().min(1).max(50)) }).strict(),
  z.object({ type: z.literal("browser"), in: list(z.string().trim().min(1).max(50)) }).strict(),
  z.object({ type: z.literal("language"), in: list(language) }).strict(),
  z
    .object({
      type: z.literal("query"),
      param: z.string().min(1).max(100),
      /** Absent: the parameter only has to be present. */
      equals: z.string().max(500).optional(),
    })
    .strict(),
  z.object({ type: z.literal("ip"), in: list(z.string().trim().refine(isIpOrCidr, "must be an IP address or CIDR block")) }).strict(),
  z.object({ type: z.literal("before"), at: dateTime }).strict(),
  z.object({ type: z.literal("after"), at: dateTime }).strict(),
]);

export type Condition = z.infer<typeof conditionSchema>;
export const CONDITION_TYPES = conditionSchema.options.map((option) => option.shape.type.value);

export const routingRuleSchema = z
  .object({
    name: z.string().trim().max(100).optional(),
    conditions: z.array(conditionSchema).min(1, "a rule needs at least one condition").max(20, "at most 20 conditions"),
    url: destinationSchema,
  })
  .strict();

export type RoutingRule = z.infer<typeof routingRuleSchema>;
