export * from "./activity.features.ts";
export * from "./activity.store.ts";
export * from "./event-stream.ts";
export * from "./feature-updater.ts";
export {
  EventsService,
  FUTURE_TOLERANCE_MS,
  ATTRIBUTABLE_TYPES,
  MAX_EVENTS_PER_CALL,
  type EventInput,
  type RecordEventsResult,
  type RejectedEvent,
} from "./events.service.ts";
export {
  behaviourEnvShape,
  createBehaviour,
  eventStreamEnvShape,
  eventStreamReader,
  type Behaviour,
} from "./behaviour.setup.ts";
export {
  ATTRIBUTION_MAX_AGE_MS,
  AttributionError,
  AttributionTokens,
  attributionEnvShape,
  type AttributionClaim,
} from "./attribution.ts";
export { DecayedCounts, followEventStream, trendWeight, type FollowOptions } from "./item-trends.ts";
export * from "./search-log.ts";
