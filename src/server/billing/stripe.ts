import "server-only";
import Stripe from "stripe";
import { serverConfig, type BillingConfig } from "@/config/env";
import { ApiError } from "@/server/api/errors";

const GLOBAL_KEY = Symbol.for("signpost.stripe");
type Holder = { [GLOBAL_KEY]?: { config: BillingConfig; client: Stripe } };

/** Billing settings, or `billing_disabled` (404) when this instance has no STRIPE_SECRET_KEY. */
export function requireBilling(): BillingConfig {
  const billing = serverConfig().billing;
  if (!billing) throw new ApiError("billing_disabled", "Billing is not enabled on this instance: every plan limit is off");
  return billing;
}

/**
 * The process-wide Stripe client (the official SDK), pointed at STRIPE_API_URL when set (stripe-mock
 * or the tests' local fake Stripe). Network failures are retried twice with the SDK's backoff.
 */
export function stripeClient(): Stripe {
  const config = requireBilling();
  const holder = globalThis as Holder;
  const cached = holder[GLOBAL_KEY];
  if (cached?.config === config) return cached.client;
  const client = new Stripe(config.secretKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
    appInfo: { name: "Signpost" },
    ...(config.api ? { host: config.api.host, port: config.api.port, protocol: config.api.protocol } : {}),
  });
  holder[GLOBAL_KEY] = { config, client };
  return client;
}

/** The id of an expandable Stripe reference (a string id or the expanded object). */
export function idOf(ref: string | { id: string } | null | undefined): string | null {
  if (!ref) return null;
  return typeof ref === "string" ? ref : ref.id;
}
