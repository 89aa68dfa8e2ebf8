import { runSubgraphMain } from "@aisle/kit";
import { recommendationSubgraph } from "./index.ts";

runSubgraphMain(recommendationSubgraph);
