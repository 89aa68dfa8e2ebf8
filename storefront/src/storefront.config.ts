import { env, parseEnv } from "@aisle/kit";
import { z } from "zod";

/** The storefront server's settings, read once from the environment. */
export const storefrontEnvShape = {
  /** Port of the storefront (default 4100; 0 takes a free port). */
  STOREFRONT_PORT: env.port(4100),
  /** Interface to listen on (default 127.0.0.1). */
  STOREFRONT_HOST: z.string().min(1).default("127.0.0.1"),
  /**
   * The bearer token the server sends with `assessPayment` (scope service:checkout). Unset: in development the
   * server signs one with the committed dev key for each checkout; in production checkout answers UNAVAILABLE.
   * It never reaches the browser.
   */
  STOREFRONT_CHECKOUT_TOKEN: z.string().min(20).optional(),
  /**
   * "Sign in as user N" with a dev token (committed dev key) kept in an HttpOnly cookie. Default: on, except
   * with NODE_ENV=production, where there is no sign-in (the demo has no identity provider).
   */
  STOREFRONT_DEV_SIGN_IN: z.enum(["true", "false"]).optional(),
  NODE_ENV: env.nodeEnv(),
};

export interface StorefrontConfig {
  readonly port: number;
  readonly host: string;
  readonly checkoutToken: string | undefined;
  readonly devSignIn: boolean;
  readonly production: boolean;
}

export function storefrontConfig(
  source: Readonly<Record<string, string | undefined>> = process.env,
): StorefrontConfig {
  const parsed = parseEnv(storefrontEnvShape, source);
  const production = parsed.NODE_ENV === "production";
  return {
    port: parsed.STOREFRONT_PORT,
    host: parsed.STOREFRONT_HOST,
    checkoutToken: parsed.STOREFRONT_CHECKOUT_TOKEN,
    devSignIn:
      parsed.STOREFRONT_DEV_SIGN_IN === undefined ? !production : parsed.STOREFRONT_DEV_SIGN_IN === "true",
    production,
  };
}
