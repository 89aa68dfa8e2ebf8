import "reflect-metadata";

export { paymentRiskEnvShape } from "./payment-risk.config.ts";
export {
  riskRedisClient,
  createPaymentRisk,
  paymentRiskSubgraph,
  type PaymentRiskInstance,
  type PaymentRiskOverrides,
} from "./payment-risk.subgraph.ts";
export {
  FEATURE_NAMES,
  REASON_TEMPLATES,
  computeFeatures,
  type FeatureInput,
  type FeatureName,
} from "./features.ts";
export {
  MemoryVelocityStore,
  RedisVelocityStore,
  emptySnapshot,
  WINDOWS,
  VELOCITY_ENTITIES,
  SUM_ENTITIES,
  type VelocityEvent,
  type VelocitySnapshot,
  type VelocityStore,
} from "./velocity.store.ts";
export {
  RuleEngine,
  loadRulesConfig,
  actionForScore,
  levelForScore,
  type RulesConfig,
  type Decision,
} from "./rules.ts";
export { containsCardNumber, findCardNumber, luhnValid } from "./card-number.ts";
export {
  FileAssessmentLog,
  RedisAssessmentLog,
  fingerprint,
  type AssessmentLog,
  type AssessmentRecord,
} from "./assessment.log.ts";
export { PaymentRiskService, type AssessPaymentInput } from "./payment-risk.service.ts";
