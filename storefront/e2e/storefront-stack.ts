import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "@aisle/kit";
import { startLocalSupergraph } from "../../scripts/local-supergraph.ts";
import { launchStorefront } from "../src/launch.ts";

export interface StorefrontStack {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly origin: string;
  readonly gatewayUrl: string;
  close(): Promise<void>;
}

/** The supergraph in-process and the storefront (built into a temporary folder), all on free ports. */
export async function startStorefrontStack(log: Logger): Promise<StorefrontStack> {
  const outDir = await mkdtemp(join(tmpdir(), "aisle-storefront-"));
  const supergraph = await startLocalSupergraph({ port: 0, log });
  try {
    const env = { ...process.env, NODE_ENV: "development", STOREFRONT_CHECKOUT_TOKEN: undefined };
    const storefront = await launchStorefront({ gatewayUrl: supergraph.url, env, log, port: 0, outDir });
    return {
      origin: storefront.url.replace(/\/$/, ""),
      gatewayUrl: supergraph.url,
      close: async () => {
        await storefront.close();
        await supergraph.close();
        await rm(outDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await supergraph.close();
    await rm(outDir, { recursive: true, force: true });
    throw error;
  }
}
