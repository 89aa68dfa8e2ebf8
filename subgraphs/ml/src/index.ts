// @aisle/ml: the model and feature platform shared by the subgraphs that serve models (pricing, payment-risk,
// recommendation, ...). See README.md for the API, the model.json / manifest format and the configuration.
export {
  TENSOR_TYPES,
  DEFAULT_MODELS_DIR,
  modelSpecSchema,
  manifestSchema,
  readManifest,
  readModelSpec,
  buildManifest,
  type TensorType,
  type TensorSpec,
  type ModelSpec,
  type ModelManifest,
} from "./manifest.ts";
export {
  ModelRegistry,
  ModelLoadError,
  compareSignature,
  sessionOptionsFor,
  type ModelRegistryOptions,
  type SessionThreadOptions,
  type VerifiedModel,
} from "./model-registry.ts";
export {
  float32Rows,
  int64Rows,
  rowOf,
  rowWidth,
  selectRows,
  zeroTensor,
  type TensorArray,
  type TensorArrays,
  type TensorData,
  type Feeds,
} from "./tensors.ts";
export {
  BatchedModel,
  checkFeedRows,
  type BatchedModelOptions,
  type InferenceContract,
  type InferenceStats,
  type HasLoaders,
} from "./batched-model.ts";
export { InThreadRunner, PoolRunner, type SessionRunner, type PoolRunnerOptions } from "./session-runner.ts";
export {
  defineFeatureSet,
  type FeatureValue,
  type FeatureField,
  type FeatureSetDefinition,
  type FeatureSet,
  type FeatureValuesOf,
} from "./feature-set.ts";
export {
  MemoryFeatureBackend,
  RedisFeatureBackend,
  type FeatureBackend,
  type RedisFeatureBackendOptions,
} from "./feature-backends.ts";
export {
  FeatureStore,
  featureWriteBoundMs,
  type BuildState,
  type FeatureRead,
  type FeatureReadOne,
  type FeatureStoreOptions,
  type FeatureStoreStats,
} from "./feature-store.ts";
export {
  featureStoreEnvShape,
  mlEnvShape,
  featureStoreConfigFromEnv,
  createFeatureStore,
  modelOptionsFromEnv,
  type FeatureStoreConfig,
} from "./config.ts";
export {
  platformTestContract,
  type PlatformTestRow,
  type PlatformTestResult,
} from "./platform-test.model.ts";
