import { normalizeText, stem } from "./text.ts";

/**
 * Wraps the title words whose stem is among `matchedStems` in <em>…</em> (HTML-escaped otherwise), the way
 * OpenSearch's highlighter marks matches. Null when no word matched.
 */
export function highlightTitle(title: string, matchedStems: ReadonlySet<string>): string | null {
  let any = false;
  const out = title.replace(/[\p{L}\p{N}]+|[^\p{L}\p{N}]+/gu, (part) => {
    const word = normalizeText(part);
    if (word !== "" && !word.includes(" ") && matchedStems.has(stem(word))) {
      any = true;
      return `<em>${escapeHtml(part)}</em>`;
    }
    return escapeHtml(part);
  });
  return any ? out : null;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
