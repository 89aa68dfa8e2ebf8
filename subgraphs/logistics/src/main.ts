import { runSubgraphMain } from "@aisle/kit";
import { logisticsSubgraph } from "./index.ts";

runSubgraphMain(logisticsSubgraph);
