import { hostname } from "node:os";
import { z } from "zod";
import { env, parseEnv, type Logger, type ReadinessCheck } from "@aisle/kit";
import { featureStoreEnvShape, type FeatureStore } from "@aisle/ml";
import type { World } from "@aisle/world";
import {
  ActivityStore,
  activityFeatureStore,
  ownsActivityStore,
  worldHistorySeed,
  worldProductFacts,
} from "./activity.store.ts";
import { MemoryEventStream, RedisEventStream, type EventStream } from "./event-stream.ts";
import { AttributionTokens, attributionEnvShape } from "./attribution.ts";
import { EventsService } from "./events.service.ts";
import { FeatureUpdater } from "./feature-updater.ts";

/** Where the event stream is: what the pipeline writes and what readers (recommendation's trends) tail. */
export const eventStreamEnvShape = {
  /** Where accepted events go: an in-process queue (embedded default) or a Redis stream. Default memory. */
  EVENT_STREAM: z.enum(["memory", "redis"]).default("memory"),
  /**
   * Redis of the event stream. It is the system of record of accepted events (the activity features are
   * rebuilt from it), so it must persist (AOF): see the README. Default: REDIS_URL.
   */
  EVENT_STREAM_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .optional(),
  /** Bound on one append to the stream: past it (or with Redis down) recordEvents answers UNAVAILABLE. Default 500 ms. */
  EVENT_STREAM_TIMEOUT_MS: env.positiveInt(500),
  /** Redis stream key. Default aisle:events:behaviour. */
  EVENT_STREAM_KEY: z.string().min(1).default("aisle:events:behaviour"),
};

export const behaviourEnvShape = {
  ...featureStoreEnvShape,
  ...eventStreamEnvShape,
  ...attributionEnvShape,
  /** Consumer name of this process's feature updater; keep it stable across restarts. Default updater-<host>. */
  EVENT_CONSUMER: z.string().min(1).default(`updater-${hostname()}`),
  /** Run the feature updater in this process. Default true. */
  FEATURE_UPDATER: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
  /** In-process cache TTL of user-activity features (Redis store only). Default 250 ms. */
  USER_FEATURE_CACHE_TTL_MS: z.coerce.number().int().min(0).default(250),
};

/**
 * Event ingestion (validation and the stream), the activity store and the feature updater: the behaviour
 * pipeline the user-profile subgraph runs (`recordEvents`) and whose features recommendation reads.
 */
export interface Behaviour {
  readonly events: EventsService;
  readonly activity: ActivityStore;
  readonly updater: FeatureUpdater;
  readonly stream: EventStream;
  readonly store: FeatureStore;
  readonly readiness: readonly ReadinessCheck[];
  close(): Promise<void>;
}

export function createBehaviour(
  source: Readonly<Record<string, string | undefined>>,
  world: World,
  log: Logger,
): Behaviour {
  const config = parseEnv(behaviourEnvShape, source);
  const store = activityFeatureStore(config, config.USER_FEATURE_CACHE_TTL_MS, log);
  const activity = new ActivityStore(store, worldHistorySeed(world));
  const facts = worldProductFacts(world);
  const stream = openEventStream(config, log);
  if (stream instanceof MemoryEventStream) embeddedStreams.set(config.EVENT_STREAM_KEY, stream);
  const userIds = new Set(world.users.map((u) => u.id));
  const tokens = new AttributionTokens(config.AISLE_INTERNAL_SECRET);
  const events = new EventsService(stream, facts, (id) => userIds.has(id), Date.now, log, tokens);
  const updater = new FeatureUpdater(stream, activity, facts, { consumer: config.EVENT_CONSUMER, log });
  if (config.FEATURE_UPDATER) updater.start();
  return {
    events,
    activity,
    updater,
    stream,
    store,
    readiness: config.FEATURE_STORE === "redis" ? [store.readiness()] : [],
    close: async () => {
      await updater.stop();
      if (embeddedStreams.get(config.EVENT_STREAM_KEY) === stream)
        embeddedStreams.delete(config.EVENT_STREAM_KEY);
      await stream.close();
      if (ownsActivityStore(store)) await store.close();
    },
  };
}

type EventStreamConfig = z.infer<z.ZodObject<typeof eventStreamEnvShape>> & { readonly REDIS_URL: string };

function openEventStream(config: EventStreamConfig, log: Logger): EventStream {
  return config.EVENT_STREAM === "redis"
    ? new RedisEventStream({
        url: config.EVENT_STREAM_REDIS_URL ?? config.REDIS_URL,
        key: config.EVENT_STREAM_KEY,
        timeoutMs: config.EVENT_STREAM_TIMEOUT_MS,
        log,
      })
    : new MemoryEventStream();
}

/** The in-process streams of embedded behaviour pipelines of this process, by stream key. */
const embeddedStreams = new Map<string, MemoryEventStream>();

/**
 * A read-only view of the event stream for a reader in another subgraph (recommendation's trends): with Redis
 * its own connections to the stream; embedded, whatever in-process stream the user-profile subgraph of this
 * process has open (null while none is), asked at each read. The caller closes what `close` closes.
 */
export function eventStreamReader(
  source: Readonly<Record<string, string | undefined>>,
  log: Logger,
): { stream: () => EventStream | null; close(): Promise<void> } {
  const config = parseEnv({ ...eventStreamEnvShape, REDIS_URL: featureStoreEnvShape.REDIS_URL }, source);
  if (config.EVENT_STREAM === "redis") {
    const stream = openEventStream(config, log);
    return { stream: () => stream, close: () => stream.close() };
  }
  return { stream: () => embeddedStreams.get(config.EVENT_STREAM_KEY) ?? null, close: async () => {} };
}
