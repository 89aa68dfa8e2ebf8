import { badUserInput } from "@aisle/kit";

/**
 * Fixed conversion rates from US dollars, for display in other currencies. They are DEMO rates as of
 * 2026-11-01, not live ones: prices are decided in USD and converted last. A currency not listed here is
 * refused with BAD_USER_INPUT. All listed currencies have two decimal places (amounts are in cents).
 */
export const USD_RATES: Readonly<Record<string, number>> = Object.freeze({
  USD: 1,
  EUR: 0.92,
  GBP: 0.79,
  CAD: 1.37,
  AUD: 1.52,
});

export const SUPPORTED_CURRENCIES: readonly string[] = Object.keys(USD_RATES);

/** The rate for a currency code, or BAD_USER_INPUT naming the supported ones. */
export function rateFor(currency: string): number {
  const rate = Object.hasOwn(USD_RATES, currency) ? USD_RATES[currency] : undefined;
  if (rate === undefined) {
    throw badUserInput(
      `Currency ${JSON.stringify(currency)} is not supported; use one of ${SUPPORTED_CURRENCIES.join(", ")}`,
      "context.currency",
    );
  }
  return rate;
}

/** Converts US cents to minor units of `currency` (rounded to the cent). */
export function convertMinor(usdMinor: number, rate: number): number {
  return Math.round(usdMinor * rate);
}
