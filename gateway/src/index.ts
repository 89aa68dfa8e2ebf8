export { startGateway, type StartGatewayOptions } from "./gateway.ts";
export { loadGatewayConfig, urlVariableFor, type GatewayConfig } from "./config.ts";
export {
  signToken,
  devSigningKey,
  DEV_KEY_ID,
  DEV_PRIVATE_KEY_FILE,
  type TokenClaims,
  type SigningKey,
} from "./dev-token.ts";
export { DEV_PUBLIC_KEY_FILE } from "./config.ts";
export { TokenVerifier, createTokenVerifier, InvalidTokenError, scopesFrom } from "./token-verifier.ts";
export {
  MemoryRateLimitStore,
  RedisRateLimitStore,
  RateLimiter,
  callerClassOf,
  type RateLimitStore,
  type BucketRule,
  type RateDecision,
} from "./rate-limit.ts";
export {
  contractSchema,
  outsideContract,
  partnerContractPlugin,
  taggedCoordinates,
  type PartnerContractOptions,
} from "./partner-contract.ts";
