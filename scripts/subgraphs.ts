import type { SubgraphDefinition } from "@aisle/kit";
import { catalogSubgraph } from "@aisle/catalog";
import { userProfileSubgraph } from "@aisle/user-profile";
import { logisticsSubgraph } from "@aisle/logistics";
import { paymentRiskSubgraph } from "@aisle/payment-risk";
import { searchSubgraph } from "@aisle/search";
import { pricingSubgraph } from "@aisle/pricing";
import { recommendationSubgraph } from "@aisle/recommendation";

/** Every subgraph of the supergraph, in composition order. Add a new subgraph here and to package.json workspaces. */
export const SUBGRAPHS: readonly SubgraphDefinition[] = [
  catalogSubgraph,
  userProfileSubgraph,
  logisticsSubgraph,
  paymentRiskSubgraph,
  searchSubgraph,
  pricingSubgraph,
  recommendationSubgraph,
];
