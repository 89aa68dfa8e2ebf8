import { html } from "lit-html";
import {
  StorefrontHomeDocument,
  StorefrontPopularDocument,
} from "../../../operations/__generated__/graphql.ts";
import { PRICE, query } from "../api.ts";
import type { Page } from "../router.ts";
import { setSignedInUser, signedInUser } from "../state.ts";
import { grid, partial, productCard } from "../ui.ts";

/**
 * Home: a signed-in shopper gets their recommendations (with the reason for each); a guest gets what is
 * popular across the shop (an empty search browses by popularity).
 */
export const homePage: Page = async (_url, show) => {
  if (signedInUser() !== null) {
    const { data, errors } = await query(StorefrontHomeDocument, { first: 12, price: PRICE });
    if (data.me !== null) {
      const recommendations = data.me.recommendations ?? [];
      return show(
        html`<h1 data-testid="greeting">Welcome back, ${data.me.displayName}</h1>
          <h2>Picked for you</h2>
          ${partial(errors)}
          ${grid(
            recommendations.map((r) =>
              productCard(
                r.product,
                html`<span class="reason muted" data-testid="reason">${r.reason}</span>`,
              ),
            ),
          )}`,
      );
    }
    setSignedInUser(null); // the session cookie expired or was cleared
  }
  const { data, errors } = await query(StorefrontPopularDocument, { first: 12, price: PRICE });
  show(
    html`<h1>Popular right now</h1>
      <p class="muted">Sign in to see recommendations picked for you.</p>
      ${partial(errors)} ${grid(data.search.edges.map((e) => productCard(e.node.product)))}`,
  );
};
