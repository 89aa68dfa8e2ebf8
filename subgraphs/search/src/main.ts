import { runSubgraphMain } from "@aisle/kit";
import { searchSubgraph } from "./index.ts";

runSubgraphMain(searchSubgraph);
