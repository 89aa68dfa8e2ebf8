export { buildStorefront, DEFAULT_OUT_DIR, WEB_ROOT } from "./build.ts";
export {
  checkout,
  CheckoutError,
  parseCheckoutRequest,
  PAYMENT_METHODS,
  type CheckoutRequest,
  type CheckoutResult,
} from "./checkout.ts";
export { launchStorefront, type LaunchOptions } from "./launch.ts";
export { productSvg } from "./product-image.ts";
export { storefrontConfig, storefrontEnvShape, type StorefrontConfig } from "./storefront.config.ts";
export { startStorefront, type StorefrontOptions } from "./storefront.server.ts";
