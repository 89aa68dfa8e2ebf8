/**
 * Parsers for the row fields that need more than a type check. Each returns the parsed value, or
 * pushes human-readable reasons naming the field and returns undefined.
 */

const MAX_PRICE_MINOR = 1_000_000 * 100;
const MAX_IMAGE_URLS = 20;
const MAX_ATTRIBUTES = 50;
const MAX_ATTRIBUTE_NAME = 100;
const MAX_ATTRIBUTE_VALUE = 500;

/** A short, quoted rendering of a bad value for a reason message. */
export function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return String(value);
}

/** Length in characters as people count them (code points), not UTF-16 units. */
export function charLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** "19.99", "20", 19.99 → cents. Exact: the decimal text is parsed, never multiplied as a float. */
export function parseListPrice(value: unknown, reasons: string[]): number | undefined {
  let text: string;
  if (typeof value === "number" && Number.isFinite(value)) text = String(value);
  else if (typeof value === "string") text = value.trim();
  else {
    reasons.push(`listPrice must be a number or a decimal string, got ${shown(value)}`);
    return undefined;
  }
  const match = /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (match === null) {
    reasons.push(`listPrice must be a decimal amount like 19.99, got ${shown(value)}`);
    return undefined;
  }
  const [, sign, whole = "", fraction = ""] = match;
  const before = reasons.length;
  if (sign === "-" || /^0*$/.test(whole + fraction))
    reasons.push(`listPrice must be greater than 0, got ${text}`);
  if (fraction.length > 2) reasons.push(`listPrice must have at most 2 decimal places, got ${text}`);
  const significant = whole.replace(/^0+/, "");
  const cents =
    significant.length > 9
      ? Number.POSITIVE_INFINITY
      : Number(significant || "0") * 100 + Number(fraction.padEnd(2, "0").slice(0, 2));
  if (cents > MAX_PRICE_MINOR) reasons.push(`listPrice must be at most 1000000, got ${text}`);
  return reasons.length === before ? cents : undefined;
}

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/;

/** An ISO-8601 date ("2025-03-14", UTC midnight) or date-time with a zone ("2025-03-14T09:30:00Z"), as an ISO string. */
export function parseCreatedAt(value: unknown, now: Date, reasons: string[]): string | undefined {
  const text = typeof value === "string" ? value.trim() : undefined;
  const match = text === undefined ? null : ISO_DATE.exec(text);
  const invalid = () => {
    reasons.push(
      `createdAt must be an ISO-8601 date like 2025-03-14 or date-time with a zone like 2025-03-14T09:30:00Z, got ${shown(value)}`,
    );
    return undefined;
  };
  if (text === undefined || match === null) return invalid();
  const [year, month, day, hour = 0, minute = 0, second = 0, offsetHour = 0, offsetMinute = 0] = match
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part)));
  const calendarDay = new Date(Date.UTC(year as number, (month as number) - 1, day as number));
  const realDay =
    calendarDay.getUTCFullYear() === year &&
    calendarDay.getUTCMonth() + 1 === month &&
    calendarDay.getUTCDate() === day;
  if (!realDay || hour > 23 || minute > 59 || second > 59 || offsetHour > 23 || offsetMinute > 59)
    return invalid();
  const at = Date.parse(text);
  if (Number.isNaN(at)) return invalid();
  if (at > now.getTime()) {
    reasons.push(`createdAt ${text} is in the future`);
    return undefined;
  }
  return new Date(at).toISOString();
}

/** NDJSON: an array of URLs. CSV: URLs separated by "|". Every URL must be absolute https. */
export function parseImageUrls(value: unknown, fromCsv: boolean, reasons: string[]): string[] | undefined {
  let urls: unknown[];
  if (fromCsv && typeof value === "string") urls = value.split("|").map((url) => url.trim());
  else if (!fromCsv && Array.isArray(value)) urls = value;
  else {
    reasons.push(
      fromCsv
        ? "imageUrls must be URLs separated by |"
        : `imageUrls must be an array of URLs, got ${shown(value)}`,
    );
    return undefined;
  }
  const before = reasons.length;
  if (urls.length > MAX_IMAGE_URLS)
    reasons.push(`imageUrls may hold at most ${MAX_IMAGE_URLS} URLs, got ${urls.length}`);
  urls.forEach((url, index) => {
    if (!isHttpsUrl(url)) reasons.push(`imageUrls[${index + 1}] must be an https URL, got ${shown(url)}`);
  });
  return reasons.length === before ? (urls as string[]) : undefined;
}

function isHttpsUrl(value: unknown): boolean {
  if (typeof value !== "string") return false;
  try {
    return new URL(value).protocol === "https:";
  } catch {
    return false;
  }
}

/** NDJSON: an object of name → value strings. CSV: "name=value;name=value". */
export function parseAttributes(
  value: unknown,
  fromCsv: boolean,
  reasons: string[],
): { name: string; value: string }[] | undefined {
  let pairs: [string, unknown][];
  const before = reasons.length;
  if (fromCsv && typeof value === "string") {
    pairs = [];
    for (const part of value.split(";")) {
      if (part.trim() === "") continue;
      const equals = part.indexOf("=");
      if (equals === -1) reasons.push(`attributes entry ${shown(part.trim())} must look like name=value`);
      else pairs.push([part.slice(0, equals), part.slice(equals + 1)]);
    }
  } else if (!fromCsv && typeof value === "object" && value !== null && !Array.isArray(value)) {
    pairs = Object.entries(value);
  } else {
    reasons.push(
      fromCsv
        ? "attributes must look like name=value;name=value"
        : `attributes must be an object of name → value strings, got ${shown(value)}`,
    );
    return undefined;
  }

  if (pairs.length > MAX_ATTRIBUTES)
    reasons.push(`attributes may hold at most ${MAX_ATTRIBUTES} entries, got ${pairs.length}`);
  const seen = new Set<string>();
  const attributes: { name: string; value: string }[] = [];
  for (const [rawName, rawValue] of pairs) {
    const name = rawName.trim();
    if (name === "" || charLength(name) > MAX_ATTRIBUTE_NAME) {
      reasons.push(`attributes names must be 1–${MAX_ATTRIBUTE_NAME} characters, got ${shown(name)}`);
      continue;
    }
    if (seen.has(name)) reasons.push(`attributes name ${shown(name)} is given more than once`);
    seen.add(name);
    if (typeof rawValue !== "string") {
      reasons.push(`attributes.${name} must be a string, got ${shown(rawValue)}`);
      continue;
    }
    const text = rawValue.trim();
    if (text === "" || charLength(text) > MAX_ATTRIBUTE_VALUE) {
      reasons.push(`attributes.${name} must be 1–${MAX_ATTRIBUTE_VALUE} characters`);
      continue;
    }
    attributes.push({ name, value: text });
  }
  return reasons.length === before ? attributes : undefined;
}
