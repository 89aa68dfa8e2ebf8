import { runSubgraphMain } from "@aisle/kit";
import { userProfileSubgraph } from "./user-profile.subgraph.ts";

runSubgraphMain(userProfileSubgraph);
