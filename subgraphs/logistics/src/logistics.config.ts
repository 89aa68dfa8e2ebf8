import { z } from "zod";
import { recalibrationEnvShape } from "./delivery.recalibration.ts";
import { trackingJournalEnvShape } from "./tracking.config.ts";

/** Settings of the logistics subgraph (besides the kit's and @aisle/ml's). */
export const logisticsEnvShape = {
  /** Quantile of the arrival distribution Aisle promises (0.5–0.99). Default 0.9: the calibrated P90 date. */
  LOGISTICS_PROMISE_QUANTILE: z.coerce.number().min(0.5).max(0.99).default(0.9),
  /** Fixed cost of one purchase order in cents, for the economic order quantity. Default 5000 ($50). */
  LOGISTICS_ORDER_COST_MINOR: z.coerce.number().int().positive().default(5_000),
  /** Yearly cost of holding one unit, as a share of its cost. Default 0.25. */
  LOGISTICS_HOLDING_RATE: z.coerce.number().positive().max(5).default(0.25),
  /** Open demo shipments to track (re-dated copies of the last history lanes). Default 2000. */
  LOGISTICS_ACTIVE_SHIPMENTS: z.coerce.number().int().min(0).max(50_000).default(2_000),
  /** Parcels sitting in a hub that add 1.0 to its congestion feature. Default 25. */
  LOGISTICS_HUB_PARCELS_PER_UNIT: z.coerce.number().positive().default(25),
  /** The scan journal: LOGISTICS_DATA_DIR, LOGISTICS_JOURNAL and its Redis (see tracking.config.ts). */
  ...trackingJournalEnvShape,
  /** Request-time recalibration on delivered scans: LOGISTICS_RECALIBRATION_* (see delivery.recalibration.ts). */
  ...recalibrationEnvShape,
};
