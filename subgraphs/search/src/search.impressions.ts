import { randomUUID } from "node:crypto";
import type { AttributionTokens, SearchLog } from "@aisle/behaviour";

/** The prefix of a search's list id, so an attributed event names the search it came from. */
export const SEARCH_LIST_PREFIX = "search-";
/** The reason code search's attribution tokens carry (recommendation's carry the list's reason). */
export const SEARCH_REASON_CODE = "SEARCH";

/** What one page of hits carries back to the shopper's events. */
export interface PageAttribution {
  readonly searchId: string;
  /** One token per hit, in page order. */
  readonly tokens: readonly string[];
}

/**
 * Gives each page of a search an id and each hit a signed attribution token (list = the search, its absolute
 * position, the ranking's version), which `recordEvents` verifies on a click, add-to-cart or purchase; and logs
 * what a page with a query showed, with the version of what ordered it ("unranked" when a sort, merchandising,
 * personalisation or a relaxed query did: shoppers' choices there still say what is relevant). Together they are the logged search
 * behaviour the ranker learns from (models/search/behaviour-log.ts).
 */
export class SearchImpressions {
  constructor(
    private readonly tokens: AttributionTokens,
    private readonly log: SearchLog,
    /** The ranking that orders RELEVANCE pages, e.g. `search-ranker@2.0.0`. */
    private readonly modelVersion: string,
  ) {}

  present(page: {
    /** What was searched; null for a browse page (attributed, not logged: no query to learn for). */
    readonly query: string | null;
    readonly offset: number;
    readonly productIds: readonly string[];
    /** False for another sort, or an order changed by merchandising, personalisation or relaxation. */
    readonly rankedByModel: boolean;
  }): PageAttribution {
    const searchId = `${SEARCH_LIST_PREFIX}${randomUUID()}`;
    const modelVersion = page.rankedByModel ? this.modelVersion : "unranked";
    const tokens = page.productIds.map((productId, i) =>
      this.tokens.sign({
        listId: searchId,
        position: page.offset + i + 1,
        productId,
        modelVersion,
        reasonCode: SEARCH_REASON_CODE,
      }),
    );
    if (page.query !== null && page.productIds.length > 0)
      this.log.record({
        searchId,
        query: page.query,
        firstPosition: page.offset + 1,
        productIds: page.productIds,
        modelVersion,
        at: Date.now(),
      });
    return { searchId, tokens };
  }
}
