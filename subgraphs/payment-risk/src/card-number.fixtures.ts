/* Inputs shared by the card-number unit test and the GraphQL test of the guard. */

/** The networks' published test numbers (Visa, Mastercard, Amex, Discover, Diners Club, JCB, UnionPay). */
export const TEST_CARD_NUMBERS: readonly string[] = [
  "4111111111111111",
  "4242424242424242",
  "4012888888881881",
  "4000056655665556",
  "4222222222222",
  "5555555555554444",
  "5105105105105100",
  "5200828282828210",
  "2223003122003222",
  "378282246310005",
  "371449635398431",
  "6011111111111117",
  "6011000990139424",
  "30569309025904",
  "38520000023237",
  "3530111333300000",
  "3566002020360505",
  "6200000000000005",
];

/** A card number as a person writes it: in groups of four, or 4-6-5 / 4-6-4 for 15 and 14 digits. */
export function grouped(digits: string, separator: string): string {
  const lengths = digits.length === 15 ? [4, 6, 5] : digits.length === 14 ? [4, 6, 4] : null;
  const groups: string[] = [];
  let at = 0;
  for (const length of lengths ?? Array.from({ length: Math.ceil(digits.length / 4) }, () => 4)) {
    groups.push(digits.slice(at, at + length));
    at += length;
  }
  return groups.join(separator);
}

/** Order ids built from a millisecond timestamp, in the shapes shops use; one in ten timestamps passes Luhn. */
export function timestampOrderIds(count: number): string[] {
  const shapes = [
    (ts: number, i: number) => `o-reco-${ts}-${i % 7}`,
    (ts: number) => `ord_${ts}`,
    (ts: number) => `INV${ts}`,
    (ts: number, i: number) => `order-${ts}-${String(i).padStart(4, "0")}`,
    (ts: number) => `order:${ts}`,
    (ts: number) => `orders/${ts}`,
    (ts: number, i: number) => `${ts}-${i % 10}`,
    (ts: number) => `web.${ts}.eu`,
  ];
  // Deterministic: ~12 days of timestamps from late 2026, so each shape meets Luhn-valid ones.
  const ids: string[] = [];
  while (ids.length < count) {
    for (const shape of shapes) ids.push(shape(1_796_168_294_538 + ids.length * 104_729, ids.length));
  }
  return ids.slice(0, count);
}
