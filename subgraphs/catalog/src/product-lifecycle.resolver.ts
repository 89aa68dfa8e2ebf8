import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from "type-graphql";
import { Rule, Scope, type RequestContext } from "@aisle/kit";
import type { Product } from "@aisle/world";
import type { StoredProduct } from "./catalog.repository.ts";
import type { CatalogStore } from "./catalog.store.ts";
import type { ProductLifecycleService } from "./product-lifecycle.service.ts";
import { ProductInput } from "./product-lifecycle.type.ts";
import { ProductType } from "./product.type.ts";

const CATALOG_WRITERS = [Rule.scope(Scope.catalogManager), Rule.scope(Scope.ops)];

@Resolver(() => ProductType)
export class ProductLifecycleResolver {
  constructor(
    private readonly service: ProductLifecycleService,
    private readonly store: CatalogStore,
  ) {}

  @FieldResolver(() => Int, {
    description:
      "How many writes the product has had (1 when listed); updateProduct and archiveProduct name it.",
  })
  version(@Root() product: Product | StoredProduct): number {
    // Products read from the database carry their version; an archived one is no longer in the store.
    return "version" in product ? product.version : (this.store.version(product.id) ?? 1);
  }

  @Authorized(CATALOG_WRITERS)
  @Mutation(() => ProductType, {
    description:
      "Lists a new product (scope catalog-manager or service:ops). Validated as an import row; an invalid one " +
      "gives BAD_USER_INPUT with every reason in extensions.reasons, a taken id CONFLICT. Search, recommendation, " +
      "pricing and logistics pick it up from the product-change event.",
  })
  createProduct(
    @Arg("product", () => ProductInput, { description: "The product." }) product: ProductInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Product> {
    return this.service.create(ctx, product);
  }

  @Authorized(CATALOG_WRITERS)
  @Mutation(() => ProductType, {
    description:
      "Replaces a product's fields (scope catalog-manager or service:ops) if it is still at `version`; " +
      "otherwise CONFLICT with extensions.currentVersion. An unknown or archived product gives NOT_FOUND.",
  })
  updateProduct(
    @Arg("version", () => Int, { description: "The version the change is based on." }) version: number,
    @Arg("product", () => ProductInput, { description: "The product's new state; `id` names it." })
    product: ProductInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Product> {
    return this.service.update(ctx, version, product);
  }

  @Authorized(CATALOG_WRITERS)
  @Mutation(() => ProductType, {
    description:
      "Archives a product (scope catalog-manager or service:ops) if it is still at `version`: it disappears " +
      "from the catalog, search, recommendations, pricing and availability. Errors as for updateProduct.",
  })
  archiveProduct(
    @Arg("id", () => ID, { description: "The product." }) id: string,
    @Arg("version", () => Int, { description: "The version the archive is based on." }) version: number,
    @Ctx() ctx: RequestContext,
  ): Promise<Product> {
    return this.service.archive(ctx, id, version);
  }
}
