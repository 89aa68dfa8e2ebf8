import { z } from "zod";
import { Z, type DeliveryDistribution } from "./delivery.model.ts";

/**
 * Request-time recalibration of the served delivery distribution (models/logistics/CARD.md, "Recalibration at
 * request time"; ADR 0020).
 *
 * The model is calibrated once, when it is trained; delivery times drift after that. This keeps the scores
 * `z = (log t − mu) / sigma` of the last `window` delivered shipments (mu, sigma: the model's answer for that
 * shipment) and serves every new answer through a rolling split-conformal correction on them:
 *
 *   mu' = mu + sigma · q50          (when `centre`; else mu' = mu and q50 is taken as 0)
 *   sigma' = sigma · (qL + offset − q50) / z0.9
 *
 * where q50 is the window's median score and qL its finite-sample-corrected quantile at level L = 0.9, so the
 * P50 and P90 of the answer are those the window's outcomes would have needed. The offset learns from misses
 * (the quantile tracker of conformal PID control, Angelopoulos, Candès & Tibshirani 2023): every outcome that
 * arrives moves it by `step · (missed − 0.1)`, `missed` meaning the parcel arrived after the P90 served when it
 * was ordered. The offset corrects what a window of delivered outcomes
 * cannot see: in a slowdown the slowest recent orders have not arrived yet, so the window describes a faster
 * past. (Moving the level L instead, as adaptive conformal inference does, is capped by the window's largest
 * score and did not keep up in the tests.)
 *
 * With fewer than `minOutcomes` scores the trained calibration is served unchanged.
 */
export interface RecalibrationSettings {
  /** Delivered outcomes kept, the most recent by arrival. 0 turns recalibration off. */
  readonly window: number;
  /** Outcomes needed before the window replaces the trained calibration. */
  readonly minOutcomes: number;
  /** How far one outcome moves the P90's offset, in units of sigma (0: no offset). */
  readonly step: number;
  /** Whether the P50 moves to the window's median score too (else only the P90 is corrected). */
  readonly centre: boolean;
}

/** Settings of the request-time recalibration (part of the logistics settings). */
export const recalibrationEnvShape = {
  /**
   * Delivered outcomes the served distribution is recalibrated on, the most recent by delivery scan; 0 serves
   * the trained calibration only. Default 400.
   */
  LOGISTICS_RECALIBRATION_WINDOW: z.coerce.number().int().min(0).max(100_000).default(400),
  /** Outcomes needed before the window replaces the trained calibration. Default 50. */
  LOGISTICS_RECALIBRATION_MIN_OUTCOMES: z.coerce.number().int().min(1).default(50),
  /** How far one outcome moves the P90's learnt offset, in units of sigma (0: none). Default 0.005. */
  LOGISTICS_RECALIBRATION_STEP: z.coerce.number().min(0).max(1).default(0.005),
  /** Whether the P50 moves to the window's median too (`true`/`false`). Default true. */
  LOGISTICS_RECALIBRATION_CENTRE: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
};

/** The settings `recalibrationEnvShape` parsed to. */
export function recalibrationSettings(config: {
  readonly LOGISTICS_RECALIBRATION_WINDOW: number;
  readonly LOGISTICS_RECALIBRATION_MIN_OUTCOMES: number;
  readonly LOGISTICS_RECALIBRATION_STEP: number;
  readonly LOGISTICS_RECALIBRATION_CENTRE: boolean;
}): RecalibrationSettings {
  return {
    window: config.LOGISTICS_RECALIBRATION_WINDOW,
    minOutcomes: config.LOGISTICS_RECALIBRATION_MIN_OUTCOMES,
    step: config.LOGISTICS_RECALIBRATION_STEP,
    centre: config.LOGISTICS_RECALIBRATION_CENTRE,
  };
}

const DAY_MS = 86_400_000;
const TARGET = 0.9;
/** How long the served P90 scores are remembered: an order older than this is judged against the oldest kept. */
const HISTORY_MS = 365 * DAY_MS;
/** The narrowest spread between the P50 and P90 scores (in units of sigma): a window never collapses it. */
const MIN_SPREAD = 0.05;
/** The largest offset, in units of sigma. */
const OFFSET_BOUND = 3;

/** Index of the first element of `sorted` greater than or equal to `x`. */
function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class DeliveryRecalibrator {
  /** Scores in arrival order (a FIFO of at most `window`) and the same scores sorted. */
  readonly #arrived: number[] = [];
  readonly #sorted: number[] = [];
  #offset = 0;
  /**
   * The P90 score served from each moment on (times ascending, from `#first`), so an outcome is judged
   * against the P90 its order was promised, not today's.
   */
  readonly #servedAt: number[] = [];
  readonly #servedScore: number[] = [];
  #first = 0;

  constructor(readonly settings: RecalibrationSettings) {
    if (!(settings.window >= 0 && settings.minOutcomes >= 1 && settings.step >= 0)) {
      throw new RangeError("recalibration needs window >= 0, minOutcomes >= 1, step >= 0");
    }
  }

  /** Outcomes in the window. */
  get outcomes(): number {
    return this.#arrived.length;
  }

  /** The learnt offset of the P90 score over the window's quantile, in units of sigma. */
  get offset(): number {
    return this.#offset;
  }

  /** True while the trained calibration is served unchanged. */
  get static(): boolean {
    return this.settings.window === 0 || this.#arrived.length < this.settings.minOutcomes;
  }

  /**
   * A delivered shipment: `predicted` is the model's (trained-calibrated, not recalibrated) answer for it,
   * ordered and delivered at those times (epoch ms). Call in order of delivery.
   */
  observe(predicted: DeliveryDistribution, orderedAt: number, deliveredAt: number): void {
    const days = (deliveredAt - orderedAt) / DAY_MS;
    if (this.settings.window === 0 || !(days > 0)) return;
    const score = (Math.log(days) - predicted.mu) / predicted.sigma;
    if (!Number.isFinite(score)) return;
    if (this.settings.step > 0) {
      const missed = score > this.#servedScoreAt(orderedAt) ? 1 : 0;
      // Bounded: with feedback that arrives days late, a large step can otherwise run away.
      this.#offset = Math.min(
        OFFSET_BOUND,
        Math.max(-OFFSET_BOUND, this.#offset + this.settings.step * (missed - (1 - TARGET))),
      );
    }
    this.#arrived.push(score);
    this.#sorted.splice(lowerBound(this.#sorted, score), 0, score);
    if (this.#arrived.length > this.settings.window) {
      const oldest = this.#arrived.shift() as number;
      this.#sorted.splice(lowerBound(this.#sorted, oldest), 1);
    }
    if (this.settings.step > 0) this.#remember(deliveredAt);
  }

  /** The distribution to serve for the model's answer `d`. */
  adjust(d: DeliveryDistribution): DeliveryDistribution {
    if (this.static) return d;
    const q50 = this.settings.centre ? this.#quantile(0.5) : 0;
    const spread = this.#upperScore() - q50;
    return { mu: d.mu + d.sigma * q50, sigma: (d.sigma * spread) / Z.p90 };
  }

  /** The score of the served P90: z0.9 while static, else the window's 0.9 quantile plus the offset. */
  #upperScore(): number {
    if (this.static) return Z.p90;
    const n = this.#sorted.length;
    const q50 = this.settings.centre ? this.#quantile(0.5) : 0;
    // Split conformal's finite-sample correction: the ceil((n + 1) L)-th smallest of n scores.
    const upper = (this.#sorted[Math.min(n, Math.ceil((n + 1) * TARGET)) - 1] as number) + this.#offset;
    return Math.max(upper, q50 + MIN_SPREAD);
  }

  /** Records the P90 score served from `at` on; forgets what is older than HISTORY_MS before it. */
  #remember(at: number): void {
    this.#servedAt.push(Math.max(at, this.#servedAt.at(-1) ?? at));
    this.#servedScore.push(this.#upperScore());
    while (
      this.#first + 1 < this.#servedAt.length &&
      (this.#servedAt[this.#first + 1] as number) < at - HISTORY_MS
    )
      this.#first += 1;
    if (this.#first > 4096 && this.#first * 2 > this.#servedAt.length) {
      this.#servedAt.splice(0, this.#first);
      this.#servedScore.splice(0, this.#first);
      this.#first = 0;
    }
  }

  /** The P90 score served at `at`: the last one recorded before it (z0.9 before any). */
  #servedScoreAt(at: number): number {
    const i = lowerBound(this.#servedAt, at) - 1;
    if (i >= this.#first) return this.#servedScore[i] as number;
    return this.#first > 0 ? (this.#servedScore[this.#first] as number) : Z.p90;
  }

  /** The `p`-quantile of the window's scores (linear interpolation). */
  #quantile(p: number): number {
    const pos = (this.#sorted.length - 1) * p;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    const a = this.#sorted[lo] as number;
    return a + ((this.#sorted[hi] as number) - a) * (pos - lo);
  }
}
