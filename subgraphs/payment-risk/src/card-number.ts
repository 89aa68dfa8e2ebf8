/**
 * Card-number detection for inputs that must never carry one (PCI scope). A card number is 13–19 digits
 * passing the Luhn check. Where it is looked for depends on what the field holds:
 *
 * - **Free text** (address lines, city, postal code, any field not known to be an identifier): a standalone
 *   run of digits ("4111111111111111", "card: 4111111111111111", "4111111111111111/123"), or digit groups
 *   joined by spaces or dashes in a card's layout: groups of four with a shorter last group ("4111 1111 1111
 *   1111", "4111-1111-1111-1111-123") or American Express's / Diners' 4-6-5 / 4-6-4. Any contiguous part of a
 *   longer run of groups counts ("order 12 4111 1111 1111 1111"). Digits inside a word that holds a letter
 *   ("o-reco-1796168294538-0", "INV1796168294538", "pm_4111…") are part of an identifier, not a card number:
 *   words are joined by `-` and `_`.
 * - **Identifiers** (`id`, `…Id`, `…Ids`, the payment-method fingerprint, device, IP, e-mail domain, codes):
 *   only when the whole value is a card number, bare or grouped as above ("4111111111111111",
 *   "4012-8888-8888-1881"). An identifier that merely contains a long digit run, such as an order id built
 *   from a millisecond timestamp (13 digits, one in ten of which passes Luhn), is an identifier.
 *
 * The layout rule keeps ids that merely contain digit groups (UUIDs are 8-4-4-4-12) from matching by chance.
 * A value made only of 13–19 digits that passes Luhn is refused in every field: it cannot be told from a card
 * number, so identifiers should carry a prefix.
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

/** What a string field holds, which decides where a card number is looked for (see the module comment). */
export type FieldKind = "free-text" | "identifier";

const MIN_DIGITS = 13;
const MAX_DIGITS = 19;
const BARE_RUN = /\d+/g;
/** Between two digit groups: spaces (one or two, also no-break), or a dash with at most one space each side. */
const SEPARATOR = "(?:[ \\u00a0]?-[ \\u00a0]?|[ \\u00a0]{1,2})";
const GROUP_RUN = new RegExp(`\\d+(?:${SEPARATOR}\\d+)+`, "g");
const SPLIT_GROUPS = new RegExp(SEPARATOR);
const WHOLE_GROUPS = new RegExp(`^\\d+(?:${SEPARATOR}\\d+)+$`);
/** A word of free text: letters, digits, `_` and `-` (the joiners of identifiers such as "o-reco-17…-0"). */
const WORD = /[\p{L}\p{N}_-]+/gu;
const LETTER = /\p{L}/u;
const WORD_CHAR = /[\p{L}\p{N}_]/u;

const isCard = (digits: string): boolean =>
  digits.length >= MIN_DIGITS && digits.length <= MAX_DIGITS && luhnValid(digits);

/** Groups of four with a last group of 1–4, or 4-6-5 / 4-6-4 (American Express, Diners Club). */
function cardLayout(groups: readonly string[]): boolean {
  const lengths = groups.map((g) => g.length);
  if (lengths.length === 3 && lengths[0] === 4 && lengths[1] === 6 && (lengths[2] === 5 || lengths[2] === 4))
    return true;
  return lengths.every((length, i) => (i < lengths.length - 1 ? length === 4 : length >= 1 && length <= 4));
}

/**
 * Blanks out every word that holds a letter (with NUL, which is neither a digit, a separator nor a word
 * character), keeping offsets: what is left are words of digits, `_` and `-`.
 */
function withoutIdentifierWords(text: string): string {
  return text.replace(WORD, (word) => (LETTER.test(word) ? "\u0000".repeat(word.length) : word));
}

function freeTextHasCard(text: string): boolean {
  const masked = withoutIdentifierWords(text);
  for (const match of masked.matchAll(BARE_RUN)) if (isCard(match[0])) return true;
  for (const match of masked.matchAll(GROUP_RUN)) {
    const groups = match[0].split(SPLIT_GROUPS);
    // A group glued to another word character ("1_4111 …") belongs to another token, not to a card number.
    const start = match.index;
    if (start > 0 && WORD_CHAR.test(masked.charAt(start - 1))) groups.shift();
    const end = start + match[0].length;
    if (end < masked.length && WORD_CHAR.test(masked.charAt(end))) groups.pop();
    for (let from = 0; from < groups.length; from += 1) {
      for (let to = from + 2; to <= groups.length; to += 1) {
        const part = groups.slice(from, to);
        if (cardLayout(part) && isCard(part.join(""))) return true;
      }
    }
  }
  return false;
}

function identifierIsCard(text: string): boolean {
  const value = text.trim();
  if (/^\d+$/.test(value)) return isCard(value);
  if (!WHOLE_GROUPS.test(value)) return false;
  const groups = value.split(SPLIT_GROUPS);
  return cardLayout(groups) && isCard(groups.join(""));
}

/** True when the text contains something that looks like a payment card number (see the module comment). */
export function containsCardNumber(text: string, kind: FieldKind = "free-text"): boolean {
  return kind === "identifier" ? identifierIsCard(text) : freeTextHasCard(text);
}

/** Keys that hold identifiers or codes besides `id`, `…Id` and `…Ids`. */
const IDENTIFIER_KEYS: ReadonlySet<string> = new Set([
  "paymentMethodFingerprint",
  "fingerprint",
  "ip",
  "emailDomain",
  "currency",
  "country",
  "ipCountry",
]);

/** What the field named `key` holds: identifiers by name (`id`, `orderId`, `productIds`, …), else free text. */
export function fieldKindOf(key: string): FieldKind {
  return key === "id" || /[a-z0-9](?:Ids?|ID)$/.test(key) || IDENTIFIER_KEYS.has(key)
    ? "identifier"
    : "free-text";
}

/**
 * Walks every string of a plain input value (objects, arrays) and returns the path of the first one that
 * contains a card number, e.g. "shippingAddress.line1", or undefined. Each string is judged by the kind of
 * its nearest key (`fieldKindOf`); a string with no key is free text. The value itself is never returned,
 * so callers can report the field without echoing the number.
 */
export function findCardNumber(value: unknown, path = "", kind: FieldKind = "free-text"): string | undefined {
  if (typeof value === "string") return containsCardNumber(value, kind) ? path || "(input)" : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = findCardNumber(value[i], `${path}[${i}]`, kind);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      const found = findCardNumber(inner, path === "" ? key : `${path}.${key}`, fieldKindOf(key));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
