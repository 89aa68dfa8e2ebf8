import type { CategoryTree, LeafCategory } from "./categories.ts";
import { describeProduct } from "./descriptions.ts";
import { weightedPicker, type Rng } from "./rng.ts";
import type { Brand, Product, ProductAttribute } from "./types.ts";

export const PRODUCTS_LISTED_FROM = Date.UTC(2024, 0, 1);
export const PRODUCTS_LISTED_UNTIL = Date.UTC(2026, 9, 31, 23, 59, 59);

/** Popularity of the k-th most popular leaf is proportional to 1 / k^ZIPF_EXPONENT. */
const ZIPF_EXPONENT = 0.75;
const TIER_PRICE_FACTOR: Readonly<Record<Brand["tier"], number>> = { budget: 0.6, mid: 1, premium: 1.75 };
const REWORDINGS = 4;

export function generateProducts(
  rng: Rng,
  tree: CategoryTree,
  brands: readonly Brand[],
  count: number,
): Product[] {
  const popularity = rng.shuffle(tree.leaves);
  const pickLeaf = weightedPicker(
    rng,
    popularity,
    popularity.map((_, rank) => 1 / (rank + 1) ** ZIPF_EXPONENT),
  );

  const brandsByLeaf = new Map<string, Brand[]>();
  for (const brand of brands) {
    for (const id of brand.categoryIds) {
      const list = brandsByLeaf.get(id);
      if (list === undefined) brandsByLeaf.set(id, [brand]);
      else list.push(brand);
    }
  }

  // Ids follow listing order, as they would in a real shop.
  const listedAt = Array.from({ length: count }, () =>
    rng.int(PRODUCTS_LISTED_FROM / 1000, PRODUCTS_LISTED_UNTIL / 1000),
  ).sort((a, b) => a - b);

  const titles = new Set<string>();
  const skus = new Set<string>();
  const products: Product[] = [];
  for (let n = 1; n <= count; n++) {
    const leaf = pickLeaf();
    const { department, spec } = leaf;
    const brandsHere = brandsByLeaf.get(leaf.category.id);
    if (brandsHere === undefined) throw new Error(`no brand sells in ${leaf.category.id}`);
    const brand = rng.pick(brandsHere);
    const attributes = pickAttributes(rng, leaf);

    let adjective = rng.pick(department.adjectives);
    let noun = rng.pick(spec.nouns);
    const titleWith = (shown: number) =>
      `${brand.name} ${adjective} ${noun}, ${attributes
        .slice(0, shown)
        .map((a) => a.value)
        .join(", ")}`;
    let title = titleWith(1);
    // On a clash: reword a few times, then name more attributes (as shops do for variants), then add the id.
    for (let attempt = 1; titles.has(title); attempt++) {
      const shown = attempt - REWORDINGS + 2;
      if (attempt < REWORDINGS) {
        adjective = rng.pick(department.adjectives);
        noun = rng.pick(spec.nouns);
        title = titleWith(1);
      } else if (shown <= attributes.length) {
        title = titleWith(shown);
      } else {
        title = `${titleWith(attributes.length)} (${n})`;
      }
    }
    titles.add(title);

    let sku = `AIS-${spec.code}-${rng.int(100000, 999999)}`;
    while (skus.has(sku)) sku = `AIS-${spec.code}-${rng.int(100000, 999999)}`;
    skus.add(sku);

    const id = `p-${n}`;
    const imageCount = rng.int(1, 3);
    products.push({
      id,
      sku,
      title,
      description: describeProduct(rng, leaf, { brand: brand.name, adjective, noun, attributes }),
      categoryId: leaf.category.id,
      brandId: brand.id,
      attributes,
      imageUrls: Array.from(
        { length: imageCount },
        (_, i) => `https://img.aisle.example/products/${id}/${i + 1}.jpg`,
      ),
      listPrice: {
        amountMinor: toShelfPrice(
          rng,
          rng.lognormal(spec.price.median, spec.price.sigma) * TIER_PRICE_FACTOR[brand.tier],
        ),
        currency: "USD",
      },
      createdAt: new Date((listedAt[n - 1] as number) * 1000).toISOString(),
    });
  }
  return products;
}

/** The key attribute (the leaf's first) plus a random 2–4 of the others, in the leaf's order. */
function pickAttributes(rng: Rng, leaf: LeafCategory): ProductAttribute[] {
  const specs = leaf.spec.attributes;
  const [key] = specs;
  if (key === undefined) throw new Error(`${leaf.category.id} defines no attributes`);
  const attributes: ProductAttribute[] = [{ name: key.name, value: rng.pick(key.values) }];
  const others = specs.length - 1;
  let wanted = rng.int(Math.min(2, others), Math.min(4, others));
  // Selection sampling: keeps `wanted` of the remaining attributes, each subset equally likely.
  for (let i = 1; i < specs.length && wanted > 0; i++) {
    if (rng.next() * (specs.length - i) < wanted) {
      const spec = specs[i] as (typeof specs)[number];
      attributes.push({ name: spec.name, value: rng.pick(spec.values) });
      wanted--;
    }
  }
  return attributes;
}

/** Rounds a USD amount to a shelf price ending in .99 or .49, in cents. */
function toShelfPrice(rng: Rng, usd: number): number {
  const dollars = Math.max(1, Math.round(usd));
  const endsIn49 = rng.chance(dollars < 100 ? 0.3 : 0.1);
  return dollars * 100 - (endsIn49 ? 51 : 1);
}
