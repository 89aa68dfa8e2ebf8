import type { LeafCategory } from "./categories.ts";
import type { Rng } from "./rng.ts";
import type { ProductAttribute } from "./types.ts";

export interface DescriptionParts {
  readonly brand: string;
  readonly adjective: string;
  readonly noun: string;
  readonly attributes: readonly ProductAttribute[];
}

const CLOSING_CHANCE = 0.6;
const FALLBACK_DETAIL = "Key details: {attrs}.";

/** Two or three sentences: an intro, one about the attributes, and sometimes a closing line. */
export function describeProduct(rng: Rng, leaf: LeafCategory, parts: DescriptionParts): string {
  const use = rng.pick(leaf.spec.uses);
  const lookup = (name: string): string | undefined => {
    switch (name) {
      case "brand":
        return parts.brand;
      case "adj":
        return parts.adjective;
      case "noun":
        return parts.noun;
      case "use":
        return use;
      case "attrs":
        return parts.attributes.map((a) => `${lowercaseWords(a.name)} ${a.value}`).join(", ");
      default:
        return parts.attributes.find((a) => a.name === name)?.value;
    }
  };
  const fill = (template: string): string | undefined => fillTemplate(template, lookup);

  const intro = fill(rng.pick(leaf.department.intros)) ?? parts.noun;
  const details: string[] = [];
  for (const template of leaf.spec.details ?? []) {
    const sentence = fill(template);
    if (sentence !== undefined) details.push(sentence);
  }
  const detail = details.length > 0 ? rng.pick(details) : (fill(FALLBACK_DETAIL) as string);
  const sentences = [intro, detail];
  if (rng.chance(CLOSING_CHANCE)) sentences.push(rng.pick(leaf.spec.closings ?? leaf.department.closings));
  return sentences.map(capitalize).join(" ");
}

/** A template split at its placeholders: even indexes are literal text, odd ones placeholder names. */
const compiled = new Map<string, readonly string[]>();

/** Replaces every {name} with `lookup(name)`; undefined when any name has no value. */
export function fillTemplate(
  template: string,
  lookup: (name: string) => string | undefined,
): string | undefined {
  let pieces = compiled.get(template);
  if (pieces === undefined) {
    pieces = template.split(/\{([^}]+)\}/);
    compiled.set(template, pieces);
  }
  let out = pieces[0] as string;
  for (let i = 1; i < pieces.length; i += 2) {
    const value = lookup(pieces[i] as string);
    if (value === undefined) return undefined;
    out += value + (pieces[i + 1] as string);
  }
  return out;
}

/** "Battery Life" → "battery life", but acronyms stay: "UV Protection" → "UV protection". */
function lowercaseWords(name: string): string {
  return name
    .split(" ")
    .map((word) => (word.length > 1 && word === word.toUpperCase() ? word : word.toLowerCase()))
    .join(" ");
}

function capitalize(sentence: string): string {
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}
