import type { Logger, RunningServer } from "@aisle/kit";
import { buildStorefront, DEFAULT_OUT_DIR } from "./build.ts";
import { storefrontConfig } from "./storefront.config.ts";
import { startStorefront } from "./storefront.server.ts";

export interface LaunchOptions {
  readonly gatewayUrl: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  /** Overrides STOREFRONT_PORT (0 for a free port). */
  readonly port?: number;
  /** Where to build the web app (default storefront/dist). */
  readonly outDir?: string;
}

/** Builds the web app, then serves it beside the gateway: what `npm start`, the e2e tests and screenshots run. */
export async function launchStorefront(options: LaunchOptions): Promise<RunningServer> {
  const config = storefrontConfig(options.env);
  const staticDir = await buildStorefront(options.outDir ?? DEFAULT_OUT_DIR);
  return startStorefront({
    gatewayUrl: options.gatewayUrl,
    staticDir,
    port: options.port ?? config.port,
    host: config.host,
    log: options.log,
    // Without a configured token, development signs one per checkout with the dev key; production has none.
    checkoutToken: config.checkoutToken ?? (config.production ? null : undefined),
    devSignIn: config.devSignIn,
  });
}
