import { analyze, autoFuzziness, boundedLevenshtein, normalizeText, stem } from "./text.ts";

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

/**
 * Tests a title stem against the query's stems: equal, or with `fuzzy`, within OpenSearch's AUTO edit distance
 * of one. Memoised: the titles of one result share most of their words.
 */
export function stemMatcher(queryStems: readonly string[], fuzzy: boolean): (titleStem: string) => boolean {
  const seen = new Map<string, boolean>();
  return (t) => {
    let hit = seen.get(t);
    if (hit === undefined) {
      hit = queryStems.some(
        (q) => q === t || (fuzzy && boundedLevenshtein(q, t, autoFuzziness(q)) <= autoFuzziness(q)),
      );
      seen.set(t, hit);
    }
    return hit;
  };
}

/**
 * The title's stems that the query's stems match (see {@link stemMatcher}). OpenSearch hits are highlighted
 * with this in the application: its own highlighter re-ran the fuzzy query per hit, which tripled the query's
 * cost in the engine.
 */
export function matchedTitleStems(
  title: string,
  queryStems: readonly string[],
  fuzzy: boolean,
  matches: (titleStem: string) => boolean = stemMatcher(queryStems, fuzzy),
): Set<string> {
  return new Set(analyze(title).filter(matches));
}
