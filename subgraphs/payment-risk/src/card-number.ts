/**
 * Card-number detection for inputs that must never carry one (PCI scope). Two shapes are looked for, each
 * 13–19 digits passing the Luhn check:
 *
 * - a bare run of digits, even glued to letters ("pm_4111111111111111", "card4111111111111111");
 * - digit groups joined by single spaces or dashes in a card's layout: groups of four with a shorter last
 *   group ("4111 1111 1111 1111", "4111-1111-1111-1111-123") or American Express's 4-6-5 / 4-6-4.
 *   Any contiguous part of a longer run of groups counts ("order 12 4111 1111 1111 1111").
 *
 * The layout rule keeps ids that merely contain digit groups (UUIDs are 8-4-4-4-12) from matching by chance.
 */

/** True when the digits pass the Luhn (mod 10) check. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

const MIN_DIGITS = 13;
const MAX_DIGITS = 19;
const BARE_RUN = /\d+/g;
/** Digit groups joined by one space or one dash. */
const GROUP_RUN = /\d+(?:[ -]\d+)+/g;
const ALNUM = /[0-9A-Za-z]/;

const isCard = (digits: string): boolean =>
  digits.length >= MIN_DIGITS && digits.length <= MAX_DIGITS && luhnValid(digits);

/** Groups of four with a last group of 1–4, or 4-6-5 / 4-6-4 (American Express). */
function cardLayout(groups: readonly string[]): boolean {
  const lengths = groups.map((g) => g.length);
  if (lengths.length === 3 && lengths[0] === 4 && lengths[1] === 6 && (lengths[2] === 5 || lengths[2] === 4))
    return true;
  return lengths.every((length, i) => (i < lengths.length - 1 ? length === 4 : length >= 1 && length <= 4));
}

/** True when the text contains something that looks like a payment card number. */
export function containsCardNumber(text: string): boolean {
  for (const match of text.matchAll(BARE_RUN)) if (isCard(match[0])) return true;
  for (const match of text.matchAll(GROUP_RUN)) {
    const groups = match[0].split(/[ -]/);
    // A group glued to letters ("4a3b" in a UUID) is part of another token, not of a card number.
    const start = match.index;
    if (start > 0 && ALNUM.test(text.charAt(start - 1))) groups.shift();
    const end = start + match[0].length;
    if (end < text.length && ALNUM.test(text.charAt(end))) groups.pop();
    for (let from = 0; from < groups.length; from += 1) {
      for (let to = from + 2; to <= groups.length; to += 1) {
        const part = groups.slice(from, to);
        if (cardLayout(part) && isCard(part.join(""))) return true;
      }
    }
  }
  return false;
}

/**
 * Walks every string of a plain input value (objects, arrays) and returns the path of the first one that
 * contains a card number, e.g. "shippingAddress.line1", or undefined. The value itself is never returned,
 * so callers can report the field without echoing the number.
 */
export function findCardNumber(value: unknown, path = ""): string | undefined {
  if (typeof value === "string") return containsCardNumber(value) ? path || "(input)" : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = findCardNumber(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      const found = findCardNumber(inner, path === "" ? key : `${path}.${key}`);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
