import { loadGatewayConfig } from "@aisle/gateway";
import { parseEnv, resolveSubgraphEnv } from "@aisle/kit";
import { featureStoreEnvShape } from "@aisle/ml";
import { trackingJournalEnvShape } from "@aisle/logistics";
import { paymentRiskEnvShape } from "@aisle/payment-risk";
import { pricingEnvShape } from "@aisle/pricing";
import { recommendationEnvShape } from "@aisle/recommendation";
import { searchEnvShape } from "@aisle/search";
import { behaviourEnvShape } from "@aisle/user-profile";
import type { AppExpectation } from "./k8s-manifests.ts";
import { SUBGRAPHS } from "./subgraphs.ts";

/** Each subgraph's own settings parser beyond the shared one (the ones its package exports). */
const OWN_SETTINGS: Record<string, (env: Record<string, string>) => unknown> = {
  "user-profile": (env) => parseEnv(behaviourEnvShape, env),
  recommendation: (env) => parseEnv(recommendationEnvShape, env),
  search: (env) => parseEnv(searchEnvShape, env),
  logistics: (env) => parseEnv({ ...featureStoreEnvShape, ...trackingJournalEnvShape }, env),
  "payment-risk": (env) => parseEnv(paymentRiskEnvShape, env),
  pricing: (env) => parseEnv(pricingEnvShape, env),
};

/**
 * The servers the manifests must run: the gateway and every subgraph of scripts/subgraphs.ts, on their
 * default ports, each with the app's own configuration parser (a bad or missing production setting throws
 * as it would at start). DATABASE_URL is checked as a URL here: the catalog's parser is not exported.
 */
export function aisleApps(): AppExpectation[] {
  return [
    { name: "gateway", port: 4000, checkEnv: (env) => void loadGatewayConfig(env) },
    ...SUBGRAPHS.map((definition) => ({
      name: definition.name,
      port: definition.defaultPort,
      checkEnv: (env: Record<string, string>) => {
        resolveSubgraphEnv(definition, env);
        OWN_SETTINGS[definition.name]?.(env);
        const database = env["DATABASE_URL"];
        if (database !== undefined && !URL.canParse(database))
          throw new Error(`DATABASE_URL: not a URL (${database})`);
      },
    })),
  ];
}
