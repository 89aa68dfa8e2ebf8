import type { Page } from "playwright-core";

/** The pages the e2e tests check and the screenshots show, with what each needs. */
export const PATHS = {
  home: "/",
  category: "/c/c-headphones",
  /** Misspelled on purpose: the page must offer "did you mean". */
  search: "/search?q=wireles%20earbds",
  product: "/p/p-1",
  cart: "/cart",
  checkout: "/checkout",
} as const;

/** Opens a path and waits until its page has rendered its data (main.ts marks `body[data-ready]`). */
export async function open(page: Page, origin: string, path: string): Promise<void> {
  await page.goto(`${origin}${path}`);
  const pathname = new URL(path, origin).pathname;
  await page.waitForSelector(`body[data-ready="${pathname}"]`, { timeout: 20_000 });
}

/** Signs in from the header (dev token in an HttpOnly cookie) and waits for the personal home feed. */
export async function signIn(page: Page, origin: string, user = "42"): Promise<void> {
  await open(page, origin, "/");
  await page.fill("header input[name=user]", user);
  await page.click("[data-testid=sign-in]");
  await page.waitForSelector("[data-testid=greeting]", { timeout: 20_000 });
}

/** Puts the product page's product in the cart. */
export async function addProductToCart(
  page: Page,
  origin: string,
  path: string = PATHS.product,
): Promise<void> {
  await open(page, origin, path);
  await page.click("[data-testid=add-to-cart]");
  await page.waitForSelector("[data-testid=added]");
}

/** Places the order from the checkout page and waits for the payment decision. */
export async function placeOrder(page: Page, origin: string): Promise<void> {
  await open(page, origin, PATHS.checkout);
  await page.click("[data-testid=place-order]");
  await page.waitForSelector("[data-testid=checkout-result], [data-testid=checkout-error]", {
    timeout: 20_000,
  });
}
