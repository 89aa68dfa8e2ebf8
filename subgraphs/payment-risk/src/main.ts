import { runSubgraphMain } from "@aisle/kit";
import { paymentRiskSubgraph } from "./index.ts";

runSubgraphMain(paymentRiskSubgraph);
