import type { SubgraphDefinition } from "@aisle/kit";
import { catalogSubgraph } from "@aisle/catalog";

/** Every subgraph of the supergraph, in composition order. Add a new subgraph here and to package.json workspaces. */
export const SUBGRAPHS: readonly SubgraphDefinition[] = [catalogSubgraph];
