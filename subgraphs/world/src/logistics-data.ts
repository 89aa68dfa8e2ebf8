import { CITIES } from "./user-data.ts";

/** A fulfilment centre of the demo world. */
export interface Warehouse {
  /** Stable id, e.g. wh-nj. */
  readonly id: string;
  readonly name: string;
  readonly city: string;
  readonly region: string;
  readonly postalCode: string;
  readonly lat: number;
  readonly lon: number;
  /** Orders it can pick and pack per day; the backlog is expressed as a share of this. */
  readonly dailyCapacity: number;
  /** Relative size: how likely a product is stocked there. */
  readonly size: number;
  /** Orders placed before this UTC hour on a weekday leave the same day. */
  readonly cutoffHourUtc: number;
  /** Mean supplier lead time for replenishment, days. */
  readonly supplierLeadDays: number;
  /** Standard deviation of the supplier lead time, days. */
  readonly supplierLeadSdDays: number;
}

const warehouse = (
  id: string,
  name: string,
  city: string,
  region: string,
  postalCode: string,
  lat: number,
  lon: number,
  dailyCapacity: number,
  size: number,
  supplierLeadDays: number,
  supplierLeadSdDays: number,
): Warehouse => ({
  id,
  name,
  city,
  region,
  postalCode,
  lat,
  lon,
  dailyCapacity,
  size,
  cutoffHourUtc: 20,
  supplierLeadDays,
  supplierLeadSdDays,
});

/** The six fulfilment centres, east to west. */
export const WAREHOUSES: readonly Warehouse[] = [
  warehouse("wh-nj", "Edison DC", "Edison", "NJ", "08817", 40.5187, -74.4121, 90, 1.4, 6, 1.5),
  warehouse("wh-ga", "McDonough DC", "McDonough", "GA", "30253", 33.4473, -84.1469, 70, 1.1, 7, 2),
  warehouse("wh-oh", "Groveport DC", "Groveport", "OH", "43125", 39.8784, -82.8838, 60, 0.9, 6, 1.5),
  warehouse("wh-tx", "Fort Worth DC", "Fort Worth", "TX", "76177", 32.9668, -97.3056, 75, 1.2, 8, 2.5),
  warehouse("wh-ca", "Ontario DC", "Ontario", "CA", "91761", 34.0334, -117.6034, 85, 1.3, 10, 3),
  warehouse("wh-wa", "Kent DC", "Kent", "WA", "98032", 47.3809, -122.2348, 45, 0.7, 9, 2),
];

/** Service levels a carrier may offer, slowest first. */
export const SERVICE_LEVELS = ["ECONOMY", "GROUND", "EXPRESS", "OVERNIGHT"] as const;
export type ServiceLevel = (typeof SERVICE_LEVELS)[number];

export interface Carrier {
  readonly id: string;
  readonly name: string;
  /** Delivers on Saturdays (no carrier delivers on Sundays). */
  readonly deliversSaturday: boolean;
  /** Extra log-transit in the peak season (late November to Christmas). */
  readonly peakSlowdown: number;
  /** How strongly hub congestion slows this carrier (log-transit per unit of congestion). */
  readonly congestionSensitivity: number;
}

export const CARRIERS: readonly Carrier[] = [
  {
    id: "parcelpost",
    name: "ParcelPost",
    deliversSaturday: true,
    peakSlowdown: 0.3,
    congestionSensitivity: 0.3,
  },
  {
    id: "swiftship",
    name: "SwiftShip",
    deliversSaturday: false,
    peakSlowdown: 0.15,
    congestionSensitivity: 0.18,
  },
  {
    id: "freightly",
    name: "Freightly",
    deliversSaturday: false,
    peakSlowdown: 0.4,
    congestionSensitivity: 0.4,
  },
];

/**
 * One carrier's service on every lane: the TRUE median transit (pickup to doorstep, in days) is
 * `(baseDays + daysPer1000Km · km / 1000) · exp(peak + congestion)` plus `heavyDays` above 20 kg, with a
 * lognormal spread `sigma`. The published promise is `promiseBaseDays + promisePer1000Km · km / 1000`
 * business days after dispatch, rounded up.
 */
export interface CarrierService {
  readonly carrierId: string;
  readonly service: ServiceLevel;
  readonly baseDays: number;
  readonly daysPer1000Km: number;
  readonly sigma: number;
  readonly heavyDays: number;
  /** Longest lane served, km. */
  readonly maxKm: number;
  /** Heaviest parcel accepted, kg. */
  readonly maxKg: number;
  readonly promiseBaseDays: number;
  readonly promisePer1000Km: number;
  /** Price: base + per kg + per 1000 km, in US cents. */
  readonly costBaseMinor: number;
  readonly costPerKgMinor: number;
  readonly costPer1000KmMinor: number;
}

const service = (
  carrierId: string,
  level: ServiceLevel,
  baseDays: number,
  daysPer1000Km: number,
  sigma: number,
  heavyDays: number,
  maxKm: number,
  maxKg: number,
  promise: readonly [number, number],
  cost: readonly [number, number, number],
): CarrierService => ({
  carrierId,
  service: level,
  baseDays,
  daysPer1000Km,
  sigma,
  heavyDays,
  maxKm,
  maxKg,
  promiseBaseDays: promise[0],
  promisePer1000Km: promise[1],
  costBaseMinor: cost[0],
  costPerKgMinor: cost[1],
  costPer1000KmMinor: cost[2],
});

/** Every carrier service of the demo world. */
export const CARRIER_SERVICES: readonly CarrierService[] = [
  service("parcelpost", "ECONOMY", 2.2, 1.3, 0.35, 0.8, 6000, 30, [3, 1.2], [399, 40, 150]),
  service("parcelpost", "GROUND", 1.4, 0.9, 0.28, 0.5, 6000, 30, [2, 0.9], [599, 60, 200]),
  service("parcelpost", "EXPRESS", 0.9, 0.35, 0.22, 0.3, 6000, 30, [1, 0.4], [1299, 90, 300]),
  service("swiftship", "GROUND", 1.2, 0.8, 0.2, 0.3, 6000, 40, [2, 0.8], [699, 55, 250]),
  service("swiftship", "EXPRESS", 0.8, 0.3, 0.16, 0.2, 6000, 40, [1, 0.3], [1499, 80, 350]),
  service("swiftship", "OVERNIGHT", 0.55, 0.1, 0.14, 0.1, 6000, 20, [1, 0], [2999, 120, 500]),
  service("freightly", "ECONOMY", 2.0, 1.5, 0.45, 0.2, 4500, 70, [4, 1.4], [299, 25, 120]),
  service("freightly", "GROUND", 1.6, 1.0, 0.33, 0.1, 4500, 70, [3, 1.0], [499, 35, 160]),
];

/** ZIP areas with no carrier service from the warehouses (off the contiguous US, military mail). */
const UNSERVED_ZIP3: readonly (readonly [number, number, string])[] = [
  [0, 5, "is not an assigned ZIP area"],
  [6, 9, "is in Puerto Rico or the US Virgin Islands, which the warehouses do not ship to"],
  [90, 99, "is a military (APO/FPO) address, which the carriers do not serve"],
  [340, 340, "is a military (APO/FPO) address, which the carriers do not serve"],
  [962, 966, "is a military (APO/FPO) address, which the carriers do not serve"],
  [967, 969, "is in Hawaii or the Pacific territories, which the warehouses do not ship to"],
  [995, 999, "is in Alaska, which the warehouses do not ship to"],
];

/**
 * Known ZIP3 centroids (from the world's cities and the warehouses). A ZIP3 not listed takes the nearest
 * listed one with the same first digit: ZIP prefixes are assigned geographically, so that is a fair guess.
 */
const ZIP3_CENTROIDS: ReadonlyMap<number, readonly [number, number]> = (() => {
  const map = new Map<number, readonly [number, number]>();
  for (const c of CITIES) map.set(Math.floor(c.zipFrom / 100), [c.lat, c.lon]);
  for (const w of WAREHOUSES) map.set(Math.floor(Number(w.postalCode) / 100), [w.lat, w.lon]);
  const extra: readonly (readonly [number, number, number])[] = [
    [40, 43.66, -70.26], // Portland ME
    [50, 44.48, -73.21], // Burlington VT
    [30, 42.99, -71.46], // Manchester NH
    [290, 34.0, -81.03], // Columbia SC
    [350, 33.52, -86.8], // Birmingham AL
    [390, 32.3, -90.18], // Jackson MS
    [500, 41.59, -93.62], // Des Moines IA
    [570, 43.54, -96.73], // Sioux Falls SD
    [580, 46.88, -96.79], // Fargo ND
    [590, 45.78, -108.5], // Billings MT
    [660, 37.69, -97.34], // Wichita KS
    [720, 34.75, -92.29], // Little Rock AR
    [730, 35.47, -97.52], // Oklahoma City OK
    [820, 41.14, -104.82], // Cheyenne WY
    [830, 43.62, -116.2], // Boise ID
    [250, 38.35, -81.63], // Charleston WV
  ];
  for (const [zip3, lat, lon] of extra) map.set(zip3, [lat, lon]);
  return map;
})();
const KNOWN_ZIP3 = [...ZIP3_CENTROIDS.keys()].sort((a, b) => a - b);

/** Where a US ZIP code is, or why it cannot be served. */
export type ZipLocation =
  | {
      readonly served: true;
      readonly zip3: number;
      readonly lat: number;
      readonly lon: number;
      readonly region: number;
    }
  | { readonly served: false; readonly reason: string };

/** Locates a 5-digit US ZIP (the first three digits decide). */
export function locateUsZip(zip: string): ZipLocation {
  const zip3 = Math.floor(Number(zip.slice(0, 5)) / 100);
  for (const [from, to, why] of UNSERVED_ZIP3) {
    if (zip3 >= from && zip3 <= to) return { served: false, reason: `ZIP ${zip.slice(0, 5)} ${why}` };
  }
  let best = KNOWN_ZIP3[0] as number;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const known of KNOWN_ZIP3) {
    if (Math.floor(known / 100) !== Math.floor(zip3 / 100)) continue;
    const distance = Math.abs(known - zip3);
    if (distance < bestDistance) {
      best = known;
      bestDistance = distance;
    }
  }
  const [lat, lon] = ZIP3_CENTROIDS.get(best) as readonly [number, number];
  return { served: true, zip3, lat, lon, region: Math.floor(zip3 / 100) };
}

/** Great-circle distance in km, times 1.2 for roads. */
export function roadKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 1.2 * 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(a)));
}
