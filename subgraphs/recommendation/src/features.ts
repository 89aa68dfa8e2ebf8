import type { DecodedActivity } from "@aisle/behaviour";
import type { CatalogFacts, ItemFacts } from "./catalog-facts.store.ts";
import type { InteractionIndex } from "./interactions.store.ts";
import type { ItemTowerRow, RankerRow, UserTowerRow } from "./models.ts";
import type { Vocabulary } from "./vocabulary.model.ts";

/**
 * Model inputs, computed as models/recommendation/features.py computes them for training (change both
 * together). Ranker features, in order: u_cat_share, u_dept_share, u_brand_share, u_price_gap, u_log_events,
 * u_item_seen, u_item_bought, i_log_pop, i_ctr, i_cvr, i_price_rel, ctx_mobile.
 */
export const RANKER_FEATURE_COUNT = 12;

export function eventCount(activity: DecodedActivity): number {
  const c = activity.counts;
  return c.views + c.clicks + c.carts + c.purchases;
}

/**
 * A user-tower row from a user's events, oldest first: each event's item as an item-tower row (model index and
 * attribute ids) and its type id; the most recent `maxLen` are kept. The feed (from activity features) and the
 * offline evaluation (from a log's sequences) both build rows with this.
 */
export function sequenceRow(
  items: readonly ItemTowerRow[],
  typeIds: readonly number[],
  maxLen: number,
): UserTowerRow {
  const from = Math.max(0, items.length - maxLen);
  return {
    itemIds: items.slice(from).map((i) => i.itemId),
    attrIds: items.slice(from).map((i) => i.attrIds),
    typeIds: typeIds.slice(from),
  };
}

/**
 * Item-tower rows of items named by id with attribute names (a log without a catalogue: Amazon
 * `attr:<id>`, NDJSON names), through the model's vocabularies: unknown ids and names are 0, the first
 * `slots` names are kept.
 */
export class NamedItemRows {
  readonly #attributes: ReadonlyMap<string, number>;

  constructor(
    private readonly vocab: Vocabulary,
    private readonly slots: number,
  ) {
    this.#attributes = new Map(vocab.file.attributes.map((name, i) => [name, i + 1]));
  }

  row(itemId: string, attributeNames: readonly string[]): ItemTowerRow {
    return {
      itemId: this.vocab.itemIndex(itemId),
      attrIds: Array.from({ length: this.slots }, (_, i) => {
        const name = attributeNames[i];
        return name === undefined ? 0 : (this.#attributes.get(name) ?? 0);
      }),
    };
  }
}

export function userTowerRow(
  activity: DecodedActivity,
  vocab: Vocabulary,
  catalog: CatalogFacts,
): UserTowerRow {
  const items: ItemTowerRow[] = [];
  const typeIds: number[] = [];
  for (const entry of activity.sequence.slice(-vocab.maxLen)) {
    const item = catalog.item(entry.productId);
    if (item === null) continue;
    items.push({ itemId: vocab.itemIndex(item.id), attrIds: vocab.attributeIds(item) });
    typeIds.push(vocab.typeId(entry.type));
  }
  return {
    ...sequenceRow(items, typeIds, vocab.maxLen),
    profile: [Math.log1p(eventCount(activity)) / 5, Math.log1p(activity.counts.purchases) / 3],
  };
}

export interface RankingContext {
  readonly mobile: boolean;
}

export function rankerRow(
  activity: DecodedActivity,
  item: ItemFacts,
  interactions: InteractionIndex,
  catalog: CatalogFacts,
  vocab: Vocabulary,
  context: RankingContext,
): RankerRow {
  const total = activity.totalWeight > 0 ? activity.totalWeight : 1;
  const stats = interactions.stats(item.id);
  const logPrice = Math.log(Math.max(item.priceMinor, 1));
  const gap = activity.meanLogPrice === null ? 0 : Math.abs(logPrice - activity.meanLogPrice);
  const median = catalog.leafMedianPrice(item.categoryId, item.priceMinor);
  const attrs = vocab.attributeIds(item);
  return {
    dense: [
      (activity.categories[item.categoryId] ?? 0) / total,
      (activity.departments[item.departmentId] ?? 0) / total,
      (activity.brands[item.brandId] ?? 0) / total,
      Math.min(gap, 3),
      Math.log1p(eventCount(activity)) / 5,
      activity.seen.has(item.id) ? 1 : 0,
      activity.purchased.has(item.id) ? 1 : 0,
      Math.log1p(stats.interactions) / 5,
      (stats.clicks + 1) / (stats.views + 3),
      (stats.purchases + 0.2) / (stats.clicks + 2),
      Math.max(-3, Math.min(3, Math.log(Math.max(item.priceMinor, 1) / Math.max(median, 1)))),
      context.mobile ? 1 : 0,
    ],
    catIds: [attrs[0] ?? 0, attrs[2] ?? 0, attrs[4] ?? 0],
  };
}
