/**
 * A local stand-in for the parts of Stripe's HTTP API that Signpost calls, on 127.0.0.1, for the
 * official SDK pointed at it by STRIPE_API_URL. It parses the SDK's form-encoded bodies, honours
 * idempotency keys like Stripe, records every request, and serves subscriptions the test puts in.
 * Webhook events are signed with the SDK's own test helper (`signedEvent`).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";

export interface RecordedRequest {
  method: string;
  path: string;
  /** The form body, flat: `line_items[0][price]` → value. */
  params: Record<string, string>;
  idempotencyKey: string | null;
  authorization: string | null;
}

type Json = Record<string, unknown>;

export class FakeStripe {
  readonly requests: RecordedRequest[] = [];
  readonly customers = new Map<string, Json>();
  readonly subscriptions = new Map<string, Json>();
  /** Answer the next N requests with a 500 (Stripe having a bad moment). */
  failNext = 0;
  url = "";
  private readonly idempotent = new Map<string, Json>();
  private counter = 0;
  private readonly server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://stripe.test");
      const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
      const recorded: RecordedRequest = {
        method: request.method ?? "GET",
        path: url.pathname,
        params,
        idempotencyKey: (request.headers["idempotency-key"] as string | undefined) ?? null,
        authorization: request.headers.authorization ?? null,
      };
      this.requests.push(recorded);
      const [status, body] = this.answer(recorded);
      response.writeHead(status, { "content-type": "application/json", "request-id": `req_${++this.counter}` }).end(JSON.stringify(body));
    });
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Forgets every request and object (one fake serves the whole file: the SDK's URL is configured once). */
  reset(): void {
    this.requests.length = 0;
    this.customers.clear();
    this.subscriptions.clear();
    this.idempotent.clear();
    this.failNext = 0;
  }

  /** Requests to `path` (and `method`), in order. */
  calls(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  private id(prefix: string): string {
    return `${prefix}_test${String(++this.counter).padStart(6, "0")}${Math.random().toString(36).slice(2, 8)}`;
  }

  private answer(request: RecordedRequest): [number, Json] {
    if (!request.authorization?.startsWith("Bearer sk_test_")) return [401, stripeError("invalid_request_error", "Invalid API Key provided", "api_key_invalid")];
    if (this.failNext > 0) {
      this.failNext -= 1;
      return [500, stripeError("api_error", "Something went wrong on Stripe's end")];
    }
    const key = request.idempotencyKey ? `${request.method} ${request.path} ${request.idempotencyKey}` : null;
    if (key && this.idempotent.has(key)) return [200, this.idempotent.get(key)!];
    const result = this.route(request);
    if (key && result[0] === 200) this.idempotent.set(key, result[1]);
    return result;
  }

  private route({ method, path, params }: RecordedRequest): [number, Json] {
    if (method === "POST" && path === "/v1/customers") {
      const customer = { id: this.id("cus"), object: "customer", email: params.email ?? null, name: params.name ?? null, metadata: metadataOf(params) };
      this.customers.set(customer.id, customer);
      return [200, customer];
    }
    if (method === "POST" && path === "/v1/checkout/sessions") {
      if (!params.customer || !this.customers.has(params.customer)) return [400, stripeError("invalid_request_error", `No such customer: '${params.customer}'`, "resource_missing", "customer")];
      if (!params["line_items[0][price]"]) return [400, stripeError("invalid_request_error", "Missing required param: line_items.", "parameter_missing", "line_items")];
      const id = this.id("cs");
      return [200, { id, object: "checkout.session", mode: params.mode, customer: params.customer, client_reference_id: params.client_reference_id ?? null, url: `https://checkout.stripe.test/c/pay/${id}`, metadata: metadataOf(params) }];
    }
    if (method === "POST" && path === "/v1/billing_portal/sessions") {
      if (!params.customer || !this.customers.has(params.customer)) return [400, stripeError("invalid_request_error", `No such customer: '${params.customer}'`, "resource_missing", "customer")];
      const id = this.id("bps");
      return [200, { id, object: "billing_portal.session", customer: params.customer, return_url: params.return_url, url: `https://billing.stripe.test/p/session/${id}` }];
    }
    const subscription = /^\/v1\/subscriptions\/([^/]+)$/.exec(path);
    if (method === "GET" && subscription) {
      const found = this.subscriptions.get(decodeURIComponent(subscription[1]!));
      return found ? [200, found] : [404, stripeError("invalid_request_error", `No such subscription: '${subscription[1]}'`, "resource_missing", "id")];
    }
    return [404, stripeError("invalid_request_error", `Unrecognized request URL (${method}: ${path}).`)];
  }

  /** Puts (or replaces) a subscription as Stripe would return it. */
  setSubscription(input: { id?: string; customer: string; price: string; status: Stripe.Subscription.Status; workspaceId?: string; cancelAtPeriodEnd?: boolean }): Stripe.Subscription {
    const id = input.id ?? this.id("sub");
    const now = Math.floor(Date.now() / 1000);
    const subscription = {
      id,
      object: "subscription",
      customer: input.customer,
      status: input.status,
      cancel_at_period_end: input.cancelAtPeriodEnd ?? false,
      created: now,
      metadata: input.workspaceId ? { workspaceId: input.workspaceId } : {},
      items: {
        object: "list",
        data: [{ id: this.id("si"), object: "subscription_item", price: { id: input.price, object: "price" }, quantity: 1, current_period_start: now, current_period_end: now + 30 * 86_400 }],
      },
    };
    this.subscriptions.set(id, subscription);
    return subscription as unknown as Stripe.Subscription;
  }
}

function stripeError(type: string, message: string, code?: string, param?: string): Json {
  return { error: { type, message, ...(code ? { code } : {}), ...(param ? { param } : {}) } };
}

function metadataOf(params: Record<string, string>): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    const match = /^metadata\[([^\]]+)\]$/.exec(key);
    if (match) metadata[match[1]!] = value;
  }
  return metadata;
}

/** A webhook event body and its `Stripe-Signature` header, signed with the SDK's test helper. */
export function signedEvent(secret: string, event: { id?: string; type: string; object: unknown; created?: number }): { body: string; signature: string; id: string } {
  const id = event.id ?? `evt_test${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
  const body = JSON.stringify({
    id,
    object: "event",
    api_version: Stripe.API_VERSION,
    created: event.created ?? Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: event.type,
    data: { object: event.object },
  });
  const stripe = new Stripe("sk_test_signing_only");
  return { body, signature: stripe.webhooks.generateTestHeaderString({ payload: body, secret }), id };
}
