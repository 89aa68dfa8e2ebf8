import { readFileSync } from "node:fs";
import { normalizeText } from "./text.ts";

/**
 * Synonyms in the Solr/OpenSearch file format, so one file configures both engines:
 * `a, b, c` makes the terms equivalent; `a => b, c` rewrites a to b or c only; `#` starts a comment.
 */
export interface SynonymRule {
  readonly from: readonly string[];
  readonly to: readonly string[];
}

export class Synonyms {
  constructor(
    readonly rules: readonly SynonymRule[],
    /** The file's meaningful lines, as OpenSearch's synonym_graph filter takes them. */
    readonly lines: readonly string[],
  ) {}

  static parse(text: string): Synonyms {
    const rules: SynonymRule[] = [];
    const lines: string[] = [];
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.replace(/#.*/, "").trim();
      if (line === "") return;
      const terms = (part: string) =>
        part
          .split(",")
          .map((t) => normalizeText(t))
          .filter((t) => t !== "");
      const [left, right, extra] = line.split("=>");
      if (extra !== undefined) throw new Error(`synonyms line ${i + 1}: more than one "=>"`);
      const from = terms(left ?? "");
      const to = right === undefined ? from : terms(right);
      if (from.length === 0 || to.length === 0 || (right === undefined && from.length < 2)) {
        throw new Error(`synonyms line ${i + 1}: needs two or more terms ("a, b" or "a => b")`);
      }
      rules.push({ from, to });
      lines.push(right === undefined ? from.join(", ") : `${from.join(", ")} => ${to.join(", ")}`);
    });
    return new Synonyms(rules, lines);
  }

  static load(path: string): Synonyms {
    return Synonyms.parse(readFileSync(path, "utf8"));
  }

  /**
   * Alternative phrasings of a normalized query: each rule term found as whole words is replaced by each of
   * its synonyms. Returns the alternatives and the synonym terms they brought in.
   */
  expand(normalizedQuery: string): { expansions: string[]; added: string[] } {
    const expansions = new Set<string>();
    const added = new Set<string>();
    const padded = ` ${normalizedQuery} `;
    for (const rule of this.rules) {
      for (const term of rule.from) {
        if (!padded.includes(` ${term} `)) continue;
        for (const other of rule.to) {
          if (other === term || padded.includes(` ${other} `)) continue;
          expansions.add(padded.replace(` ${term} `, ` ${other} `).trim());
          added.add(other);
        }
      }
    }
    return { expansions: [...expansions].slice(0, 8), added: [...added] };
  }
}
