import { html, nothing } from "lit-html";
import {
  StorefrontRecordClickDocument,
  StorefrontSearchDocument,
  type SearchFilterInput,
  type StorefrontSearchQuery,
} from "../../../operations/__generated__/graphql.ts";
import { PRICE, query } from "../api.ts";
import type { Page } from "../router.ts";
import { signedInUser } from "../state.ts";
import { grid, partial, productCard } from "../ui.ts";

/**
 * Tells the API a signed-in shopper opened a hit, with the hit's attribution token: the click is credited to
 * this search and position, which is what search learns its ranking from. Never holds up the navigation, and
 * a failure costs only that signal.
 */
function recordClick(productId: string, attributionToken: string | null | undefined): void {
  if (signedInUser() === null || attributionToken === null || attributionToken === undefined) return;
  const event = {
    type: "click",
    productId,
    attributionToken,
    occurredAt: new Date().toISOString(),
    surface: "search",
  };
  query(StorefrontRecordClickDocument, { events: [event] }).catch(() => undefined);
}

/** Selected facet values ride in the URL as repeated `f=field:value` parameters. */
function selected(url: URL): [string, string][] {
  return url.searchParams.getAll("f").flatMap((f) => {
    const at = f.indexOf(":");
    return at > 0 ? [[f.slice(0, at), f.slice(at + 1)] as [string, string]] : [];
  });
}

/** The API's filters: values of one field together; a price range as min and max. */
export function filtersOf(pairs: readonly [string, string][]): SearchFilterInput[] {
  const byField = new Map<string, string[]>();
  for (const [field, value] of pairs) byField.set(field, [...(byField.get(field) ?? []), value]);
  return [...byField].map(([field, values]) => {
    if (field !== "price") return { field, values };
    const [min, max] = (values[0] ?? "").split("-");
    return {
      field,
      ...(min ? { min: Number(min) } : {}),
      ...(max ? { max: Number(max) } : {}),
    };
  });
}

function toggled(url: URL, field: string, value: string): string {
  const next = new URL(url);
  const key = `${field}:${value}`;
  const all = next.searchParams.getAll("f");
  next.searchParams.delete("f");
  for (const f of all.includes(key) ? all.filter((f) => f !== key) : [...all, key])
    next.searchParams.append("f", f);
  return `${next.pathname}${next.search}`;
}

function facets(url: URL, result: StorefrontSearchQuery["search"]) {
  return html`<aside class="facets" data-testid="facets">
    ${result.facets.map(
      (facet) =>
        html`<section>
          <h3>${facet.label}</h3>
          ${facet.values
            .slice(0, 8)
            .map(
              (v) =>
                html`<a
                  class="facet ${v.selected ? "selected" : ""}"
                  href=${toggled(url, facet.field, v.value)}
                  data-testid="facet-value"
                  ><span>${v.selected ? "✓ " : ""}${v.label}</span><span class="muted">${v.count}</span></a
                >`,
            )}
        </section>`,
    )}
  </aside>`;
}

/** Search: hits with prices, facets to narrow them, and "did you mean" when the query was corrected. */
export const searchPage: Page = async (url, show) => {
  const q = url.searchParams.get("q") ?? "";
  const { data, errors } = await query(StorefrontSearchDocument, {
    query: q,
    filters: filtersOf(selected(url)),
    first: 24,
    price: PRICE,
  });
  const result = data.search;
  const { correctedQuery, relaxedQuery } = result.understanding;
  show(
    html`<h1>${q === "" ? "All products" : html`Results for “${q}”`}</h1>
      ${
        correctedQuery === null || correctedQuery === undefined
          ? nothing
          : html`<p class="did-you-mean" data-testid="did-you-mean">
              Did you mean
              <a href="/search?q=${encodeURIComponent(correctedQuery)}"><b>${correctedQuery}</b></a
              >? Showing results for it.
            </p>`
      }
      ${
        relaxedQuery === null || relaxedQuery === undefined
          ? nothing
          : html`<p class="did-you-mean">No exact matches: showing results for “${relaxedQuery}”.</p>`
      }
      <p class="muted">${result.totalCount} products</p>
      ${partial(errors)}
      <div class="with-facets">
        ${facets(url, result)}
        <div>
          ${grid(
            result.edges.map((e) =>
              productCard(e.node.product, nothing, () =>
                recordClick(e.node.product.id, e.node.attributionToken),
              ),
            ),
          )}
        </div>
      </div>`,
  );
};
