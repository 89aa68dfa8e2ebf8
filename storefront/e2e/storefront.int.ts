import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { testLog } from "../../tests/quiet-log.ts";
import { chromiumMissing, launchChromium, localOnlyContext } from "./browser.ts";
import { startStorefrontStack, type StorefrontStack } from "./storefront-stack.ts";
import { addProductToCart, open, PATHS, placeOrder, signIn } from "./tour.ts";

/*
 * The storefront in a real browser (Debian's Chromium through playwright-core): every page against the
 * in-process supergraph, with every request that is not to 127.0.0.1 aborted and recorded.
 */
const missing = chromiumMissing();
if (missing !== undefined) console.warn(missing);

describe.skipIf(missing !== undefined)("storefront in Chromium", () => {
  let stack: StorefrontStack;
  let browser: Browser;
  let context: BrowserContext;
  let blocked: string[];
  let page: Page;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStorefrontStack(testLog), launchChromium()]);
    ({ context, blocked } = await localOnlyContext(browser));
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const texts = (testId: string) => page.locator(`[data-testid=${testId}]`).allInnerTexts();

  it("home, anonymous: popular products with titles, prices and generated images", async () => {
    await open(page, stack.origin, PATHS.home);
    expect(await page.locator("h1").innerText()).toBe("Popular right now");
    const titles = await texts("product-title");
    expect(titles.length).toBeGreaterThanOrEqual(6);
    expect(titles.every((t) => t.length > 3)).toBe(true);
    expect((await texts("price"))[0]).toMatch(/^\$\d+\.\d\d/);
    const image = page.locator("[data-testid=product-card] img").first();
    expect(await image.getAttribute("src")).toMatch(/^\/img\/c-[a-z0-9-]+\/p-\d+\.svg$/);
    // The SVG was served by the storefront and decoded by the browser.
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(400);
  });

  it("home, signed in: a greeting and recommendations with their reasons", async () => {
    await signIn(page, stack.origin, "42");
    expect(await page.locator("[data-testid=greeting]").innerText()).toMatch(/^Welcome back, \S+/);
    expect((await texts("product-title")).length).toBeGreaterThan(0);
    expect((await texts("reason")).join("\n")).toMatch(/because|popular|often/i);
    // The token is an HttpOnly cookie: the page's script cannot read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain("aisle_session");
  });

  it("category page: products with a price and a delivery date", async () => {
    await open(page, stack.origin, PATHS.category);
    expect(await page.locator("h1").innerText()).toBe("Headphones");
    expect((await texts("product-title")).length).toBeGreaterThanOrEqual(12);
    expect((await texts("price")).length).toBeGreaterThanOrEqual(12);
    const dates = await texts("delivery-date");
    expect(dates.length).toBeGreaterThan(0);
    expect(dates[0]).toMatch(/^Arrives by (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [A-Z][a-z]{2} \d{1,2} · \$\d/);
  });

  it("search: did you mean for a misspelled query, facets, and a facet narrows the results", async () => {
    await open(page, stack.origin, PATHS.search);
    expect(await page.locator("[data-testid=did-you-mean]").innerText()).toContain("wireless earbuds");
    const titles = await texts("product-title");
    expect(titles.some((t) => /earbuds/i.test(t))).toBe(true);
    expect(await page.locator("[data-testid=facets] h3").allInnerTexts()).toEqual(
      expect.arrayContaining(["Brand", "Price"]),
    );
    const total = Number((await page.locator("main p.muted").first().innerText()).split(" ")[0]);
    const brand = page.locator("[data-testid=facets] section", { hasText: "Brand" }).locator("a").first();
    await brand.click();
    await page.waitForSelector("a.facet.selected");
    await expect
      .poll(async () => Number((await page.locator("main p.muted").first().innerText()).split(" ")[0]))
      .toBeLessThan(total);
  });

  it("product page: details, delivery options, similar and bought-together products", async () => {
    await open(page, stack.origin, PATHS.product);
    expect((await page.locator("[data-testid=product-name]").innerText()).length).toBeGreaterThan(3);
    expect(
      await page.locator("[data-testid=product-delivery] [data-testid=delivery-option]").count(),
    ).toBeGreaterThan(0);
    expect(await page.locator("[data-testid=similar] [data-testid=product-title]").count()).toBeGreaterThan(
      0,
    );
    expect(
      await page.locator("[data-testid=bought-together] [data-testid=product-title]").count(),
    ).toBeGreaterThan(0);
  });

  it("cart: the added product, a subtotal and the delivery options for the cart", async () => {
    await addProductToCart(page, stack.origin);
    expect(await page.locator("[data-testid=cart-link]").innerText()).toBe("Cart (1)");
    await open(page, stack.origin, PATHS.cart);
    expect(await page.locator("[data-testid=cart-line]").count()).toBe(1);
    expect(await page.locator("[data-testid=subtotal]").innerText()).toMatch(/^\$\d+\.\d\d$/);
    const options = await page
      .locator("[data-testid=cart-delivery] [data-testid=delivery-option]")
      .allInnerTexts();
    expect(options.length).toBeGreaterThan(1);
    expect(options[0]).toMatch(/(Overnight|Express|Ground|Economy)\s+\w{3}, \w{3} \d{1,2}\s+\$\d/);
  });

  it("checkout: the server checks the payment and the page shows the decision", async () => {
    await placeOrder(page, stack.origin);
    expect(await page.locator("[data-testid=checkout-error]").count()).toBe(0);
    expect(await page.locator("[data-testid=order-id]").innerText()).toMatch(/^ord-sf-[0-9a-f]{8}$/);
    expect(await page.locator("[data-testid=decision]").innerText()).toMatch(
      /Payment check: (ALLOW|CHALLENGE|REVIEW|BLOCK)/,
    );
  });

  it("never asked for anything outside 127.0.0.1", () => {
    expect(blocked).toEqual([]);
  });
});
