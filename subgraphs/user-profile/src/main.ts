import { runSubgraphMain } from "@aisle/kit";
import { userProfileSubgraph } from "./index.ts";

runSubgraphMain(userProfileSubgraph);
