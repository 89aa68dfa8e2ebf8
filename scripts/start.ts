import { createLogger, logLevelFrom, runUntilSignalled } from "@aisle/kit";
import { launchStorefront } from "@aisle/storefront";
import { startLocalSupergraph } from "./local-supergraph.ts";
import { startBanner } from "./start-banner.ts";

const log = createLogger("aisle", logLevelFrom(process.env));
void runUntilSignalled(async () => {
  const supergraph = await startLocalSupergraph({ log });
  process.stdout.write(startBanner(supergraph.url, process.env));
  if (process.env["NODE_ENV"] === "production") return supergraph;
  // The demo storefront beside it (built with Vite in about a second); the API keeps running if it cannot start.
  const storefront = await launchStorefront({
    gatewayUrl: supergraph.url,
    log: log.child({ service: "storefront" }),
  }).catch((error: unknown) => {
    log.error({ err: error }, "the storefront did not start; the API runs without it");
    return undefined;
  });
  if (storefront === undefined) return supergraph;
  process.stdout.write(`  Storefront: open ${storefront.url} (sign in as user 42 from its header).\n\n`);
  return {
    ...supergraph,
    close: async () => {
      await storefront.close();
      await supergraph.close();
    },
  };
}, log);
