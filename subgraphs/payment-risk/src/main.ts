import { runSubgraphMain } from "@aisle/kit";
import { paymentRiskSubgraph } from "./payment-risk.subgraph.ts";

runSubgraphMain(paymentRiskSubgraph);
