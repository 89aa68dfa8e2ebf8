import { html, nothing } from "lit-html";
import {
  StorefrontProductDocument,
  type StorefrontDeliveryOptionFragment,
} from "../../../operations/__generated__/graphql.ts";
import { PRICE, query } from "../api.ts";
import { refreshHeader, type Page } from "../router.ts";
import { addToCart, destination } from "../state.ts";
import { day, grid, imageUrl, partial, priceTag, productCard, serviceName } from "../ui.ts";

/** A choice among the options (the cart's): a radio button on each row. */
export interface DeliverySelection {
  readonly isSelected: (option: StorefrontDeliveryOptionFragment) => boolean;
  readonly select: (option: StorefrontDeliveryOptionFragment) => void;
}

export function deliveryTable(
  options: readonly StorefrontDeliveryOptionFragment[],
  testId: string,
  selection?: DeliverySelection,
) {
  return html`<table class="delivery-options" data-testid=${testId}>
    <thead>
      <tr>
        ${selection === undefined ? nothing : html`<th></th>`}
        <th>Delivery</th>
        <th>Arrives by</th>
        <th>Cost</th>
      </tr>
    </thead>
    <tbody>
      ${options.map(
        (o) =>
          html`<tr data-testid="delivery-option">
            ${
              selection === undefined
                ? nothing
                : html`<td>
                    <input
                      type="radio"
                      name="delivery"
                      aria-label=${serviceName(o)}
                      .checked=${selection.isSelected(o)}
                      @change=${() => selection.select(o)}
                    />
                  </td>`
            }
            <td>${serviceName(o)}</td>
            <td>${day(o.promisedDate)}</td>
            <td>${o.cost.formatted}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** A product: details, price, stock, delivery options, similar products and what is bought with it. */
export const productPage: Page = async (url, show) => {
  const id = decodeURIComponent(url.pathname.slice("/p/".length));
  const to = destination();
  const { data, errors } = await query(StorefrontProductDocument, {
    id,
    first: 6,
    price: PRICE,
    destination: to,
  });
  const p = data.product;
  if (p === null)
    return show(
      html`<h1>Product not found</h1>
        <p><a href="/">Back to the shop</a></p>`,
    );
  let added = false;
  const render = () =>
    show(
      html`<p class="crumbs muted">
          ${p.category.ancestry.map((a) => html`<a href="/c/${a.id}">${a.name}</a> › `)}
        </p>
        ${partial(errors)}
        <div class="product">
          <img src=${imageUrl(p)} alt="" width="400" height="400" />
          <div>
            <h1 data-testid="product-name">${p.title}</h1>
            <p class="muted">${p.brand.name}</p>
            <p class="big">${priceTag(p.price)}</p>
            <p>
              ${
                p.availability === null
                  ? nothing
                  : p.availability.inStock
                    ? html`<span class="stock">${p.availability.quantityLabel}</span>`
                    : html`<span class="notice">Out of stock</span>`
              }
            </p>
            <button
              class="primary"
              data-testid="add-to-cart"
              @click=${() => {
                addToCart(p.id);
                added = true;
                refreshHeader();
                render();
              }}
            >
              Add to cart
            </button>
            ${added ? html`<span class="muted" data-testid="added"> Added. <a href="/cart">View cart</a></span>` : nothing}
            <h3>Delivery to ${to.postalCode}</h3>
            ${
              p.deliveryEstimate === null
                ? html`<p class="muted">Delivery estimates are unavailable right now.</p>`
                : p.deliveryEstimate.options.length === 0
                  ? html`<p class="muted">${p.deliveryEstimate.reason}</p>`
                  : deliveryTable(p.deliveryEstimate.options.slice(0, 4), "product-delivery")
            }
            <p>${p.description}</p>
            <dl class="attributes">
              ${p.attributes.map(
                (a) =>
                  html`<dt>${a.name}</dt>
                    <dd>${a.value}</dd>`,
              )}
            </dl>
          </div>
        </div>
        <section data-testid="similar">
          <h2>Similar products</h2>
          ${
            p.similar === null
              ? html`<p class="muted">Unavailable right now.</p>`
              : grid(p.similar.map((r) => productCard(r.product)))
          }
        </section>
        <section data-testid="bought-together">
          <h2>Often bought together</h2>
          ${
            p.boughtTogether === null
              ? html`<p class="muted">Unavailable right now.</p>`
              : grid(p.boughtTogether.map((r) => productCard(r.product)))
          }
        </section>`,
    );
  render();
};
