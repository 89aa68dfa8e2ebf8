export * from "./activity.features.ts";
export * from "./activity.store.ts";
export * from "./event-stream.ts";
export * from "./feature-updater.ts";
export {
  EventsService,
  FUTURE_TOLERANCE_MS,
  MAX_EVENTS_PER_CALL,
  type EventInput,
  type RecordEventsResult,
  type RejectedEvent,
} from "./events.service.ts";
export { behaviourEnvShape, createBehaviour, type Behaviour } from "./behaviour.setup.ts";
