import {
  badUserInput,
  codedError,
  ErrorCode,
  type Logger,
  type ProductChange,
  type ProductEventBus,
  type ProductSnapshot,
  type RequestContext,
} from "@aisle/kit";
import type { Brand, Product } from "@aisle/world";
import type { CatalogRepository, StoredProduct } from "./catalog.repository.ts";
import type { CatalogStore } from "./catalog.store.ts";
import { createValidationContext, validateRow } from "./import/index.ts";
import type { ProductInput } from "./product-lifecycle.type.ts";

/**
 * Creates, changes and archives products: validated as the importer validates a row, written to the database
 * with optimistic concurrency (`version`), applied to the read cache, then published as a product-change
 * event for search, recommendation, pricing and logistics.
 */
export class ProductLifecycleService {
  constructor(
    private readonly store: CatalogStore,
    private readonly repository: CatalogRepository,
    private readonly bus: ProductEventBus,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(ctx: RequestContext, input: ProductInput): Promise<Product> {
    const { product, brands } = this.#validate(input, undefined);
    const stored = await this.repository.create({ product, brands });
    return this.#applied(ctx, "created", stored, brands);
  }

  async update(ctx: RequestContext, version: number, input: ProductInput): Promise<Product> {
    const current = this.store.product(input.id) ?? (await this.repository.find(input.id));
    if (current === null || ("archived" in current && current.archived)) throw notFoundProduct(input.id);
    const { product, brands } = this.#validate(input, current.createdAt);
    const stored = await this.repository.update({ product, brands }, version);
    return this.#applied(ctx, "updated", stored, brands);
  }

  async archive(ctx: RequestContext, id: string, version: number): Promise<Product> {
    const stored = await this.repository.archive(id, version);
    this.store.remove(id, stored.version);
    await this.#publish(ctx.log, "archived", stored);
    return stored;
  }

  /**
   * Publishes again every product written since the seed (at start): consumers rebuild from the demo world, so
   * a restarted search or pricing learns of earlier writes, and a lost stream is refilled. Versions make the
   * repeats harmless. Returns how many.
   */
  async republishChanged(log: Logger): Promise<number> {
    const changed = await this.repository.changedSinceSeed();
    for (const product of changed) {
      const kind = product.archived ? "archived" : product.version === 1 ? "created" : "updated";
      await this.#publish(log, kind, product);
    }
    return changed.length;
  }

  /** Applies another replica's change to this one's read cache (own changes are already there: no-op). */
  async applyRemote(change: ProductChange): Promise<void> {
    if (change.kind === "archived") {
      this.store.remove(change.productId, change.version);
      return;
    }
    const p = change.product;
    const known = this.store.brand(p.brand.id);
    const brand: Brand | undefined =
      known === null
        ? { id: p.brand.id, name: p.brand.name, tier: p.brand.tier, categoryIds: [p.categoryId] }
        : undefined;
    this.store.put(
      {
        id: p.id,
        sku: p.sku,
        title: p.title,
        description: p.description,
        categoryId: p.categoryId,
        brandId: p.brand.id,
        attributes: p.attributes,
        imageUrls: p.imageUrls,
        listPrice: { amountMinor: p.listPriceMinor, currency: "USD" },
        createdAt: p.createdAt,
      },
      change.version,
      brand,
    );
  }

  #validate(input: ProductInput, createdAt: string | undefined): { product: Product; brands: Brand[] } {
    const attributes: Record<string, string> = {};
    for (const { name, value } of input.attributes ?? []) {
      if (Object.hasOwn(attributes, name)) {
        throw badUserInput(`attributes: name ${JSON.stringify(name)} is given twice`, "attributes");
      }
      attributes[name] = value;
    }
    const raw: Record<string, unknown> = {
      id: input.id,
      sku: input.sku,
      title: input.title,
      categoryId: input.categoryId,
      brand: input.brand,
      listPrice: input.listPrice,
      currency: input.currency,
      description: input.description ?? null,
      imageUrls: input.imageUrls ?? null,
      attributes,
      createdAt: createdAt ?? null,
    };
    const context = createValidationContext(
      { categories: this.store.categories, brands: this.store.brands, products: [] },
      "ndjson",
      { now: this.now() },
    );
    const verdict = validateRow(raw, 1, context);
    if (!verdict.ok) {
      throw codedError(ErrorCode.BAD_USER_INPUT, `Invalid product: ${verdict.reasons.join("; ")}`, {
        field: "product",
        reasons: verdict.reasons,
      });
    }
    const { product, newBrand } = verdict;
    if (newBrand !== undefined) return { product, brands: [newBrand] };
    const brand = this.store.brand(product.brandId);
    if (brand !== null && !brand.categoryIds.includes(product.categoryId)) {
      return { product, brands: [{ ...brand, categoryIds: [...brand.categoryIds, product.categoryId] }] };
    }
    return { product, brands: [] };
  }

  async #applied(
    ctx: RequestContext,
    kind: "created" | "updated",
    stored: StoredProduct,
    brands: readonly Brand[],
  ): Promise<Product> {
    this.store.put(stored, stored.version, brands[0]);
    await this.#publish(ctx.log, kind, stored);
    return stored;
  }

  async #publish(log: Logger, kind: ProductChange["kind"], stored: StoredProduct): Promise<void> {
    const change: ProductChange = {
      kind,
      productId: stored.id,
      version: stored.version,
      product: this.#snapshot(stored),
      at: this.now().toISOString(),
    };
    try {
      await this.bus.publish(change);
      log.info({ productId: stored.id, version: stored.version, kind }, "product change published");
    } catch (error) {
      // The write is committed; consumers catch up from the next change or a rebuild. Say so loudly.
      log.error(
        { err: error, productId: stored.id, version: stored.version, kind },
        "product change not published",
      );
    }
  }

  #snapshot(p: StoredProduct): ProductSnapshot {
    const brand = this.store.brand(p.brandId);
    return {
      id: p.id,
      sku: p.sku,
      title: p.title,
      description: p.description,
      categoryId: p.categoryId,
      categoryPath: this.store.category(p.categoryId)?.path ?? [p.categoryId],
      brand: { id: p.brandId, name: brand?.name ?? p.brandId, tier: brand?.tier ?? "mid" },
      attributes: p.attributes,
      imageUrls: p.imageUrls,
      listPriceMinor: p.listPrice.amountMinor,
      createdAt: p.createdAt,
    };
  }
}

function notFoundProduct(id: string) {
  return codedError(ErrorCode.NOT_FOUND, `Product ${JSON.stringify(id)} was not found`, {
    typeName: "Product",
    id,
  });
}
