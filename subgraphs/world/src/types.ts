/** Money in minor units (cents) so that sums and comparisons are exact. */
export interface Money {
  readonly amountMinor: number;
  readonly currency: "USD";
}

export interface GeoLocation {
  readonly city: string;
  readonly region: string;
  readonly country: string;
  readonly postalCode: string;
  readonly lat: number;
  readonly lon: number;
}

/** A node of the category tree. Roots have `parentId: null`; `path` lists ids from the root down to this node. */
export interface Category {
  readonly id: string;
  readonly name: string;
  readonly slug: string;
  readonly parentId: string | null;
  readonly path: readonly string[];
}

export interface Brand {
  readonly id: string;
  readonly name: string;
  readonly tier: "budget" | "mid" | "premium";
  /** Leaf categories the brand sells in. */
  readonly categoryIds: readonly string[];
}

export interface ProductAttribute {
  readonly name: string;
  readonly value: string;
}

export interface Product {
  readonly id: string;
  readonly sku: string;
  readonly title: string;
  readonly description: string;
  /** Always a leaf category. */
  readonly categoryId: string;
  readonly brandId: string;
  readonly attributes: readonly ProductAttribute[];
  readonly imageUrls: readonly string[];
  readonly listPrice: Money;
  /** ISO-8601 timestamp of when the product was listed. */
  readonly createdAt: string;
}

export interface User {
  readonly id: string;
  readonly displayName: string;
  readonly email: string;
  readonly location: GeoLocation;
  /** ISO-8601 timestamp. */
  readonly signupAt: string;
}

/**
 * The embedded demo world every subgraph serves. Each part comes from its own named
 * random stream derived from the seed, so adding a part later never changes the others.
 */
export interface World {
  readonly seed: number;
  readonly categories: readonly Category[];
  readonly brands: readonly Brand[];
  readonly products: readonly Product[];
  readonly users: readonly User[];
}

export interface WorldOptions {
  readonly seed: number;
  readonly productCount: number;
  readonly userCount: number;
}
