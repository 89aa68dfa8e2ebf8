import { html, nothing } from "lit-html";
import { StorefrontCategoryDocument } from "../../../operations/__generated__/graphql.ts";
import { PRICE, query } from "../api.ts";
import type { Page } from "../router.ts";
import { destination } from "../state.ts";
import { day, grid, partial, productCard } from "../ui.ts";

/**
 * A category: its products with prices and the date the cheapest delivery would arrive by (the API's compact
 * delivery promise: one date per product, not every option with its parcels).
 */
export const categoryPage: Page = async (url, show) => {
  const categoryId = decodeURIComponent(url.pathname.slice("/c/".length));
  const to = destination();
  const { data, errors } = await query(StorefrontCategoryDocument, {
    categoryId,
    first: 24,
    price: PRICE,
    destination: to,
  });
  const category = data.category;
  show(
    html`<p class="crumbs muted">
        ${(category?.ancestry ?? []).slice(0, -1).map((a) => html`<a href="/c/${a.id}">${a.name}</a> › `)}
      </p>
      <h1>${category?.name ?? categoryId}</h1>
      <p class="muted">${data.productsByCategory.totalCount} products · delivery to ${to.postalCode}</p>
      ${partial(errors)}
      ${grid(
        data.productsByCategory.edges.map(({ node }) => {
          const promise = node.deliveryPromise;
          return productCard(
            node,
            promise?.date == null
              ? promise?.reason
                ? html`<span class="delivery muted">${promise.reason}</span>`
                : nothing
              : html`<span class="delivery" data-testid="delivery-date"
                  >Arrives by ${day(promise.date)} · ${promise.cost?.formatted ?? ""}</span
                >`,
          );
        }),
      )}`,
  );
};
