import type { ProductChange } from "@aisle/kit";
import type { SearchBackend } from "../backends/backend.ts";
import { documentFromSnapshot, itemText, type SearchDocument } from "./documents.ts";
import type { Corpus } from "./retriever.ts";
import type { TextEncoder } from "../understanding/text-encoder.model.ts";

export interface SearchIndexTarget {
  readonly backend: SearchBackend;
  readonly corpus: Corpus;
  readonly encoder: TextEncoder;
  /** Category id → name, for the document's category field. */
  readonly categoryNames: ReadonlyMap<string, string>;
  /** Brand id → name, the facet labels; a new brand is added. */
  readonly brandNames: Map<string, string>;
  /** Popularity per category as indexed at start. */
  readonly popularity: ReadonlyMap<string, number>;
}

/**
 * Keeps the search index in step with the catalog: a created or updated product is embedded (item side) and
 * upserted into the backend (embedded engine or OpenSearch) and the corpus; an archived one is removed from
 * both. The bus delivers each product version once, in order.
 */
export async function applyProductChange(target: SearchIndexTarget, change: ProductChange): Promise<void> {
  if (change.kind === "archived") {
    await target.backend.remove(change.productId);
    target.corpus.remove(change.productId);
    return;
  }
  const p = change.product;
  const doc: SearchDocument = documentFromSnapshot(
    p,
    target.categoryNames.get(p.categoryId) ?? "",
    target.popularity.get(p.categoryId) ?? 0,
  );
  const [vector] = await target.encoder.embedAll([itemText(doc)], "item");
  if (vector === undefined) throw new Error(`no item vector for ${p.id}`);
  await target.backend.upsert(doc, vector);
  target.corpus.put(doc, vector);
  target.brandNames.set(p.brand.id, p.brand.name);
}
