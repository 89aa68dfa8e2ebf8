import { slugify, type Brand } from "@aisle/world";
import { charLength, shown } from "./field-parsers.ts";

const MAX_BRAND_NAME = 100;
/** Looks like a brand id rather than a name: lowercase, hyphenated, starting "b-". */
const BRAND_ID = /^b-[a-z0-9]+(?:-[a-z0-9]+)*$/;

export interface BrandReference {
  readonly brand: Brand;
  /** True when the brand does not exist yet and the import creates it. */
  readonly isNew: boolean;
}

/**
 * The `brand` field names an existing brand by id ("b-nordvik") or by name ("Nordvik"), or a new brand
 * by name, which becomes `b-<slug>` with tier "mid", selling in the row's category. An unknown value
 * that looks like an id is an error rather than a new brand called "b-…".
 */
export function resolveBrand(
  value: string,
  categoryId: string,
  brands: ReadonlyMap<string, Brand>,
  reasons: string[],
): BrandReference | undefined {
  const name = value.trim().replace(/\s+/g, " ");
  const byId = brands.get(name);
  if (byId !== undefined) return { brand: byId, isNew: false };
  if (BRAND_ID.test(name)) {
    reasons.push(`brand ${shown(name)} is not a known brand id (give a name instead to create a new brand)`);
    return undefined;
  }
  const slug = slugify(name);
  if (slug === "" || charLength(name) > MAX_BRAND_NAME) {
    reasons.push(
      `brand must be a brand id or a name of 1–${MAX_BRAND_NAME} characters with a letter or digit`,
    );
    return undefined;
  }
  const id = `b-${slug}`;
  const bySlug = brands.get(id);
  if (bySlug !== undefined) return { brand: bySlug, isNew: false };
  return { brand: { id, name, tier: "mid", categoryIds: [categoryId] }, isNew: true };
}
