import { html, render, type TemplateResult } from "lit-html";
import { StorefrontNavDocument, type StorefrontNavQuery } from "../../operations/__generated__/graphql.ts";
import { postJson, query } from "./api.ts";
import { cartPage } from "./pages/cart.ts";
import { categoryPage } from "./pages/category.ts";
import { checkoutPage } from "./pages/checkout.ts";
import { homePage } from "./pages/home.ts";
import { productPage } from "./pages/product.ts";
import { searchPage } from "./pages/search.ts";
import { navigate, type Page } from "./router.ts";
import { cartCount, setSignedInUser, signedInUser } from "./state.ts";
import "./styles.css";

const app = document.getElementById("app") ?? document.body;
let nav: StorefrontNavQuery["categories"] = [];
let content: TemplateResult = html``;
let generation = 0;

function header(): TemplateResult {
  const user = signedInUser();
  const q = new URL(location.href).searchParams.get("q") ?? "";
  return html`<header>
      <a class="logo" href="/">Aisle</a>
      <form class="search" @submit=${onSearch} role="search">
        <input name="q" type="search" placeholder="Search products" .value=${q} aria-label="Search" />
        <button type="submit">Search</button>
      </form>
      ${
        user === null
          ? html`<form class="signin" @submit=${onSignIn}>
              <input name="user" value="42" size="4" aria-label="User id" />
              <button type="submit" data-testid="sign-in">Sign in</button>
            </form>`
          : html`<span class="signin" data-testid="signed-in"
              >User ${user} <button type="button" @click=${onSignOut}>Sign out</button></span
            >`
      }
      <a class="cart-link" href="/cart" data-testid="cart-link">Cart (${cartCount()})</a>
    </header>
    <nav>
      ${nav.map(
        (department) =>
          html`<details>
            <summary>${department.name}</summary>
            <div class="menu">
              ${department.children.map((c) => html`<a href="/c/${c.id}">${c.name}</a>`)}
            </div>
          </details>`,
      )}
    </nav>`;
}

function draw(): void {
  render(
    html`${header()}
      <main>${content}</main>`,
    app,
  );
}

const ROUTES: readonly [RegExp, Page][] = [
  [/^\/$/, homePage],
  [/^\/c\/[^/]+$/, categoryPage],
  [/^\/search$/, searchPage],
  [/^\/p\/[^/]+$/, productPage],
  [/^\/cart$/, cartPage],
  [/^\/checkout$/, checkoutPage],
];

async function route(): Promise<void> {
  const url = new URL(location.href);
  const mine = ++generation;
  const show = (next: TemplateResult) => {
    if (mine !== generation) return; // a later navigation owns the page
    content = next;
    draw();
  };
  const page = ROUTES.find(([pattern]) => pattern.test(url.pathname))?.[1];
  show(html`<p class="muted">Loading…</p>`);
  if (page === undefined)
    return show(
      html`<h1>Not found</h1>
        <p><a href="/">Back to the shop</a></p>`,
    );
  try {
    await page(url, show);
    document.body.dataset["ready"] = url.pathname;
  } catch (error) {
    show(
      html`<h1>Something went wrong</h1>
        <p class="notice" data-testid="error">${error instanceof Error ? error.message : String(error)}</p>`,
    );
  }
}

function onSearch(event: SubmitEvent): void {
  event.preventDefault();
  const q = new FormData(event.target as HTMLFormElement).get("q");
  navigate(`/search?q=${encodeURIComponent(String(q ?? ""))}`);
}

async function onSignIn(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const user = String(new FormData(event.target as HTMLFormElement).get("user") ?? "");
  await postJson<{ user: string }>("/api/session", { user });
  setSignedInUser(user);
  await route();
}

async function onSignOut(): Promise<void> {
  await postJson("/api/session", {}, "DELETE");
  setSignedInUser(null);
  await route();
}

document.addEventListener("click", (event) => {
  const link = (event.target as Element).closest("a");
  if (link === null || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) return;
  const href = link.getAttribute("href");
  if (href === null || !href.startsWith("/")) return;
  event.preventDefault();
  for (const menu of document.querySelectorAll("nav details[open]")) menu.removeAttribute("open");
  navigate(href);
});
window.addEventListener("popstate", () => void route());
window.addEventListener("aisle:header", draw);

query(StorefrontNavDocument, {})
  .then(({ data }) => {
    nav = data.categories;
    draw();
  })
  .catch(() => undefined);
void route();
