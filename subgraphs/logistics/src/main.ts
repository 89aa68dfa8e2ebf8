import { runSubgraphMain } from "@aisle/kit";
import { logisticsSubgraph } from "./logistics.subgraph.ts";

runSubgraphMain(logisticsSubgraph);
