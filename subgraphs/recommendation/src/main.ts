import { runSubgraphMain } from "@aisle/kit";
import { recommendationSubgraph } from "./recommendation.subgraph.ts";

runSubgraphMain(recommendationSubgraph);
