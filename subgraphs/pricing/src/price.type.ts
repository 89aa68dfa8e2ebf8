import { Directive, Field, Float, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { Money, PartnerContract } from "@aisle/kit";
import type { Guardrail } from "./guardrails.strategy.ts";
import type { PriceReasonCode } from "./price-reason.ts";

export const PriceReasonEnum = {
  LIST_PRICE: "LIST_PRICE",
  FALLBACK: "FALLBACK",
  CLEARANCE: "CLEARANCE",
  DEMAND_UP: "DEMAND_UP",
  DEMAND_DOWN: "DEMAND_DOWN",
  PRICE_SENSITIVE: "PRICE_SENSITIVE",
  CHANGE_LIMITED: "CHANGE_LIMITED",
  ABOVE_LIST: "ABOVE_LIST",
} as const satisfies Record<PriceReasonCode, PriceReasonCode>;

registerEnumType(PriceReasonEnum, {
  name: "PriceReason",
  description: "Why the offered price differs from the list price (or that it does not).",
  valuesConfig: {
    LIST_PRICE: { description: "Offered at the list price." },
    FALLBACK: { description: "Features or the model were unavailable: list price within the guardrails." },
    CLEARANCE: { description: "Stock is high for the demand: discounted to sell it through." },
    DEMAND_UP: { description: "Recent demand is rising: the price moves up." },
    DEMAND_DOWN: { description: "Recent demand is falling: discounted." },
    PRICE_SENSITIVE: { description: "Demand is elastic enough that a lower price earns more margin." },
    CHANGE_LIMITED: { description: "The price is moving and the maximum change per day holds it back." },
    ABOVE_LIST: { description: "Above list (only when configured): demand supports it." },
  },
});

export const PriceGuardrailEnum = {
  FLOOR: "FLOOR",
  MAX_DISCOUNT: "MAX_DISCOUNT",
  MAX_CHANGE_PER_DAY: "MAX_CHANGE_PER_DAY",
  CEILING: "CEILING",
} as const satisfies Record<Guardrail, Guardrail>;

registerEnumType(PriceGuardrailEnum, {
  name: "PriceGuardrail",
  description: "A pricing guardrail (configured per deployment).",
  valuesConfig: {
    FLOOR: { description: "Never below cost plus the minimum margin." },
    MAX_DISCOUNT: { description: "Never more than the maximum discount off list." },
    MAX_CHANGE_PER_DAY: { description: "Never more than the maximum change from yesterday's price." },
    CEILING: { description: "Never above the list price (or list plus the configured premium)." },
  },
});

@InputType({ description: "Where and for whom a price is asked." })
export class PriceContext {
  @Field(() => String, {
    description:
      "ISO 4217 currency of the answer: USD, or EUR, GBP, CAD, AUD at fixed demo rates. Others: BAD_USER_INPUT.",
  })
  currency!: string;

  @Field(() => String, {
    description:
      "ISO 3166-1 alpha-2 region of the shopper, e.g. US. Validated; prices do not vary by region yet.",
  })
  region!: string;

  @Field(() => ID, {
    nullable: true,
    description: "The shopper, when known. Accepted for auditing only: prices are never personalised.",
  })
  userId?: string | null;
}

@ObjectType("ProductPrice", { description: "The price Aisle offers for a product now, and why." })
export class ProductPriceType {
  @PartnerContract()
  @Field(() => Money, { description: "The list price, in the asked currency." })
  listPrice!: Money;

  @PartnerContract()
  @Field(() => Money, { description: "The price offered now, in the asked currency." })
  offeredPrice!: Money;

  @PartnerContract()
  @Field(() => String, { description: "ISO 4217 currency of both amounts." })
  currency!: string;

  @PartnerContract()
  @Field(() => Float, { description: "Discount off list in percent (negative above list), e.g. 12.5." })
  discountPercent!: number;

  @PartnerContract()
  @Field(() => PriceReasonEnum, { description: "Why the offered price is what it is." })
  reasonCode!: PriceReasonCode;

  @PartnerContract()
  @Field(() => String, {
    nullable: true,
    description: 'Why it differs from list, for people, e.g. "clearance: stock high"; null at list price.',
  })
  reason!: string | null;

  @PartnerContract()
  @Field(() => [PriceGuardrailEnum], {
    description: "Guardrails that held the offered price at their bound.",
  })
  guardrails!: Guardrail[];

  @Field(() => Float, {
    nullable: true,
    description:
      "The demand model's own-price elasticity for this product (negative); null when not modelled.",
  })
  elasticity!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "Expected units sold per day at the offered price; null when not modelled.",
  })
  expectedDailyDemand!: number | null;

  @Field(() => String, { description: 'The model that priced it, e.g. "pricing@1.0.0", or "none".' })
  modelVersion!: string;

  @PartnerContract()
  @Field(() => Boolean, {
    description:
      "True when a dependency (feature store, model) failed and the price is a fallback or uses stale features.",
  })
  degraded!: boolean;
}

@Directive('@key(fields: "id")')
@ObjectType("Product", {
  description: "Something Aisle sells. Other subgraphs extend it with prices, stock and more.",
})
export class ProductStub {
  @Field(() => ID, { description: "Stable product id, e.g. p-42." })
  id!: string;
}
