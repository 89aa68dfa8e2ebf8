import { defineLoader, type LoaderSpec } from "@aisle/kit";
import type { AssessmentRecord } from "./assessment.log.ts";
import type { PaymentRiskService } from "./payment-risk.service.ts";

export interface PaymentRiskLoaders {
  readonly assessmentById: LoaderSpec<string, AssessmentRecord>;
}

/** Loader specs over one service; each request instantiates its own loaders from them. */
export function createPaymentRiskLoaders(service: PaymentRiskService): PaymentRiskLoaders {
  return {
    assessmentById: defineLoader("paymentRisk.assessmentById", (ids) => service.assessmentsByIds(ids), {
      maxBatchSize: 500,
    }),
  };
}
