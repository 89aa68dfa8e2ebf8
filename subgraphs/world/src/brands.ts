import { inventBrandName } from "./brand-names.ts";
import type { CategoryTree, LeafCategory } from "./categories.ts";
import type { Rng } from "./rng.ts";
import { slugify } from "./slug.ts";
import type { Brand } from "./types.ts";

export const DEFAULT_BRAND_COUNT = 160;
/** Every leaf category is sold by at least this many brands. */
export const MIN_BRANDS_PER_LEAF = 3;
const MAX_CATEGORIES_PER_BRAND = 4;
const TIERS: readonly Brand["tier"][] = ["budget", "mid", "premium"];
const TIER_WEIGHTS = [3, 4.5, 2.5];
const CATEGORY_COUNTS = [1, 2, 3, 4];
const CATEGORY_COUNT_WEIGHTS = [25, 35, 25, 15];
/** Chance that a brand also sells one leaf outside its main department. */
const SECOND_DEPARTMENT_CHANCE = 0.2;

interface Draft {
  readonly name: string;
  readonly tier: Brand["tier"];
  readonly target: number;
  readonly leaves: LeafCategory[];
}

/**
 * Brands with invented names, each anchored in one department. Every leaf first gets
 * MIN_BRANDS_PER_LEAF brands (least-loaded first), then brands top up to their own size.
 */
export function generateBrands(rng: Rng, tree: CategoryTree, count = DEFAULT_BRAND_COUNT): Brand[] {
  const departments = groupByDepartment(tree.leaves);
  // Two brands per leaf leave every department enough brands for the coverage rounds below.
  const minimum = 2 * tree.leaves.length;
  if (count < minimum) throw new RangeError(`need at least ${minimum} brands to cover every leaf`);

  // Brand i is anchored where leaf floor(i * leaves / count) lives: departments get brands in proportion to their size.
  const anchors = rng.shuffle(
    Array.from({ length: count }, (_, i) => {
      const leaf = tree.leaves[Math.floor((i * tree.leaves.length) / count)] as LeafCategory;
      return departments.findIndex((leaves) => leaves[0]?.department === leaf.department);
    }),
  );

  const usedSlugs = new Set<string>();
  const drafts = anchors.map((departmentIndex): Draft & { readonly departmentIndex: number } => {
    const leaves = departments[departmentIndex] as LeafCategory[];
    const department = (leaves[0] as LeafCategory).department;
    const suffixChance = department.name === "Books" ? 0.75 : 0.2;
    let name = inventBrandName(rng, department.brandSuffixes, suffixChance);
    while (usedSlugs.has(slugify(name))) name = inventBrandName(rng, department.brandSuffixes, suffixChance);
    usedSlugs.add(slugify(name));
    return {
      name,
      tier: rng.weightedPick(TIERS, TIER_WEIGHTS),
      target: rng.weightedPick(CATEGORY_COUNTS, CATEGORY_COUNT_WEIGHTS),
      leaves: [],
      departmentIndex,
    };
  });

  departments.forEach((leaves, departmentIndex) => {
    const members = drafts.filter((d) => d.departmentIndex === departmentIndex);
    for (let round = 0; round < MIN_BRANDS_PER_LEAF; round++) {
      for (const leaf of leaves) {
        const candidates = members.filter((d) => !d.leaves.includes(leaf));
        const lightest = Math.min(...candidates.map((d) => d.leaves.length));
        rng.pick(candidates.filter((d) => d.leaves.length === lightest)).leaves.push(leaf);
      }
    }
    for (const draft of members) {
      const rest = rng.shuffle(leaves.filter((leaf) => !draft.leaves.includes(leaf)));
      while (draft.leaves.length < draft.target && rest.length > 0)
        draft.leaves.push(rest.pop() as LeafCategory);
    }
  });

  for (const draft of drafts) {
    if (draft.leaves.length >= MAX_CATEGORIES_PER_BRAND || !rng.chance(SECOND_DEPARTMENT_CHANCE)) continue;
    const others = departments.filter((_, i) => i !== draft.departmentIndex);
    draft.leaves.push(rng.pick(rng.pick(others)));
  }

  const order = new Map(tree.leaves.map((leaf, i) => [leaf, i]));
  return drafts.map((draft) => ({
    id: `b-${slugify(draft.name)}`,
    name: draft.name,
    tier: draft.tier,
    categoryIds: draft.leaves
      .slice()
      .sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0))
      .map((leaf) => leaf.category.id),
  }));
}

function groupByDepartment(leaves: readonly LeafCategory[]): LeafCategory[][] {
  const groups = new Map<string, LeafCategory[]>();
  for (const leaf of leaves) {
    const group = groups.get(leaf.department.name);
    if (group === undefined) groups.set(leaf.department.name, [leaf]);
    else group.push(leaf);
  }
  return [...groups.values()];
}
