import type { ParsedRecord } from "./types.ts";

/** One record per non-blank line; a line that is not a JSON object becomes a failed record. */
export function parseNdjson(text: string): ParsedRecord[] {
  const records: ParsedRecord[] = [];
  const lines = stripBom(text).split("\n");
  lines.forEach((raw, index) => {
    const line = index + 1;
    const content = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (content.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      records.push({ ok: false, line, reason: `invalid JSON (${(error as Error).message})` });
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      records.push({ ok: false, line, reason: "row must be a JSON object" });
      return;
    }
    records.push({ ok: true, line, fields: value as Record<string, unknown> });
  });
  return records;
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
