import { DEPARTMENTS, type DepartmentSpec, type LeafSpec } from "./category-specs.ts";
import { slugify } from "./slug.ts";
import type { Category } from "./types.ts";

/** A leaf category together with the vocabulary its products are generated from. */
export interface LeafCategory {
  readonly category: Category;
  readonly department: DepartmentSpec;
  readonly spec: LeafSpec;
}

export interface CategoryTree {
  /** Depth-first: each department followed by its leaves. */
  readonly categories: readonly Category[];
  readonly leaves: readonly LeafCategory[];
}

/**
 * The category tree is fixed vocabulary, not random, so it needs no stream: it is the same for
 * every seed, which keeps category ids stable across worlds.
 */
export function buildCategoryTree(departments: readonly DepartmentSpec[] = DEPARTMENTS): CategoryTree {
  const categories: Category[] = [];
  const leaves: LeafCategory[] = [];
  const seenSlugs = new Set<string>();
  const seenCodes = new Set<string>();

  const makeCategory = (name: string, parent: Category | null): Category => {
    const slug = slugify(name);
    if (seenSlugs.has(slug)) throw new Error(`category slug "${slug}" is used twice`);
    seenSlugs.add(slug);
    const id = `c-${slug}`;
    const category: Category = {
      id,
      name,
      slug,
      parentId: parent === null ? null : parent.id,
      path: parent === null ? [id] : [...parent.path, id],
    };
    categories.push(category);
    return category;
  };

  for (const department of departments) {
    const root = makeCategory(department.name, null);
    for (const spec of department.leaves) {
      if (seenCodes.has(spec.code)) throw new Error(`category code "${spec.code}" is used twice`);
      seenCodes.add(spec.code);
      leaves.push({ category: makeCategory(spec.name, root), department, spec });
    }
  }
  return { categories, leaves };
}
