import { randomUUID } from "node:crypto";
import {
  AssessPaymentDocument,
  StorefrontCheckoutPricesDocument,
  type AssessPaymentMutation,
} from "../../operations/__generated__/graphql.ts";
import { gatewayRequest } from "./gateway-client.ts";

/** What the browser sends to POST /api/checkout. Prices are not in it: the server reads them from the API. */
export interface CheckoutRequest {
  readonly items: readonly { readonly productId: string; readonly quantity: number }[];
  readonly destination: { readonly country: string; readonly postalCode: string };
  readonly email: string;
  /** One of PAYMENT_METHODS' keys. */
  readonly paymentMethod: string;
  /** The delivery option chosen in the cart; its cost and date are read again from the API. */
  readonly delivery: { readonly carrierId: string; readonly service: string };
}

const SERVICES = ["OVERNIGHT", "EXPRESS", "GROUND", "ECONOMY"];

/** The demo's payment methods and the provider fingerprints they stand for. */
export const PAYMENT_METHODS: Readonly<Record<string, string>> = {
  "visa-4242": "pm_demo_visa_4242",
  "mastercard-4444": "pm_demo_mc_4444",
};

/** An expected failure with a stable code, answered as JSON `{ error: { code, message } }`. */
export class CheckoutError extends Error {
  constructor(
    readonly code: "BAD_USER_INPUT" | "UNAVAILABLE",
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "CheckoutError";
  }
}

const ID = /^[A-Za-z0-9-]{1,64}$/;

/** Validates the JSON body of a checkout; throws CheckoutError (BAD_USER_INPUT) naming the first problem. */
export function parseCheckoutRequest(body: unknown): CheckoutRequest {
  const bad = (message: string) => new CheckoutError("BAD_USER_INPUT", message, 400);
  if (typeof body !== "object" || body === null) throw bad("the body must be a JSON object");
  const { items, destination, email, paymentMethod, delivery } = body as Record<string, unknown>;
  if (!Array.isArray(items) || items.length < 1 || items.length > 50) throw bad("items: 1 to 50 lines");
  const lines = items.map((item: unknown, i) => {
    const { productId, quantity } = (item ?? {}) as Record<string, unknown>;
    if (typeof productId !== "string" || !ID.test(productId)) throw bad(`items[${i}].productId is not an id`);
    if (typeof quantity !== "number" || !Number.isInteger(quantity) || quantity < 1 || quantity > 99) {
      throw bad(`items[${i}].quantity: a whole number from 1 to 99`);
    }
    return { productId, quantity };
  });
  if (new Set(lines.map((l) => l.productId)).size !== lines.length) throw bad("items: one line per product");
  const { country, postalCode } = (destination ?? {}) as Record<string, unknown>;
  if (typeof country !== "string" || !/^[A-Za-z]{2}$/.test(country))
    throw bad("destination.country: two letters");
  if (typeof postalCode !== "string" || !/^[A-Za-z0-9 -]{2,12}$/.test(postalCode)) {
    throw bad("destination.postalCode is not a postal code");
  }
  if (typeof email !== "string" || !/^[^@\s]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,}$/.test(email)) {
    throw bad("email is not an e-mail address");
  }
  if (typeof paymentMethod !== "string" || !Object.hasOwn(PAYMENT_METHODS, paymentMethod)) {
    throw bad(`paymentMethod: one of ${Object.keys(PAYMENT_METHODS).join(", ")}`);
  }
  const { carrierId, service } = (delivery ?? {}) as Record<string, unknown>;
  if (
    typeof carrierId !== "string" ||
    !ID.test(carrierId) ||
    typeof service !== "string" ||
    !SERVICES.includes(service)
  ) {
    throw bad(`delivery: a carrierId and a service (${SERVICES.join(", ")})`);
  }
  return {
    items: lines,
    destination: { country: country.toUpperCase(), postalCode },
    email,
    paymentMethod,
    delivery: { carrierId, service },
  };
}

/** What the browser gets back: the order, its total and the payment decision (no internal ids or scores). */
export interface CheckoutResult {
  readonly orderId: string;
  /** Products and delivery. */
  readonly total: string;
  readonly shipping: string;
  /** The chosen option's promised date (YYYY-MM-DD). */
  readonly promisedDate: string;
  readonly action: NonNullable<AssessPaymentMutation["assessPayment"]>["action"];
  readonly level: NonNullable<AssessPaymentMutation["assessPayment"]>["level"];
  readonly reasons: readonly string[];
  readonly degraded: boolean;
}

export interface CheckoutDeps {
  readonly gatewayUrl: string;
  /** The service:checkout token (held by the server only). */
  readonly checkoutToken: () => Promise<string>;
}

export interface CheckoutCaller {
  /** The signed-in shopper's id (verified by the gateway), or undefined for a guest. */
  readonly userId: string | undefined;
  readonly ip: string;
  readonly deviceId: string;
}

/**
 * Prices the cart from the API (never from the browser), then asks payment risk about the payment with the
 * server's checkout token, and returns the decision.
 */
export async function checkout(
  deps: CheckoutDeps,
  request: CheckoutRequest,
  caller: CheckoutCaller,
): Promise<CheckoutResult> {
  const priceContext = { currency: "USD", region: request.destination.country };
  const priced = await gatewayRequest(deps.gatewayUrl, StorefrontCheckoutPricesDocument, {
    ids: request.items.map((i) => i.productId),
    items: request.items.map((i) => ({ productId: i.productId, quantity: i.quantity })),
    price: priceContext,
    destination: request.destination,
  });
  const unavailable = () =>
    new CheckoutError("UNAVAILABLE", "prices or delivery options are unavailable; try again", 503);
  const products = priced.data?.products;
  if (products === undefined) throw unavailable();
  let totalMinor = 0;
  const riskItems = request.items.map((item, i) => {
    const product = products[i];
    if (product === null || product === undefined) {
      throw new CheckoutError("BAD_USER_INPUT", `items[${i}].productId: no such product`, 400);
    }
    if (product.price === null) throw unavailable();
    totalMinor += product.price.offeredPrice.amountMinor * item.quantity;
    return {
      productId: item.productId,
      quantity: item.quantity,
      unitPriceMinor: product.price.offeredPrice.amountMinor,
    };
  });
  const estimate = priced.data?.deliveryOptions;
  if (estimate === null || estimate === undefined) {
    const refused = priced.errors?.find((e) => e.extensions?.code === "BAD_USER_INPUT");
    if (refused !== undefined) throw new CheckoutError("BAD_USER_INPUT", `delivery: ${refused.message}`, 400);
    throw unavailable();
  }
  const option = estimate.options.find(
    (o) => o.carrier.id === request.delivery.carrierId && o.service === request.delivery.service,
  );
  if (option === undefined) {
    const why = estimate.reason ?? "that option is not offered for this cart";
    throw new CheckoutError("BAD_USER_INPUT", `delivery: ${why}`, 400);
  }
  totalMinor += option.cost.amountMinor;
  const fingerprint = PAYMENT_METHODS[request.paymentMethod];
  if (fingerprint === undefined) throw new CheckoutError("BAD_USER_INPUT", "paymentMethod: unknown", 400);
  const orderId = `ord-sf-${randomUUID().slice(0, 8)}`;
  const assessed = await gatewayRequest(
    deps.gatewayUrl,
    AssessPaymentDocument,
    {
      input: {
        orderId,
        userId: caller.userId ?? "guest",
        amountMinor: totalMinor,
        currency: "USD",
        paymentMethodFingerprint: fingerprint,
        deviceId: caller.deviceId,
        ip: caller.ip,
        emailDomain: request.email.slice(request.email.indexOf("@") + 1).toLowerCase(),
        billingAddress: { country: request.destination.country, postalCode: request.destination.postalCode },
        shippingAddress: { country: request.destination.country, postalCode: request.destination.postalCode },
        items: riskItems,
      },
    },
    await deps.checkoutToken(),
  );
  const assessment = assessed.data?.assessPayment;
  if (assessment === null || assessment === undefined) {
    throw new CheckoutError("UNAVAILABLE", "the payment could not be checked; try again", 503);
  }
  return {
    orderId,
    total: new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(totalMinor / 100),
    shipping: option.cost.formatted,
    promisedDate: option.promisedDate,
    action: assessment.action,
    level: assessment.level,
    reasons: assessment.reasons.map((r) => r.message),
    degraded: assessment.degraded,
  };
}
