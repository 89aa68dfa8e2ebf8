import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken } from "@aisle/gateway";
import { demoWorld } from "@aisle/world";
import { startLocalSupergraph, type LocalSupergraph } from "../scripts/local-supergraph.ts";
import {
  ArchiveProductDocument,
  CreateProductDocument,
  UpdateProductDocument,
} from "../operations/__generated__/graphql.ts";
import { codes, postGraphQL } from "./graphql-client.ts";
import { testLog } from "./quiet-log.ts";

/*
 * A product's life through the gateway: createProduct as a catalog manager, then the product is in the
 * catalog, found by search, priced, available and recommendable; updateProduct with a stale version is a
 * CONFLICT; archiveProduct makes it disappear from every surface. Changes travel as product-change events
 * (in process here), so each check polls for a bounded time rather than assuming a delay.
 */

const world = demoWorld();
const template = world.products[0]!;
const brand = world.brands.find((b) => b.id === template.brandId)!;
const NEW_ID = "lifecycle-kettle-1";
const TITLE = "Quenzaloo Gooseneck Kettle";

let supergraph: LocalSupergraph;
let manager: Record<string, string>;
let shopper: Record<string, string>;

beforeAll(async () => {
  supergraph = await startLocalSupergraph({
    port: 0,
    log: testLog,
    env: { PRODUCT_EVENTS_KEY: `test:${process.pid}:${Date.now()}` },
  });
  manager = { authorization: `Bearer ${await signToken({ user: "cm-1", scopes: ["catalog-manager"] })}` };
  shopper = { authorization: `Bearer ${await signToken({ user: "42", scopes: ["shopper"] })}` };
});
afterAll(async () => {
  await supergraph?.close();
});

const input = (title: string) => ({
  id: NEW_ID,
  sku: "QZ-KETTLE-1",
  title,
  categoryId: template.categoryId,
  brand: brand.name,
  listPrice: "49.99",
  description: "A gooseneck kettle for pour-over coffee.",
  attributes: template.attributes.map((a) => ({ name: a.name, value: a.value })),
});

const SURFACES = `query($id: ID!, $q: String!) {
  product(id: $id) {
    id title
    price(context: { currency: "USD", region: "US" }) { listPrice { amountMinor } }
    availability { inStock }
    similar(first: 5) { product { id } }
  }
  search(query: $q, first: 10) { edges { node { product { id } } } }
}`;

interface Surfaces {
  product: {
    id: string;
    title: string;
    price: { listPrice: { amountMinor: number } } | null;
    availability: { inStock: boolean } | null;
    similar: { product: { id: string } }[] | null;
  } | null;
  search: { edges: { node: { product: { id: string } } }[] };
}

async function surfaces(): Promise<Surfaces> {
  const result = await postGraphQL<Surfaces>(supergraph.url, SURFACES, { id: NEW_ID, q: TITLE }, shopper);
  expect(result.body.errors).toBeUndefined();
  return result.body.data as Surfaces;
}

/** Polls until `check` holds: events are applied after the mutation answers when they travel through Redis. */
async function eventually(check: (s: Surfaces) => boolean): Promise<Surfaces> {
  let last = await surfaces();
  for (let attempt = 0; attempt < 50 && !check(last); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await surfaces();
  }
  return last;
}

describe("product lifecycle through the gateway", () => {
  it("refuses shoppers and anonymous callers", async () => {
    expect(
      codes(await postGraphQL(supergraph.url, CreateProductDocument, { product: input(TITLE) }, shopper)),
    ).toEqual(["FORBIDDEN"]);
    expect(
      codes(await postGraphQL(supergraph.url, CreateProductDocument, { product: input(TITLE) })),
    ).toEqual(["UNAUTHENTICATED"]);
  });

  it("refuses an invalid product with every reason", async () => {
    const result = await postGraphQL(
      supergraph.url,
      CreateProductDocument,
      { product: { ...input(TITLE), categoryId: "c-electronics", listPrice: "-3" } },
      manager,
    );
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect((result.body.errors?.[0]?.extensions?.["reasons"] as string[]).length).toBe(2);
  });

  it("creates a product that every surface then serves, and archives it off every surface", async () => {
    const before = await surfaces();
    expect(before.product).toBeNull();

    const created = await postGraphQL(
      supergraph.url,
      CreateProductDocument,
      { product: input(TITLE) },
      manager,
    );
    expect(created.body).toEqual({ data: { createProduct: { id: NEW_ID, title: TITLE, version: 1 } } });
    expect(
      codes(await postGraphQL(supergraph.url, CreateProductDocument, { product: input(TITLE) }, manager)),
    ).toEqual(["CONFLICT"]);

    const live = await eventually(
      (s) =>
        s.product?.price !== null &&
        s.product?.availability !== null &&
        (s.product?.similar?.length ?? 0) > 0 &&
        s.search.edges.some((e) => e.node.product.id === NEW_ID),
    );
    expect(live.product).toMatchObject({
      id: NEW_ID,
      title: TITLE,
      price: { listPrice: { amountMinor: 4999 } },
    });
    expect(live.product?.availability).not.toBeNull();
    expect(live.product?.similar?.length).toBeGreaterThan(0);
    expect(live.search.edges.map((e) => e.node.product.id)).toContain(NEW_ID);

    const renamed = `${TITLE} Pro`;
    const updated = await postGraphQL(
      supergraph.url,
      UpdateProductDocument,
      { version: 1, product: input(renamed) },
      manager,
    );
    expect(updated.body).toEqual({ data: { updateProduct: { id: NEW_ID, title: renamed, version: 2 } } });
    const stale = await postGraphQL(
      supergraph.url,
      UpdateProductDocument,
      { version: 1, product: input(TITLE) },
      manager,
    );
    expect(codes(stale)).toEqual(["CONFLICT"]);
    expect(stale.body.errors?.[0]?.extensions?.["currentVersion"]).toBe(2);

    const archived = await postGraphQL(
      supergraph.url,
      ArchiveProductDocument,
      { id: NEW_ID, version: 2 },
      manager,
    );
    expect(archived.body).toEqual({ data: { archiveProduct: { id: NEW_ID, version: 3 } } });
    const gone = await eventually(
      (s) => s.product === null && !s.search.edges.some((e) => e.node.product.id === NEW_ID),
    );
    expect(gone.product).toBeNull();
    expect(gone.search.edges.map((e) => e.node.product.id)).not.toContain(NEW_ID);
    const neighbour = await postGraphQL<{ product: { similar: { product: { id: string } }[] } }>(
      supergraph.url,
      `query($id: ID!) { product(id: $id) { similar(first: 50) { product { id } } } }`,
      { id: template.id },
      shopper,
    );
    expect(neighbour.body.data?.product.similar.map((r) => r.product.id)).not.toContain(NEW_ID);
  });

  it("archives a demo product: gone from bought-together lists, search and the catalog", async () => {
    const BOUGHT = `query($id: ID!) { product(id: $id) { boughtTogether(first: 10) { product { id } } } }`;
    type Bought = { product: { boughtTogether: { product: { id: string } }[] } | null };
    const before = await postGraphQL<Bought>(supergraph.url, BOUGHT, { id: template.id }, shopper);
    const victim = before.body.data?.product?.boughtTogether[0]?.product.id;
    expect(victim).toBeDefined();
    const title = world.products.find((p) => p.id === victim)!.title;
    const archived = await postGraphQL(
      supergraph.url,
      ArchiveProductDocument,
      { id: victim, version: 1 },
      manager,
    );
    expect(archived.body).toEqual({ data: { archiveProduct: { id: victim, version: 2 } } });
    const after = await postGraphQL<Bought>(supergraph.url, BOUGHT, { id: template.id }, shopper);
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data?.product?.boughtTogether.map((r) => r.product.id)).not.toContain(victim);
    const found = await postGraphQL<{
      product: unknown;
      search: { edges: { node: { product: { id: string } } }[] };
    }>(
      supergraph.url,
      `query($id: ID!, $q: String!) { product(id: $id) { id } search(query: $q, first: 20) { edges { node { product { id } } } } }`,
      { id: victim, q: title },
      shopper,
    );
    expect(found.body.data?.product).toBeNull();
    expect(found.body.data?.search.edges.map((e) => e.node.product.id)).not.toContain(victim);
  });
});
