export type {
  Brand,
  Category,
  GeoLocation,
  Money,
  Product,
  ProductAttribute,
  User,
  World,
  WorldOptions,
} from "./types.ts";
export type { Rng } from "./rng.ts";
export { createRng, hashString, streamFor } from "./rng.ts";
export { slugify } from "./slug.ts";
export { DEFAULT_WORLD_OPTIONS, demoWorld, generateWorld } from "./world.ts";
export type {
  CategoryDemandTruth,
  DepartmentSeason,
  Market,
  MarketDay,
  MarketState,
  ProductEconomics,
} from "./market.ts";
export {
  MARKET_HISTORY_DAYS,
  MARKET_HISTORY_START,
  REGULAR_PRICE_RATIO,
  dayOfYear,
  demoMarket,
  isWeekend,
  marketFor,
} from "./market.ts";
export type { PaymentEvent, PaymentHistoryOptions, PaymentPattern } from "./payments.ts";
export { DEFAULT_PAYMENT_HISTORY, DISPOSABLE_EMAIL_DOMAINS, generatePayments } from "./payments.ts";
export type {
  Behaviour,
  BehaviourContext,
  BehaviourEvent,
  BehaviourEventType,
  UserTaste,
} from "./behaviour.ts";
export {
  BEHAVIOUR_EVENT_TYPES,
  BEHAVIOUR_UNTIL,
  NEW_USER_SHARE,
  behaviourFor,
  demoBehaviour,
} from "./behaviour.ts";
export type { Carrier, CarrierService, ServiceLevel, Warehouse, ZipLocation } from "./logistics-data.ts";
export {
  CARRIERS,
  CARRIER_SERVICES,
  SERVICE_LEVELS,
  WAREHOUSES,
  locateUsZip,
  roadKm,
} from "./logistics-data.ts";
export type { Lane, Logistics, ProductLogistics, Shipment, WarehouseStock } from "./logistics.ts";
export {
  HEAVY_KG,
  addBusinessDays,
  carrierPromiseDate,
  demoLogistics,
  logisticsFor,
  nominalDispatchDay,
  peakSeason,
  peakSeasonAt,
  weekdayOf,
} from "./logistics.ts";
