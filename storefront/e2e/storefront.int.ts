import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { signToken } from "@aisle/gateway";
import { AssessPaymentDocument, StorefrontWhoAmIDocument } from "../../operations/__generated__/graphql.ts";
import { codes, postGraphQL } from "../../tests/graphql-client.ts";
import { testLog } from "../../tests/quiet-log.ts";
import { chromiumMissing, launchChromium, localOnlyContext } from "./browser.ts";
import { startStorefrontStack, type StorefrontStack } from "./storefront-stack.ts";
import { addProductToCart, open, PATHS, placeOrder, signIn } from "./tour.ts";

/*
 * The storefront against the in-process supergraph: its server's routes over HTTP, then every page in a real
 * browser (Debian's Chromium through playwright-core) with every request not to 127.0.0.1 aborted and recorded.
 */
let stack: StorefrontStack;
beforeAll(async () => {
  stack = await startStorefrontStack(testLog);
});
afterAll(async () => {
  await stack?.close();
});

const checkoutBody = {
  items: [{ productId: "p-1", quantity: 2 }],
  destination: { country: "US", postalCode: "80202" },
  email: "shopper@example.com",
  paymentMethod: "visa-4242",
  /** Set from the API's options for this cart before the server tests. */
  delivery: { carrierId: "", service: "" },
};
/** The last (slowest) option the API offers for checkoutBody's cart, with its cost in cents. */
let offered: { carrierId: string; service: string; costMinor: number; promisedDate: string };

async function postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe("storefront server", () => {
  beforeAll(async () => {
    const answer = await postGraphQL<{
      deliveryOptions: {
        options: {
          carrier: { id: string };
          service: string;
          cost: { amountMinor: number };
          promisedDate: string;
        }[];
      };
    }>(
      stack.gatewayUrl,
      `query ($items: [CartItemInput!]!, $destination: DestinationInput!) {
        deliveryOptions(items: $items, destination: $destination) {
          options { carrier { id } service cost { amountMinor } promisedDate }
        }
      }`,
      { items: checkoutBody.items, destination: checkoutBody.destination },
    );
    const last = answer.body.data!.deliveryOptions.options.at(-1)!;
    offered = {
      carrierId: last.carrier.id,
      service: last.service,
      costMinor: last.cost.amountMinor,
      promisedDate: last.promisedDate,
    };
    checkoutBody.delivery = { carrierId: offered.carrierId, service: offered.service };
  });

  it("checkout prices the cart from the API and returns the payment decision, without the token", async () => {
    const answer = await postJson("/api/checkout", checkoutBody);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ orderId: expect.stringMatching(/^ord-sf-/), degraded: false });
    expect(["ALLOW", "CHALLENGE", "REVIEW", "BLOCK"]).toContain(answer.body["action"]);
    // Two of p-1 at the offered price the API gives plus the chosen delivery (the browser sends no price).
    const priced = await postGraphQL<{ product: { price: { offeredPrice: { amountMinor: number } } } }>(
      stack.gatewayUrl,
      `{ product(id: "p-1") { price(context: { currency: "USD", region: "US" }) { offeredPrice { amountMinor } } } }`,
    );
    const unit = priced.body.data!.product.price.offeredPrice.amountMinor;
    expect(answer.body["total"]).toBe(`$${((2 * unit + offered.costMinor) / 100).toFixed(2)}`);
    expect(answer.body["promisedDate"]).toBe(offered.promisedDate);
    expect(JSON.stringify(answer.body)).not.toMatch(/eyJ|Bearer/);
  });

  it("checkout refuses bad input with BAD_USER_INPUT and a non-JSON body with 415", async () => {
    const cases: [unknown, RegExp][] = [
      [{ ...checkoutBody, items: [] }, /items/],
      [{ ...checkoutBody, items: [{ productId: "p-1", quantity: 0 }] }, /quantity/],
      [{ ...checkoutBody, items: [{ productId: "p-999999999", quantity: 1 }] }, /no such product/],
      [{ ...checkoutBody, email: "nobody" }, /email/],
      [{ ...checkoutBody, paymentMethod: "toString" }, /paymentMethod/],
      [{ ...checkoutBody, delivery: { carrierId: offered.carrierId, service: "TELEPORT" } }, /delivery/],
      [
        { ...checkoutBody, delivery: { carrierId: "no-such-carrier", service: "GROUND" } },
        /delivery: .*not offered/,
      ],
      ["not json", /JSON object/],
    ];
    for (const [body, message] of cases) {
      const answer = await postJson("/api/checkout", body);
      expect(answer.status).toBe(400);
      expect(answer.body["error"]).toMatchObject({
        code: "BAD_USER_INPUT",
        message: expect.stringMatching(message),
      });
    }
    const form = await fetch(`${stack.origin}/api/checkout`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "items=1",
    });
    expect(form.status).toBe(415);
  });

  it("the page's /graphql proxy cannot call assessPayment, even with a checkout token in its own header", async () => {
    const checkoutToken = await signToken({ user: "svc-checkout", scopes: ["service:checkout"] });
    const viaProxy = await postGraphQL(
      `${stack.origin}/graphql`,
      AssessPaymentDocument,
      {
        input: {
          orderId: "ord-proxy-1",
          userId: "7",
          amountMinor: 100,
          currency: "USD",
          paymentMethodFingerprint: "pm_x",
          deviceId: "d",
          ip: "203.0.113.9",
          emailDomain: "example.com",
          billingAddress: { country: "US" },
          shippingAddress: { country: "US" },
          items: [{ productId: "p-1", quantity: 1, unitPriceMinor: 100 }],
        },
      },
      { authorization: `Bearer ${checkoutToken}` },
    );
    expect(viaProxy.body.data?.["assessPayment"] ?? null).toBeNull();
    expect(codes(viaProxy).some((c) => c === "FORBIDDEN" || c === "UNAUTHENTICATED")).toBe(true);
  });

  it("dev sign-in sets an HttpOnly session cookie that the proxy turns into the shopper's token", async () => {
    const signedIn = await postJson("/api/session", { user: "42" });
    expect(signedIn.status).toBe(200);
    const cookie = signedIn.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^aisle_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict/);
    const me = await postGraphQL(
      `${stack.origin}/graphql`,
      StorefrontWhoAmIDocument,
      {},
      { cookie: cookie.split(";")[0]! },
    );
    expect(me.body.data).toEqual({ me: { id: "42" } });
    const anonymous = await postGraphQL(`${stack.origin}/graphql`, StorefrontWhoAmIDocument);
    expect(anonymous.body.data).toEqual({ me: null });
    expect((await postJson("/api/session", { user: "admin" })).body["error"]).toMatchObject({
      code: "BAD_USER_INPUT",
    });
  });

  it("serves the same generated image for the same product, and nothing outside its folder", async () => {
    const get = (path: string) => fetch(`${stack.origin}${path}`);
    const first = await get("/img/c-headphones/p-7.svg");
    expect(first.headers.get("content-type")).toBe("image/svg+xml");
    const svg = await first.text();
    expect(await (await get("/img/c-headphones/p-7.svg")).text()).toBe(svg);
    expect(await (await get("/img/c-headphones/p-8.svg")).text()).not.toBe(svg);
    expect((await get("/img/c-headphones/p-7%22.svg")).status).toBe(404);
    for (const path of ["/..%2Fpackage.json", "/assets/..%2F..%2Fpackage.json", "/%2e%2e/src/launch.ts"]) {
      const answer = await get(path);
      expect(await answer.text()).not.toContain("@aisle/storefront");
    }
    // An app route gets the app; a missing asset is a 404.
    expect(await (await get("/c/c-headphones")).text()).toContain('<div id="app">');
    expect((await get("/assets/missing.js")).status).toBe(404);
  });

  it("ships no token and no remote URL in the built app", async () => {
    const html = await (await fetch(`${stack.origin}/`)).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      const text = await (await fetch(`${stack.origin}${asset}`)).text();
      expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
      expect(text).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z0-9.-]+\.[a-z]{2,}/i);
    }
  });
});

const missing = chromiumMissing();
if (missing !== undefined) console.warn(missing);

describe.skipIf(missing !== undefined)("storefront in Chromium", () => {
  let browser: Browser;
  let context: BrowserContext;
  let blocked: string[];
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    ({ context, blocked } = await localOnlyContext(browser));
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
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

  it("category page, reached from the navigation menu: products with a price and a delivery date", async () => {
    await open(page, stack.origin, PATHS.home);
    await page.click("nav summary >> text=Electronics");
    await page.click("nav a >> text=Headphones");
    await page.waitForSelector(`body[data-ready="${PATHS.category}"]`);
    expect(new URL(page.url()).pathname).toBe(PATHS.category);
    expect(await page.locator("nav details[open]").count()).toBe(0);
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

  it("search, signed in: opening a hit records a click that the API credits to the search", async () => {
    // Still signed in as user 42 (the home test above).
    await open(page, stack.origin, "/search?q=headphones");
    expect(await page.locator("header").innerText()).toContain("User 42");
    const recorded = page.waitForResponse(
      (r) => r.url().endsWith("/graphql") && (r.request().postData() ?? "").includes("StorefrontRecordClick"),
    );
    await page.locator("[data-testid=product-card]").nth(2).click();
    const answer = (await (await recorded).json()) as {
      data?: { recordEvents: { accepted: number; rejected: unknown[] } };
      errors?: unknown[];
    };
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.recordEvents).toEqual({ accepted: 1, rejected: [] });
    const sent = JSON.parse((await recorded).request().postData() ?? "{}") as {
      variables: { events: { attributionToken: string; surface: string }[] };
    };
    expect(sent.variables.events[0]).toMatchObject({
      surface: "search",
      attributionToken: expect.stringMatching(/^at1\./),
    });
    await page.waitForSelector(`body[data-ready^="/p/"]`);
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
    // The cheapest option is chosen by default.
    expect(await page.locator("[data-testid=cart-delivery] input[type=radio]:checked").count()).toBe(1);
    expect(options[0]).toMatch(/(Overnight|Express|Ground|Economy)\s+\w{3}, \w{3} \d{1,2}\s+\$\d/);
  });

  it("checkout: the server checks the payment and the page shows the decision", async () => {
    await open(page, stack.origin, PATHS.checkout);
    const chosen = await page.locator("[data-testid=chosen-delivery]").innerText();
    expect(chosen).toMatch(
      /^\w+ (Overnight|Express|Ground|Economy), arrives by \w{3}, \w{3} \d{1,2} \(\$\d+\.\d\d\)$/,
    );
    await placeOrder(page, stack.origin);
    expect(await page.locator("[data-testid=checkout-error]").count()).toBe(0);
    expect(await page.locator("[data-testid=order-id]").innerText()).toMatch(/^ord-sf-[0-9a-f]{8}$/);
    // The date the server read again from the API for the chosen option is the one the cart showed.
    expect(chosen).toContain(`arrives by ${await page.locator("[data-testid=arrives]").innerText()}`);
    expect(await page.locator("[data-testid=decision]").innerText()).toMatch(
      /Payment check: (ALLOW|CHALLENGE|REVIEW|BLOCK)/,
    );
  });

  it("never asked for anything outside 127.0.0.1", () => {
    expect(blocked).toEqual([]);
  });
});
