import { Directive, Field, Float, Int, ObjectType } from "type-graphql";
import { PartnerContract } from "./federation.ts";

@Directive("@shareable")
@PartnerContract()
@ObjectType({ description: "An amount of money. Amounts are exact in minor units; `amount` is for display." })
export class Money {
  @Field(() => Int, { description: "Amount in minor units (cents for USD): exact, use this for arithmetic." })
  amountMinor!: number;

  @Field(() => Float, { description: "Amount in major units (dollars for USD), e.g. 129.99." })
  amount!: number;

  @Field(() => String, { description: "ISO 4217 currency code, e.g. USD." })
  currency!: string;

  @Field(() => String, { description: 'The amount formatted for display in en-US, e.g. "$129.99".' })
  formatted!: string;
}

const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string): Intl.NumberFormat {
  let formatter = formatters.get(currency);
  if (formatter === undefined) {
    formatter = new Intl.NumberFormat("en-US", { style: "currency", currency });
    formatters.set(currency, formatter);
  }
  return formatter;
}

export function toMoney(amountMinor: number, currency: string): Money {
  const amount = amountMinor / 100;
  return { amountMinor, amount, currency, formatted: formatterFor(currency).format(amount) };
}
