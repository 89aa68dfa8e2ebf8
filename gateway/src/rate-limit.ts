import {
  isServiceScope,
  rateLimitRejections,
  redisCall,
  redisClient,
  type Identity,
  type Logger,
  type Redis,
} from "@aisle/kit";

/** A token bucket: holds up to `capacity` tokens, refilled continuously at `refillPerSecond`; a request takes one. */
export interface BucketRule {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  /** Whole tokens left after this request. */
  readonly remaining: number;
  /** When refused: seconds until one token is back (at least 1). 0 when allowed. */
  readonly retryAfterSeconds: number;
}

/** Where buckets live. Implementations take one token atomically per call. */
export interface RateLimitStore {
  take(key: string, rule: BucketRule): Promise<RateDecision>;
  close(): Promise<void>;
}

function decide(tokens: number, rule: BucketRule): { tokens: number; decision: RateDecision } {
  if (tokens >= 1) {
    return {
      tokens: tokens - 1,
      decision: { allowed: true, remaining: Math.floor(tokens - 1), retryAfterSeconds: 0 },
    };
  }
  const retryAfterSeconds = Math.max(1, Math.ceil((1 - tokens) / rule.refillPerSecond));
  return { tokens, decision: { allowed: false, remaining: 0, retryAfterSeconds } };
}

/**
 * Buckets in this process's memory: the embedded default, exact for one gateway process. Bounded: past
 * `maxKeys` the least recently used buckets are dropped (a dropped bucket starts full again).
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(private readonly options: { readonly maxKeys?: number; readonly nowMs?: () => number } = {}) {}

  async take(key: string, rule: BucketRule): Promise<RateDecision> {
    const now = (this.options.nowMs ?? Date.now)();
    const bucket = this.#buckets.get(key);
    const elapsedSeconds = bucket === undefined ? 0 : Math.max(0, now - bucket.atMs) / 1000;
    const current =
      bucket === undefined
        ? rule.capacity
        : Math.min(rule.capacity, bucket.tokens + elapsedSeconds * rule.refillPerSecond);
    const { tokens, decision } = decide(current, rule);
    this.#buckets.delete(key); // re-inserted last: Map order is then least-recently-used first
    this.#buckets.set(key, { tokens, atMs: now });
    const maxKeys = this.options.maxKeys ?? 100_000;
    for (const oldest of this.#buckets.keys()) {
      if (this.#buckets.size <= maxKeys) break;
      this.#buckets.delete(oldest);
    }
    return decision;
  }

  async close(): Promise<void> {
    this.#buckets.clear();
  }
}

/**
 * One atomic token-bucket step in Redis. Time comes from the Redis server (TIME), so gateway replicas with
 * skewed clocks share one consistent bucket. The hash expires once it would be full again.
 * Returns {allowed 0|1, whole tokens left, ms until one token is back}.
 */
const TAKE_TOKEN_LUA = `
local capacity = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
tokens = math.min(capacity, tokens + math.max(0, now - at) * per_ms)
local allowed = 0
local wait_ms = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait_ms = math.ceil((1 - tokens) / per_ms)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / per_ms) + 1000)
return {allowed, math.floor(tokens), wait_ms}
`;

type RedisWithTakeToken = Redis & {
  aisleTakeToken(key: string, capacity: number, perMs: number): Promise<[number, number, number]>;
};

export interface RedisStoreOptions {
  readonly url: string;
  readonly prefix: string;
  /** Upper bound on one limiter call; past it the request is let through. */
  readonly timeoutMs: number;
  readonly log: Logger;
}

const ALLOW_ON_FAILURE: RateDecision = Object.freeze({ allowed: true, remaining: 0, retryAfterSeconds: 0 });

/**
 * Buckets in Redis, shared by every gateway replica. Fails open: when Redis is down, slow or refusing, the
 * request is allowed within `timeoutMs` (the kit's Redis policy: no offline queue, one command timeout, each
 * call bounded by `redisCall`) and a warning is logged at most every 10 s. Rate limiting protects capacity;
 * it must never take the API down with it.
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly #redis: RedisWithTakeToken;
  #lastWarningMs = 0;

  constructor(private readonly options: RedisStoreOptions) {
    const redis = redisClient({
      url: options.url,
      name: "rate-limit",
      log: options.log,
      commandTimeoutMs: options.timeoutMs,
      connectTimeoutMs: Math.max(1_000, options.timeoutMs),
      keyPrefix: options.prefix,
    });
    redis.defineCommand("aisleTakeToken", { numberOfKeys: 1, lua: TAKE_TOKEN_LUA });
    this.#redis = redis as RedisWithTakeToken;
  }

  async take(key: string, rule: BucketRule): Promise<RateDecision> {
    try {
      const [allowed, remaining, waitMs] = await redisCall(
        this.#redis.aisleTakeToken(key, rule.capacity, rule.refillPerSecond / 1000),
        this.options.timeoutMs,
        "rate limiter",
      );
      return allowed === 1
        ? { allowed: true, remaining, retryAfterSeconds: 0 }
        : { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    } catch (error) {
      this.#warn(error, "rate limiter unavailable; letting the request through");
      return ALLOW_ON_FAILURE;
    }
  }

  #warn(error: unknown, message: string): void {
    const now = Date.now();
    if (now - this.#lastWarningMs < 10_000) return;
    this.#lastWarningMs = now;
    this.options.log.warn({ err: error }, message);
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }
}

/** Callers are limited by class: services get more than people, anonymous callers least. */
export type CallerClass = "anonymous" | "user" | "service";

export function callerClassOf(identity: Identity): CallerClass {
  if (identity.scopes.some(isServiceScope)) return "service";
  return identity.userId === null ? "anonymous" : "user";
}

export interface RateLimitVerdict extends RateDecision {
  readonly callerClass: CallerClass;
  readonly limit: number;
}

/**
 * Per-caller limits: one bucket per user id (signed in) or per client IP (anonymous), with the rule of the
 * caller's class. `perMinute` is both the sustained rate and the burst.
 */
export class RateLimiter {
  readonly #rules: Record<CallerClass, BucketRule>;

  constructor(
    private readonly store: RateLimitStore,
    readonly perMinute: Readonly<Record<CallerClass, number>>,
  ) {
    const rule = (n: number): BucketRule => ({ capacity: n, refillPerSecond: n / 60 });
    this.#rules = {
      anonymous: rule(perMinute.anonymous),
      user: rule(perMinute.user),
      service: rule(perMinute.service),
    };
  }

  async check(identity: Identity, clientIp: string): Promise<RateLimitVerdict> {
    const callerClass = callerClassOf(identity);
    const subject = identity.userId === null ? `ip:${clientIp}` : `user:${identity.userId}`;
    const decision = await this.store.take(`${callerClass}:${subject}`, this.#rules[callerClass]);
    if (!decision.allowed) rateLimitRejections.inc({ caller_class: callerClass });
    return { ...decision, callerClass, limit: this.perMinute[callerClass] };
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
