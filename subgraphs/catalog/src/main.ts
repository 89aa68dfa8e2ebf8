import { runSubgraphMain } from "@aisle/kit";
import { catalogSubgraph } from "./catalog.subgraph.ts";

runSubgraphMain(catalogSubgraph);
