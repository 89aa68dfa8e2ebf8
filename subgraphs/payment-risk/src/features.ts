import type { VelocitySnapshot } from "./velocity.store.ts";

/**
 * The served model's inputs, in column order. Every one is computable at request time from the input, the
 * velocity snapshot and the account (models/payment-risk/export-data.ts computes the training data with
 * this same function over a replayed history, so training and serving cannot drift apart).
 */
export const FEATURE_NAMES = [
  "amount_log",
  "account_age_log",
  "user_count_1h",
  "user_count_24h",
  "user_count_7d",
  "user_sum_24h_log",
  "amount_vs_user_avg",
  "card_count_1h",
  "card_count_24h",
  "card_sum_24h_log",
  "device_count_1h",
  "device_count_24h",
  "ip_count_1h",
  "ip_count_24h",
  "email_domain_count_1h",
  "devices_per_account",
  "accounts_per_device",
  "accounts_per_card",
  "accounts_per_ip",
  "billing_ne_shipping",
  "ip_ne_billing",
  "email_disposable",
  "item_count_log",
  "velocity_available",
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** What the features are computed from. */
export interface FeatureInput {
  readonly amountMinorUsd: number;
  /** Null for an unknown user: treated as a brand-new account. */
  readonly accountAgeDays: number | null;
  readonly billingCountry: string;
  readonly shippingCountry: string;
  readonly ipCountry: string | null;
  readonly emailDisposable: boolean;
  readonly itemCount: number;
  /** Null when velocity could not be read. */
  readonly velocity: VelocitySnapshot | null;
}

const log1p = Math.log1p;

/** One row of FEATURE_NAMES.length floats. */
export function computeFeatures(input: FeatureInput): Float32Array {
  const v = input.velocity;
  const dollars = input.amountMinorUsd / 100;
  const age = Math.max(0, input.accountAgeDays ?? 0);
  const userAvg7d =
    v !== null && v.user.count["7d"] > 0 ? v.user.sumMinor["7d"] / v.user.count["7d"] / 100 : null;
  const row: Record<FeatureName, number> = {
    amount_log: log1p(dollars),
    account_age_log: log1p(age),
    user_count_1h: log1p(v?.user.count["1h"] ?? 0),
    user_count_24h: log1p(v?.user.count["24h"] ?? 0),
    user_count_7d: log1p(v?.user.count["7d"] ?? 0),
    user_sum_24h_log: log1p((v?.user.sumMinor["24h"] ?? 0) / 100),
    amount_vs_user_avg: userAvg7d === null ? 0 : Math.log((dollars + 1) / (userAvg7d + 1)),
    card_count_1h: log1p(v?.paymentMethod.count["1h"] ?? 0),
    card_count_24h: log1p(v?.paymentMethod.count["24h"] ?? 0),
    card_sum_24h_log: log1p((v?.paymentMethod.sumMinor["24h"] ?? 0) / 100),
    device_count_1h: log1p(v?.device.count["1h"] ?? 0),
    device_count_24h: log1p(v?.device.count["24h"] ?? 0),
    ip_count_1h: log1p(v?.ip.count["1h"] ?? 0),
    ip_count_24h: log1p(v?.ip.count["24h"] ?? 0),
    email_domain_count_1h: log1p(v?.emailDomain.count["1h"] ?? 0),
    devices_per_account: log1p(v?.user.links ?? 0),
    accounts_per_device: log1p(v?.device.links ?? 0),
    accounts_per_card: log1p(v?.paymentMethod.links ?? 0),
    accounts_per_ip: log1p(v?.ip.links ?? 0),
    billing_ne_shipping: input.billingCountry !== input.shippingCountry ? 1 : 0,
    ip_ne_billing: input.ipCountry !== null && input.ipCountry !== input.billingCountry ? 1 : 0,
    email_disposable: input.emailDisposable ? 1 : 0,
    item_count_log: log1p(Math.max(0, input.itemCount)),
    velocity_available: v === null ? 0 : 1,
  };
  return Float32Array.from(FEATURE_NAMES, (name) => row[name]);
}

/** How a feature reads as a reason: a stable code and a sentence built from the raw value behind it. */
export const REASON_TEMPLATES: Record<FeatureName, { code: string; text: (input: FeatureInput) => string }> =
  {
    amount_log: { code: "AMOUNT", text: (i) => `amount of $${(i.amountMinorUsd / 100).toFixed(2)}` },
    account_age_log: {
      code: "ACCOUNT_AGE",
      text: (i) =>
        i.accountAgeDays === null ? "unknown account" : `account is ${formatDays(i.accountAgeDays)} old`,
    },
    user_count_1h: {
      code: "USER_VELOCITY_1H",
      text: (i) => `${n(i, "user", "1h")} earlier payments by this account in the last hour`,
    },
    user_count_24h: {
      code: "USER_VELOCITY_24H",
      text: (i) => `${n(i, "user", "24h")} earlier payments by this account in 24 hours`,
    },
    user_count_7d: {
      code: "USER_VELOCITY_7D",
      text: (i) => `${n(i, "user", "7d")} earlier payments by this account in 7 days`,
    },
    user_sum_24h_log: {
      code: "USER_SPEND_24H",
      text: (i) =>
        `$${((i.velocity?.user.sumMinor["24h"] ?? 0) / 100).toFixed(2)} spent by this account in 24 hours`,
    },
    amount_vs_user_avg: {
      code: "AMOUNT_VS_HISTORY",
      text: () => "amount unlike this account's recent payments",
    },
    card_count_1h: {
      code: "PAYMENT_METHOD_VELOCITY_1H",
      text: (i) =>
        `${n(i, "paymentMethod", "1h")} earlier payments with this payment method in the last hour`,
    },
    card_count_24h: {
      code: "PAYMENT_METHOD_VELOCITY_24H",
      text: (i) => `${n(i, "paymentMethod", "24h")} earlier payments with this payment method in 24 hours`,
    },
    card_sum_24h_log: {
      code: "PAYMENT_METHOD_SPEND_24H",
      text: (i) =>
        `$${((i.velocity?.paymentMethod.sumMinor["24h"] ?? 0) / 100).toFixed(2)} charged to this payment method in 24 hours`,
    },
    device_count_1h: {
      code: "DEVICE_VELOCITY_1H",
      text: (i) => `${n(i, "device", "1h")} earlier payments from this device in the last hour`,
    },
    device_count_24h: {
      code: "DEVICE_VELOCITY_24H",
      text: (i) => `${n(i, "device", "24h")} earlier payments from this device in 24 hours`,
    },
    ip_count_1h: {
      code: "IP_VELOCITY_1H",
      text: (i) => `${n(i, "ip", "1h")} earlier payments from this IP address in the last hour`,
    },
    ip_count_24h: {
      code: "IP_VELOCITY_24H",
      text: (i) => `${n(i, "ip", "24h")} earlier payments from this IP address in 24 hours`,
    },
    email_domain_count_1h: {
      code: "EMAIL_DOMAIN_VELOCITY_1H",
      text: (i) => `${n(i, "emailDomain", "1h")} earlier payments from this e-mail domain in the last hour`,
    },
    devices_per_account: {
      code: "DEVICES_PER_ACCOUNT",
      text: (i) => `${i.velocity?.user.links ?? 0} devices used by this account`,
    },
    accounts_per_device: {
      code: "ACCOUNTS_PER_DEVICE",
      text: (i) => `${i.velocity?.device.links ?? 0} accounts used this device`,
    },
    accounts_per_card: {
      code: "ACCOUNTS_PER_PAYMENT_METHOD",
      text: (i) => `${i.velocity?.paymentMethod.links ?? 0} accounts used this payment method`,
    },
    accounts_per_ip: {
      code: "ACCOUNTS_PER_IP",
      text: (i) => `${i.velocity?.ip.links ?? 0} accounts used this IP address`,
    },
    billing_ne_shipping: {
      code: "SHIPPING_COUNTRY_MISMATCH",
      text: (i) => `ships to ${i.shippingCountry}, billed in ${i.billingCountry}`,
    },
    ip_ne_billing: {
      code: "IP_COUNTRY_MISMATCH",
      text: (i) => `IP in ${i.ipCountry ?? "?"}, billed in ${i.billingCountry}`,
    },
    email_disposable: { code: "DISPOSABLE_EMAIL", text: () => "throwaway e-mail domain" },
    item_count_log: {
      code: "ITEM_COUNT",
      text: (i) => `${i.itemCount} ${i.itemCount === 1 ? "item" : "items"}`,
    },
    velocity_available: { code: "VELOCITY_UNAVAILABLE", text: () => "payment history could not be read" },
  };

function n(input: FeatureInput, entity: keyof VelocitySnapshot, window: "1h" | "24h" | "7d"): number {
  return input.velocity?.[entity].count[window] ?? 0;
}

function formatDays(days: number): string {
  if (days < 1) return `${Math.max(0, Math.round(days * 24))} hours`;
  return `${Math.floor(days)} days`;
}
