import { Authorized, Query, Resolver } from "type-graphql";
import { Rule, Scope } from "@aisle/kit";
import type { BatchedModel } from "@aisle/ml";
import { ModelStatusType } from "./model-status.type.ts";

/** Operational counters: ops tooling, the integration tests and the benchmark read them through GraphQL. */
@Resolver()
export class StatusResolver {
  constructor(private readonly models: readonly BatchedModel<never, unknown>[]) {}

  @Authorized(Rule.scope(Scope.ops))
  @Query(() => [ModelStatusType], {
    nullable: true,
    description: "Run counters of the logistics models (scope service:ops; others get FORBIDDEN).",
  })
  logisticsModels(): ModelStatusType[] {
    return this.models.map((m) => ({ name: m.name, version: m.version, ...m.stats }));
  }
}
