import { html, nothing, type TemplateResult } from "lit-html";
import type {
  StorefrontDeliveryOptionFragment,
  StorefrontProductCardFragment,
} from "../../operations/__generated__/graphql.ts";

/** The product's generated picture, served by the storefront server (never fetched from outside). */
export function imageUrl(product: { id: string; category: { id: string } }): string {
  return `/img/${encodeURIComponent(product.category.id)}/${encodeURIComponent(product.id)}.svg`;
}

export function priceTag(price: StorefrontProductCardFragment["price"]): TemplateResult {
  if (price === null) return html`<span class="price muted">Price unavailable</span>`;
  const discounted = price.discountPercent >= 1;
  return html`<span class="price" data-testid="price"
    >${price.offeredPrice.formatted}${
      discounted
        ? html` <s class="muted">${price.listPrice.formatted}</s>
            <span class="off">−${Math.round(price.discountPercent)}%</span>`
        : nothing
    }</span
  >`;
}

/** "Fri, Dec 4" for a UTC calendar date (YYYY-MM-DD). */
export function day(date: string): string {
  return new Date(`${date}T00:00:00Z`).toLocaleDateString("en-US", {
    weekday: "short",
    month: "short",
    day: "numeric",
    timeZone: "UTC",
  });
}

const SERVICE: Readonly<Record<string, string>> = {
  OVERNIGHT: "Overnight",
  EXPRESS: "Express",
  GROUND: "Ground",
  ECONOMY: "Economy",
};

export function serviceName(option: StorefrontDeliveryOptionFragment): string {
  return `${option.carrier.name} ${SERVICE[option.service] ?? option.service}`;
}

/** The cheapest option: what a listing promises by default. */
export function cheapest(
  options: readonly StorefrontDeliveryOptionFragment[],
): StorefrontDeliveryOptionFragment | undefined {
  return [...options].sort((a, b) => parseCost(a) - parseCost(b))[0];
}

function parseCost(option: StorefrontDeliveryOptionFragment): number {
  return Number(option.cost.formatted.replace(/[^0-9.]/g, ""));
}

export function productCard(
  product: StorefrontProductCardFragment,
  extra: TemplateResult | typeof nothing = nothing,
  onOpen?: () => void,
): TemplateResult {
  return html`<a class="card" href="/p/${product.id}" data-testid="product-card" @click=${onOpen ?? nothing}>
    <img src=${imageUrl(product)} alt="" width="200" height="200" />
    <span class="title" data-testid="product-title">${product.title}</span>
    <span class="brand muted">${product.brand.name}</span>
    ${priceTag(product.price)} ${extra}
  </a>`;
}

export function grid(cards: readonly TemplateResult[]): TemplateResult {
  return html`<div class="grid">${cards}</div>`;
}

/** A note for partial answers: part of the page could not be loaded. */
export function partial(errors: readonly { message: string }[]): TemplateResult | typeof nothing {
  return errors.length === 0
    ? nothing
    : html`<p class="notice" data-testid="partial">Some details could not be loaded right now.</p>`;
}
