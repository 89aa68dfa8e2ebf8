import { runSubgraphMain } from "@aisle/kit";
import { catalogSubgraph } from "./index.ts";

runSubgraphMain(catalogSubgraph);
