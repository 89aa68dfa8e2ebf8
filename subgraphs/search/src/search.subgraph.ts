import "reflect-metadata";
import { existsSync } from "node:fs";
import {
  buildFederatedSchema,
  instanceContainer,
  parseEnv,
  productEventsFromEnv,
  type Logger,
  type ProductChange,
  type SubgraphDefinition,
  type SubgraphParts,
} from "@aisle/kit";
import { AttributionTokens, attributionEnvShape, openSearchLog, type SearchLog } from "@aisle/behaviour";
import { DEFAULT_MODELS_DIR, modelOptionsFromEnv } from "@aisle/ml";
import { demoWorld } from "@aisle/world";
import { DemoAffinityProvider } from "./ranking/affinity.ts";
import type { SearchBackend } from "./backends/backend.ts";
import { documentsFromWorld } from "./retrieval/documents.ts";
import { EmbeddedBackend } from "./backends/embedded-backend.ts";
import { buildSearchEngine, type SearchEngine } from "./retrieval/engine.ts";
import { OpenSearchBackend } from "./backends/opensearch-backend.ts";
import { applyProductChange, type SearchIndexTarget } from "./retrieval/product-changes.ts";
import { LtrRanker, RANKER_MODEL } from "./ranking/ltr-ranker.model.ts";
import { LinearReranker } from "./ranking/reranker.ts";
import { SearchResolver } from "./search.resolver.ts";
import { searchEnvShape } from "./search.config.ts";
import { SearchImpressions } from "./search.impressions.ts";
import { SearchService } from "./search.service.ts";
import { Synonyms } from "./understanding/synonyms.ts";
import { ENCODER_MODEL, TextEncoder } from "./understanding/text-encoder.model.ts";

/** What a search subgraph holds: its schema, engine and encoder (tests read the encoder's run counters). */
export interface SearchParts extends SubgraphParts {
  readonly engine: SearchEngine;
  readonly encoder: TextEncoder;
  readonly service: SearchService;
  /** Where the pages' impressions go (tests read the in-process log). */
  readonly searchLog: SearchLog;
  /** Applies one product-change event to the index (what the bus subscription calls; tests call it directly). */
  readonly applyProductChange: (change: ProductChange) => Promise<void>;
}

/** Builds the search subgraph from its environment: loads the models, indexes the demo world, builds the schema. */
export async function createSearchParts(
  source: Readonly<Record<string, string | undefined>>,
  log: Logger,
): Promise<SearchParts> {
  const config = parseEnv(searchEnvShape, source);
  const world = demoWorld();
  const docs = documentsFromWorld(world);
  const categories = world.categories.map((c) => ({ id: c.id, name: c.name }));
  const synonyms = Synonyms.load(config.SEARCH_SYNONYMS_FILE);
  if (!existsSync(config.SEARCH_RERANKER_FILE)) {
    throw new Error(
      `SEARCH_RERANKER_FILE: ${config.SEARCH_RERANKER_FILE} is missing; run models/search/train-reranker.ts`,
    );
  }
  const reranker = await LinearReranker.load(config.SEARCH_RERANKER_FILE);
  // The learned ranker the model registry holds (npm run train -- search); none: the linear re-ranker above.
  const ranker = await LtrRanker.load(config.SEARCH_MODELS_DIR ?? DEFAULT_MODELS_DIR);
  const encoder = await TextEncoder.load(modelOptionsFromEnv(ENCODER_MODEL, source));
  const backend: SearchBackend =
    config.SEARCH_BACKEND === "opensearch"
      ? new OpenSearchBackend({
          node: config.OPENSEARCH_URL,
          alias: config.OPENSEARCH_INDEX,
          synonyms: synonyms.lines,
        })
      : new EmbeddedBackend();
  let engine: SearchEngine;
  try {
    engine = await buildSearchEngine({
      backend,
      encoder,
      docs,
      categories,
      synonyms,
      reranker,
      ranker,
      retriever: { depth: config.SEARCH_RERANK_DEPTH, semanticWeight: config.SEARCH_SEMANTIC_WEIGHT },
      onProgress: (done, total) => log.debug({ done, total }, "indexing products"),
    });
  } catch (error) {
    await Promise.allSettled([backend.close(), encoder.close(), ranker?.close()]);
    throw error;
  }
  const { report } = engine;
  log.info(
    {
      backend: backend.name,
      indexed: report.indexed,
      refused: report.errors.length,
      indexMs: Math.round(report.tookMs),
      embedMs: Math.round(engine.embedMs),
      ranker:
        ranker === null
          ? "linear re-ranker (no search-ranker in the registry)"
          : `${RANKER_MODEL}@${ranker.spec.version} ${ranker.settings.enabled ? "enabled" : "disabled by its gate"}`,
    },
    "search index built",
  );
  for (const e of report.errors.slice(0, 20)) log.warn({ id: e.id, reason: e.reason }, "product not indexed");
  const brands = new Map(world.brands.map((b) => [b.id, b.name]));
  const attributeNames = [...new Set(docs.flatMap((d) => d.attributes.map((a) => a.name)))].sort();
  // Hits carry attribution tokens and pages are logged, so shoppers' clicks become training data
  // (models/search/export-behaviour.ts).
  const searchLog = openSearchLog(source, log);
  const impressions = new SearchImpressions(
    new AttributionTokens(parseEnv(attributionEnvShape, source).AISLE_INTERNAL_SECRET),
    searchLog,
    ranker === null
      ? "linear-reranker"
      : `${RANKER_MODEL}@${ranker.spec.version}${ranker.settings.enabled ? "" : "-gated-off"}`,
  );
  const service = new SearchService(
    engine.retriever,
    engine.understanding,
    encoder,
    { categories: new Map(world.categories.map((c) => [c.id, c.name])), brands, attributeNames },
    new DemoAffinityProvider(world),
    engine.autocomplete,
    undefined,
    impressions,
  );
  const schema = await buildFederatedSchema({
    resolvers: [SearchResolver],
    container: instanceContainer([new SearchResolver(service)]),
  });
  // Catalog writes reach the index as product-change events.
  const events = productEventsFromEnv(source, log);
  const popularity = new Map<string, number>();
  for (const d of docs) popularity.set(d.categoryId, d.popularity);
  const target: SearchIndexTarget = {
    backend,
    corpus: engine.corpus,
    encoder,
    categoryNames: new Map(world.categories.map((c) => [c.id, c.name])),
    brandNames: brands,
    popularity,
  };
  const unsubscribe = events.bus.subscribe("search", (change) => applyProductChange(target, change));
  return {
    schema,
    engine,
    encoder,
    service,
    searchLog,
    applyProductChange: (change) => applyProductChange(target, change),
    readiness: [
      encoder.model.readiness(),
      { name: `search:${backend.name}`, check: async () => engine.corpus.size > 0 },
    ],
    close: async () => {
      unsubscribe();
      await Promise.allSettled([
        events.release(),
        backend.close(),
        encoder.close(),
        ranker?.close(),
        searchLog.close(),
      ]);
    },
  };
}

export const searchSubgraph: SubgraphDefinition = {
  name: "search",
  defaultPort: 4004,
  create: ({ env: source, log }) => createSearchParts(source, log),
};
