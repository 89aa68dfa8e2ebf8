import { html, nothing, type TemplateResult } from "lit-html";
import { postJson, RequestError } from "../api.ts";
import { refreshHeader, type Page } from "../router.ts";
import type { CheckoutResult } from "../../src/checkout.ts";
import { cart, deliveryChoice, destination, setCart } from "../state.ts";
import { day } from "../ui.ts";

const OUTCOME: Readonly<Record<CheckoutResult["action"], string>> = {
  ALLOW: "Thank you! Your order is placed and the payment is approved.",
  CHALLENGE: "One more step: your bank will ask you to confirm this payment.",
  REVIEW: "Your order is placed; we are reviewing the payment and will e-mail you shortly.",
  BLOCK: "We could not accept this payment. Please try another payment method.",
};

function outcome(result: CheckoutResult): TemplateResult {
  return html`<div class="result ${result.action.toLowerCase()}" data-testid="checkout-result">
    <h2>${OUTCOME[result.action]}</h2>
    <p>
      Order <b data-testid="order-id">${result.orderId}</b> · total
      <b data-testid="total">${result.total}</b> (delivery ${result.shipping}) · arrives by
      <b data-testid="arrives">${day(result.promisedDate)}</b>
    </p>
    <p class="muted" data-testid="decision">
      Payment check: ${result.action} (risk ${result.level.toLowerCase()})
    </p>
    ${
      result.reasons.length === 0
        ? nothing
        : html`<ul class="muted">
            ${result.reasons.map((r) => html`<li>${r}</li>`)}
          </ul>`
    }
  </div>`;
}

/** Checkout: contact and payment method; the server prices the cart and checks the payment. */
export const checkoutPage: Page = async (_url, show) => {
  const lines = cart();
  if (lines.length === 0)
    return show(
      html`<h1>Checkout</h1>
        <p>Your cart is empty. <a href="/">Keep shopping</a></p>`,
    );
  const delivery = deliveryChoice();
  if (delivery === null) {
    return show(
      html`<h1>Checkout</h1>
        <p>Choose a delivery option in <a href="/cart">your cart</a>.</p>`,
    );
  }
  let error: string | undefined;
  const form = () =>
    show(
      html`<h1>Checkout</h1>
        <form class="checkout" @submit=${submit}>
          <label>E-mail <input name="email" type="email" value="shopper@example.com" required /></label>
          <label
            >Payment
            <select name="paymentMethod">
              <option value="visa-4242">Visa ending 4242</option>
              <option value="mastercard-4444">Mastercard ending 4444</option>
            </select>
          </label>
          <p class="muted">
            ${lines.length} product(s) to ZIP ${destination().postalCode} ·
            <span data-testid="chosen-delivery">${delivery.label}</span> · <a href="/cart">change</a>
          </p>
          ${error === undefined ? nothing : html`<p class="notice" data-testid="checkout-error">${error}</p>`}
          <button class="primary" type="submit" data-testid="place-order">Place order</button>
        </form>`,
    );
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const fields = new FormData(event.target as HTMLFormElement);
    try {
      const result = await postJson<CheckoutResult>("/api/checkout", {
        items: lines,
        destination: destination(),
        email: String(fields.get("email") ?? ""),
        paymentMethod: String(fields.get("paymentMethod") ?? ""),
        delivery: { carrierId: delivery.carrierId, service: delivery.service },
      });
      if (result.action !== "BLOCK") setCart([]);
      refreshHeader();
      show(
        html`<h1>Checkout</h1>
          ${outcome(result)}
          <p><a href="/">Continue shopping</a></p>`,
      );
    } catch (e) {
      error = e instanceof RequestError ? e.message : "The order could not be placed; try again.";
      form();
    }
  };
  form();
};
