import { badUserInput, toMoney, type Logger } from "@aisle/kit";
import type { BatchedModel, FeatureStore } from "@aisle/ml";
import { convertMinor, rateFor } from "./currency.ts";
import { demandDrivers, productDemandFeatures, type ProductDemandFeatures } from "./demand.features.ts";
import type { DemandPrediction, DemandRow, DemandVocabulary } from "./demand.model.ts";
import type { Guardrail, GuardrailStrategy } from "./guardrails.strategy.ts";
import type { PriceOptimiser } from "./optimiser.strategy.ts";
import { explainPrice, type PriceReasonCode } from "./price-reason.ts";
import type { PriceContext, ProductPriceType } from "./price.type.ts";
import type { PricingStore } from "./pricing.store.ts";

/** A price decided in US cents, before conversion to the asked currency. */
export interface PriceQuote {
  readonly productId: string;
  readonly listMinor: number;
  readonly offeredMinor: number;
  readonly reasonCode: PriceReasonCode;
  readonly reason: string | null;
  readonly guardrails: Guardrail[];
  readonly elasticity: number | null;
  readonly expectedDailyDemand: number | null;
  readonly modelVersion: string;
  readonly degraded: boolean;
}

export interface PricingServiceOptions {
  readonly store: PricingStore;
  readonly features: FeatureStore;
  /** Null with the list-price optimiser (no model loaded). */
  readonly model: BatchedModel<DemandRow, DemandPrediction> | null;
  readonly vocabulary: DemandVocabulary | null;
  readonly guardrails: GuardrailStrategy;
  readonly optimiser: PriceOptimiser;
  readonly clearanceCoverDays: number;
  /** The pricing date (season drivers). */
  readonly today: () => Date;
  readonly log: Logger;
}

const REGION_PATTERN = /^[A-Z]{2}$/;

interface Plan {
  readonly index: number;
  readonly productId: string;
  readonly listMinor: number;
  readonly costMinor: number;
  readonly features: ProductDemandFeatures;
  readonly lastPriceMinor: number | null;
  readonly candidates: number[];
  readonly rows: DemandRow[];
  readonly modelled: boolean;
}

/**
 * Prices products in batches: one feature-store read and one model run for every product of a request
 * (the rows are (product, candidate price) pairs), then the optimiser picks a price per product within the
 * guardrails. Never throws for a failing dependency: the price degrades to list within the guardrails.
 */
export class PricingService {
  constructor(private readonly options: PricingServiceOptions) {}

  /** Validates a price context; returns the currency's rate. BAD_USER_INPUT for an unsupported one. */
  checkContext(context: PriceContext): number {
    if (!REGION_PATTERN.test(context.region)) {
      throw badUserInput(
        `Region ${JSON.stringify(context.region)} is not an ISO 3166-1 alpha-2 code`,
        "context.region",
      );
    }
    return rateFor(context.currency);
  }

  /** One quote per id, in id order; null for a product pricing does not know. */
  async quoteMany(ids: readonly string[]): Promise<(PriceQuote | null)[]> {
    const { store, features, model, vocabulary, guardrails, optimiser } = this.options;
    const known = ids.map((id) => store.product(id));
    const knownIds = known.filter((p) => p !== null).map((p) => p.productId);
    const read = await features.read(productDemandFeatures, knownIds);
    const missing = new Set(read.missing);
    const today = this.options.today();

    const plans: Plan[] = [];
    let k = 0;
    known.forEach((product, index) => {
      if (product === null) return;
      const values = read.values[k++] as ProductDemandFeatures;
      const lastPriceMinor = values.lastPriceMinor > 0 ? values.lastPriceMinor : null;
      const window = guardrails.window({
        listMinor: product.listMinor,
        costMinor: product.costMinor,
        lastPriceMinor,
      });
      const modelled = model !== null && vocabulary !== null && !missing.has(product.productId);
      const candidates = modelled
        ? optimiser.candidates(window, product.listMinor, lastPriceMinor)
        : [window.clamp(product.listMinor)];
      const rows: DemandRow[] = [];
      if (modelled) {
        const drivers = demandDrivers(values, today);
        const productIndex = vocabulary.product(product.productId);
        const categoryIndex = vocabulary.category(product.categoryId);
        // The list price is always evaluated too: the reasons compare with demand at list.
        for (const price of [...candidates, product.listMinor]) {
          rows.push({
            productIndex,
            categoryIndex,
            logPriceRatio: Math.log(price / product.listMinor),
            drivers,
          });
        }
      }
      plans.push({ index, ...product, features: values, lastPriceMinor, candidates, rows, modelled });
    });

    const allRows = plans.flatMap((plan) => plan.rows);
    const predictions: (DemandPrediction | Error)[] =
      model === null || allRows.length === 0 ? [] : await model.predictBatch(allRows);
    const modelFailed = predictions.some((p) => p instanceof Error);
    if (modelFailed)
      this.options.log.warn({ rows: allRows.length }, "pricing model failed; falling back to list prices");

    const quotes: (PriceQuote | null)[] = ids.map(() => null);
    let offset = 0;
    for (const plan of plans) {
      const own = predictions.slice(offset, offset + plan.rows.length);
      offset += plan.rows.length;
      quotes[plan.index] = this.#decide(plan, own, read.degraded || modelFailed);
    }
    return quotes;
  }

  #decide(plan: Plan, predictions: readonly (DemandPrediction | Error)[], degraded: boolean): PriceQuote {
    const { guardrails, optimiser, model } = this.options;
    const window = guardrails.window({
      listMinor: plan.listMinor,
      costMinor: plan.costMinor,
      lastPriceMinor: plan.lastPriceMinor,
    });
    const usable =
      plan.modelled &&
      predictions.length === plan.rows.length &&
      predictions.every((p) => !(p instanceof Error));
    if (!usable) {
      const offeredMinor = window.clamp(plan.listMinor);
      const binding = window.bindingAt(offeredMinor);
      const reason = explainPrice(this.#reasonInput(plan, offeredMinor, 0, binding));
      return {
        productId: plan.productId,
        listMinor: plan.listMinor,
        offeredMinor,
        reasonCode: degraded ? "FALLBACK" : reason.code,
        reason: degraded ? "features or model unavailable: list price within the guardrails" : reason.text,
        guardrails: binding,
        elasticity: null,
        expectedDailyDemand: null,
        modelVersion: "none",
        degraded,
      };
    }
    const outcomes = plan.candidates.map((priceMinor, i) => ({
      priceMinor,
      demandPerDay: (predictions[i] as DemandPrediction).demandPerDay,
    }));
    const atList = predictions[plan.rows.length - 1] as DemandPrediction;
    const stockLevel = plan.features.stockLevel >= 0 ? plan.features.stockLevel : null;
    const choice = optimiser.choose({
      listMinor: plan.listMinor,
      costMinor: plan.costMinor,
      stockLevel,
      outcomes,
    });
    const binding = window.bindingAt(choice.priceMinor);
    const reason = explainPrice(this.#reasonInput(plan, choice.priceMinor, atList.demandPerDay, binding));
    return {
      productId: plan.productId,
      listMinor: plan.listMinor,
      offeredMinor: choice.priceMinor,
      reasonCode: reason.code,
      reason: reason.text,
      guardrails: binding,
      elasticity: atList.elasticity,
      expectedDailyDemand: choice.demandPerDay,
      modelVersion: model === null ? "none" : `${model.name}@${model.version}`,
      degraded,
    };
  }

  #reasonInput(plan: Plan, offeredMinor: number, demandAtList: number, binding: Guardrail[]) {
    const f = plan.features;
    const trend =
      f.regularUnitsPerDay7 < 0 || f.regularUnitsPerDay28 < 0
        ? 0
        : Math.log(f.regularUnitsPerDay7 + 0.1) - Math.log(f.regularUnitsPerDay28 + 0.1);
    return {
      listMinor: plan.listMinor,
      offeredMinor,
      lastPriceMinor: plan.lastPriceMinor,
      stockLevel: f.stockLevel >= 0 ? f.stockLevel : null,
      demandAtList,
      trend,
      unitsPerDay: Math.max(0, f.regularUnitsPerDay28),
      binding,
      clearanceCoverDays: this.options.clearanceCoverDays,
    };
  }

  /** A USD quote in the asked currency (the rate from checkContext). */
  present(quote: PriceQuote, currency: string, rate: number): ProductPriceType {
    const list = convertMinor(quote.listMinor, rate);
    const offered = convertMinor(quote.offeredMinor, rate);
    return {
      listPrice: toMoney(list, currency),
      offeredPrice: toMoney(offered, currency),
      currency,
      discountPercent: Math.round((1 - quote.offeredMinor / quote.listMinor) * 10_000) / 100,
      reasonCode: quote.reasonCode,
      reason: quote.reason,
      guardrails: quote.guardrails,
      elasticity: quote.elasticity,
      expectedDailyDemand: quote.expectedDailyDemand,
      modelVersion: quote.modelVersion,
      degraded: quote.degraded,
    };
  }
}
