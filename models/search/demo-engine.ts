import {
  buildSearchEngine,
  DEFAULT_SYNONYMS_FILE,
  documentsFromWorld,
  EmbeddedBackend,
  Synonyms,
  TextEncoder,
} from "@aisle/search";
import { demoWorld } from "@aisle/world";

/** The demo world's catalogue in the embedded engine, without a re-ranker: for the synthetic-query scripts. */
export async function demoSearchEngine() {
  const world = demoWorld();
  const docs = documentsFromWorld(world);
  const encoder = await TextEncoder.load();
  const engine = await buildSearchEngine({
    backend: new EmbeddedBackend(),
    encoder,
    docs,
    categories: world.categories.map((c) => ({ id: c.id, name: c.name })),
    synonyms: Synonyms.load(DEFAULT_SYNONYMS_FILE),
    reranker: null,
  });
  return { world, docs, encoder, engine };
}

/** Lower case, every run of non-alphanumerics a single space: how the synthetic queries are written. */
export const plainWords = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
