import { html, nothing } from "lit-html";
import { StorefrontCartDocument } from "../../../operations/__generated__/graphql.ts";
import { PRICE, query } from "../api.ts";
import { navigate, refreshHeader, type Page } from "../router.ts";
import { cart, deliveryChoice, destination, setCart, setDeliveryChoice, setPostalCode } from "../state.ts";
import { cheapest, day, imageUrl, partial, priceTag, serviceName } from "../ui.ts";
import { deliveryTable } from "./product.ts";

export function money(minor: number): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(minor / 100);
}

/** The cart: lines with quantities, the subtotal, and the delivery options for the whole cart. */
export const cartPage: Page = async (url, show) => {
  const lines = cart();
  if (lines.length === 0) {
    return show(
      html`<h1>Your cart</h1>
        <p data-testid="empty-cart">Your cart is empty. <a href="/">Keep shopping</a></p>`,
    );
  }
  const to = destination();
  const { data, errors } = await query(StorefrontCartDocument, {
    ids: lines.map((l) => l.productId),
    items: lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
    price: PRICE,
    destination: to,
  });
  const again = () => cartPage(url, show);
  const setQuantity = (productId: string, quantity: number) => {
    setCart(cart().map((l) => (l.productId === productId ? { productId, quantity } : l)));
    refreshHeader();
    void again();
  };
  let subtotal = 0;
  const rows = lines.map((line, i) => {
    const p = data.products[i];
    if (p === null || p === undefined) return nothing;
    subtotal += (p.price?.offeredPrice.amountMinor ?? 0) * line.quantity;
    return html`<tr data-testid="cart-line">
      <td><img src=${imageUrl(p)} alt="" width="56" height="56" /></td>
      <td><a href="/p/${p.id}">${p.title}</a></td>
      <td>${priceTag(p.price)}</td>
      <td class="qty">
        <button @click=${() => setQuantity(p.id, line.quantity - 1)} aria-label="One less">−</button>
        ${line.quantity}
        <button @click=${() => setQuantity(p.id, Math.min(99, line.quantity + 1))} aria-label="One more">
          +
        </button>
      </td>
    </tr>`;
  });
  const estimate = data.deliveryOptions;
  const options = estimate?.options ?? [];
  // Keep the shopper's choice while it is still offered; otherwise the cheapest option.
  const stored = deliveryChoice();
  const chosen =
    options.find((o) => o.carrier.id === stored?.carrierId && o.service === stored?.service) ??
    cheapest(options);
  const choose = (o: (typeof options)[number]) =>
    setDeliveryChoice({
      carrierId: o.carrier.id,
      service: o.service,
      label: `${serviceName(o)}, arrives by ${day(o.promisedDate)} (${o.cost.formatted})`,
    });
  if (chosen === undefined) setDeliveryChoice(null);
  else choose(chosen);
  show(
    html`<h1>Your cart</h1>
      ${partial(errors)}
      <table class="cart">
        ${rows}
      </table>
      <p class="big">Subtotal: <b data-testid="subtotal">${money(subtotal)}</b></p>
      <form
        class="zip"
        @submit=${(event: SubmitEvent) => {
          event.preventDefault();
          setPostalCode(String(new FormData(event.target as HTMLFormElement).get("zip") ?? "").trim());
          void again();
        }}
      >
        Deliver to ZIP <input name="zip" .value=${to.postalCode} size="6" />
        <button type="submit">Update</button>
      </form>
      <h2>Delivery options</h2>
      ${
        estimate === null
          ? html`<p class="muted">Delivery estimates are unavailable right now.</p>`
          : estimate.options.length === 0
            ? html`<p class="notice" data-testid="no-delivery">${estimate.reason}</p>`
            : html`${estimate.split ? html`<p class="muted">Ships in more than one parcel.</p>` : nothing}
              ${deliveryTable(estimate.options, "cart-delivery", {
                isSelected: (o) => o === chosen,
                select: choose,
              })}`
      }
      <p>
        <button
          class="primary"
          data-testid="go-checkout"
          ?disabled=${chosen === undefined}
          @click=${() => navigate("/checkout")}
        >
          Checkout
        </button>
      </p>`,
  );
};
