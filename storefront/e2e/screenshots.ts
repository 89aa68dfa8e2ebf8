import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { createLogger } from "@aisle/kit";
import { chromiumMissing, launchChromium, localOnlyContext } from "./browser.ts";
import { startStorefrontStack } from "./storefront-stack.ts";
import { addProductToCart, open, PATHS, placeOrder, signIn } from "./tour.ts";

/**
 * `npm run storefront:screenshots`: the supergraph and the storefront on free ports, each page opened in
 * Debian's Chromium, and a PNG of each written to docs/storefront/ (committed; README links them).
 */
const OUT = fileURLToPath(new URL("../../docs/storefront/", import.meta.url));

const missing = chromiumMissing();
if (missing !== undefined) {
  process.stderr.write(`${missing}\n`);
  process.exit(1);
}
await mkdir(OUT, { recursive: true });
const log = createLogger("screenshots", "error");
const [stack, browser] = await Promise.all([startStorefrontStack(log), launchChromium()]);
try {
  const { context, blocked } = await localOnlyContext(browser);
  const page = await context.newPage();
  const shot = async (name: string) => {
    await page.waitForLoadState("networkidle");
    await page.screenshot({ path: `${OUT}${name}.png` });
    process.stdout.write(`docs/storefront/${name}.png\n`);
  };
  await open(page, stack.origin, PATHS.home);
  await shot("home-anonymous");
  await signIn(page, stack.origin, "42");
  await shot("home-signed-in");
  await open(page, stack.origin, PATHS.category);
  await shot("category");
  await open(page, stack.origin, PATHS.search);
  await shot("search");
  await addProductToCart(page, stack.origin);
  await shot("product");
  await open(page, stack.origin, PATHS.cart);
  await shot("cart");
  await placeOrder(page, stack.origin);
  await shot("checkout");
  if (blocked.length > 0) throw new Error(`requests outside 127.0.0.1: ${blocked.join(", ")}`);
} finally {
  await browser.close();
  await stack.close();
}
