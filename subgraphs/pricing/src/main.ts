import { runSubgraphMain } from "@aisle/kit";
import { pricingSubgraph } from "./index.ts";

runSubgraphMain(pricingSubgraph);
