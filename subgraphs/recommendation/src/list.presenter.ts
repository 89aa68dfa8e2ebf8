import { randomUUID } from "node:crypto";
import type { AttributionTokens } from "@aisle/behaviour";
import { reasonCodeOf } from "./controls.strategy.ts";
import type { RecommendationItem } from "./recommendation.service.ts";
import type { RecommendationType } from "./recommendation.type.ts";

/**
 * Turns a list of items into what the schema answers: positions, reason codes, the model version, and a signed
 * attribution token per item naming a fresh list id, the position and the version, which `recordEvents`
 * verifies on a click or purchase to credit this list.
 */
export class ListPresenter {
  constructor(private readonly tokens: AttributionTokens) {}

  present(items: readonly RecommendationItem[], modelVersion: string): RecommendationType[] {
    const listId = `rl-${randomUUID()}`;
    return items.map((item, i) => {
      const reasonCode = item.reasonCode ?? reasonCodeOf(item);
      const position = i + 1;
      return {
        product: { id: item.productId },
        score: item.score,
        reason: item.reason,
        sources: [...item.sources],
        reasonCode,
        modelVersion,
        position,
        attributionToken: this.tokens.sign({
          listId,
          position,
          productId: item.productId,
          modelVersion,
          reasonCode,
        }),
      };
    });
  }
}
