import { runSubgraphMain } from "@aisle/kit";
import { pricingSubgraph } from "./pricing.subgraph.ts";

runSubgraphMain(pricingSubgraph);
