import "reflect-metadata";
import { resolve } from "node:path";
import {
  buildFederatedSchema,
  instanceContainer,
  parseEnv,
  redisClient,
  redisReady,
  type Logger,
  type Redis,
  type SubgraphDefinition,
  type SubgraphParts,
} from "@aisle/kit";
import { BatchedModel, ModelRegistry, modelOptionsFromEnv } from "@aisle/ml";
import { demoWorld } from "@aisle/world";
import { FileAssessmentLog, RedisAssessmentLog, type AssessmentLog } from "./assessment.log.ts";
import { createPaymentRiskLoaders } from "./loaders.ts";
import { PaymentRiskService } from "./payment-risk.service.ts";
import { RiskAssessmentResolver, toAssessmentType } from "./risk-assessment.resolver.ts";
import { checkSpec, riskModelContract, type ModelOutput } from "./risk-model.ts";
import { loadRulesConfig, RuleEngine } from "./rules.ts";
import { UserRiskResolver } from "./user.resolver.ts";
import { UserRef } from "./user.type.ts";
import { MemoryVelocityStore, RedisVelocityStore, type VelocityStore } from "./velocity.store.ts";
import { paymentRiskEnvShape } from "./payment-risk.config.ts";

/** Everything a payment-risk instance holds; the benchmark and tests reach the service and model through it. */
export interface PaymentRiskInstance extends SubgraphParts {
  readonly service: PaymentRiskService;
  readonly model: BatchedModel<Float32Array, ModelOutput>;
  readonly velocity: VelocityStore;
  readonly assessmentLog: AssessmentLog;
  readonly redis: Redis | null;
}

export interface PaymentRiskOverrides {
  /** Use this Redis client instead of one from REDIS_URL (tests point it at a dead port, then a live one). */
  readonly redis?: Redis;
}

/**
 * The payment-risk Redis client: the kit's one Redis policy (fail fast, no offline queue, back-off,
 * throttled warnings) with each command bounded by `timeoutMs`, so answers stay in budget.
 */
export function riskRedisClient(url: string, timeoutMs: number, log: Logger): Redis {
  return redisClient({ url, name: "payment-risk", log, commandTimeoutMs: timeoutMs });
}

/**
 * Waits (boundedly) for the client to connect, so the first requests after start are not degraded. Redis
 * being down at start is not fatal: the subgraph answers degraded and spools until it comes back.
 */
async function readyWithin(redis: Redis, ms: number, log: Logger): Promise<void> {
  if (!(await redisReady(redis, ms)))
    log.warn({ waitedMs: ms }, "payment-risk Redis not reachable at start; answering degraded until it is");
}

export async function createPaymentRisk(
  input: { readonly env: Readonly<Record<string, string | undefined>>; readonly log: Logger },
  overrides: PaymentRiskOverrides = {},
): Promise<PaymentRiskInstance> {
  const config = parseEnv(paymentRiskEnvShape, input.env);
  const rules = new RuleEngine(
    config.RISK_RULES_FILE === undefined ? loadRulesConfig() : loadRulesConfig(config.RISK_RULES_FILE),
  );
  const modelOptions = modelOptionsFromEnv("payment-risk", input.env);
  const registry = await ModelRegistry.load(
    modelOptions.modelsDir === undefined ? {} : { modelsDir: modelOptions.modelsDir },
  );
  checkSpec(registry.spec("payment-risk"));
  const model = await BatchedModel.create(registry, "payment-risk", riskModelContract, modelOptions);
  const dataDir = resolve(config.RISK_DATA_DIR);
  let redis: Redis | null = null;
  let ownsRedis = false;
  let velocity: VelocityStore;
  let assessmentLog: AssessmentLog;
  if (config.RISK_BACKEND === "redis" || overrides.redis !== undefined) {
    redis = overrides.redis ?? riskRedisClient(config.REDIS_URL, config.RISK_REDIS_TIMEOUT_MS, input.log);
    ownsRedis = overrides.redis === undefined;
    await readyWithin(redis, 2_000, input.log);
    velocity = new RedisVelocityStore(redis, {
      prefix: config.RISK_REDIS_PREFIX,
      sumEntities: new Set(config.RISK_VELOCITY_SUM_ENTITIES),
    });
    assessmentLog = new RedisAssessmentLog(redis, {
      prefix: config.RISK_REDIS_PREFIX,
      spoolDir: dataDir,
      timeoutMs: config.RISK_REDIS_TIMEOUT_MS,
      log: input.log,
    });
  } else {
    velocity = new MemoryVelocityStore(10_000, new Set(config.RISK_VELOCITY_SUM_ENTITIES));
    assessmentLog = new FileAssessmentLog(dataDir);
  }
  const service = new PaymentRiskService(demoWorld().users, velocity, model, rules, assessmentLog, {
    velocityTimeoutMs: config.RISK_REDIS_TIMEOUT_MS,
    maxReasons: config.RISK_MAX_REASONS,
    minReasonContribution: config.RISK_MIN_REASON_CONTRIBUTION,
  });
  const loaders = createPaymentRiskLoaders(service);
  const schema = await buildFederatedSchema({
    resolvers: [RiskAssessmentResolver, UserRiskResolver],
    // User is only reached through _entities here; name it so the schema has it.
    orphanedTypes: [UserRef],
    container: instanceContainer([
      new RiskAssessmentResolver(service, loaders),
      new UserRiskResolver(service),
    ]),
    references: {
      RiskAssessment: {
        __resolveReference: async (reference, context) => {
          const record = await context.loaders.get(loaders.assessmentById).load(reference.id);
          return record === null ? null : toAssessmentType(record);
        },
      },
      User: { __resolveReference: (reference) => ({ id: reference.id }) },
    },
  });
  input.log.info(
    { backend: config.RISK_BACKEND, model: model.version, rules: rules.version },
    "payment-risk ready",
  );
  return {
    schema,
    service,
    model,
    velocity,
    assessmentLog,
    redis,
    readiness: [model.readiness()],
    close: async () => {
      await assessmentLog.close();
      await velocity.close();
      await model.close();
      if (ownsRedis) redis?.disconnect();
    },
  };
}

export const paymentRiskSubgraph: SubgraphDefinition = {
  name: "payment-risk",
  defaultPort: 4006,
  create: (input) => createPaymentRisk(input),
};
