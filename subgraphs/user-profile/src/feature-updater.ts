import type { Logger } from "@aisle/kit";
import type { ProductFacts } from "./activity.features.ts";
import type { ActivityStore } from "./activity.store.ts";
import { TRIMMED, type EventStream } from "./event-stream.ts";

export interface FeatureUpdaterOptions {
  /** Consumer name in the group; a restarted updater with the same name picks up what it left pending. */
  readonly consumer: string;
  /** Most events per batch. Default 256. */
  readonly batchSize?: number;
  /** How long one read waits for new events. Default 200 ms. */
  readonly blockMs?: number;
  readonly log: Logger;
  readonly now?: () => number;
}

export interface FeatureUpdaterStats {
  readonly batches: number;
  readonly applied: number;
  /** Redeliveries of events already applied (skipped by event id). */
  readonly duplicates: number;
  readonly failures: number;
  /** Event-to-feature latency (accepted → written), ms, over the last 10,000 events. */
  readonly latencyP50Ms: number | null;
  readonly latencyP99Ms: number | null;
}

const LATENCY_SAMPLES = 10_000;

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

/**
 * Consumes the event stream and keeps users' activity features up to date: read a batch (own pending first),
 * fold it into the records (idempotent by event id), write them, then ack. A crash anywhere before the ack
 * leaves the batch pending, so it is applied again on restart and the id window makes that a no-op.
 */
export class FeatureUpdater {
  readonly #latencies: number[] = [];
  #stats = { batches: 0, applied: 0, duplicates: 0, failures: 0 };
  #running: Promise<void> | undefined;
  #stopping = false;
  readonly #now: () => number;

  constructor(
    private readonly stream: EventStream,
    private readonly activity: ActivityStore,
    private readonly facts: (productId: string) => ProductFacts | null,
    private readonly options: FeatureUpdaterOptions,
  ) {
    this.#now = options.now ?? Date.now;
  }

  get stats(): FeatureUpdaterStats {
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    return { ...this.#stats, latencyP50Ms: percentile(sorted, 0.5), latencyP99Ms: percentile(sorted, 0.99) };
  }

  resetStats(): void {
    this.#stats = { batches: 0, applied: 0, duplicates: 0, failures: 0 };
    this.#latencies.length = 0;
  }

  /** Processes at most one batch; resolves the number of deliveries handled (0 when none came). */
  async runOnce(blockMs = this.options.blockMs ?? 200): Promise<number> {
    const deliveries = await this.stream.read(this.options.consumer, this.options.batchSize ?? 256, blockMs);
    if (deliveries.length === 0) return 0;
    const events = deliveries.map((d) => d.event).filter((e) => e !== TRIMMED);
    const { applied, duplicates } = await this.activity.apply(events, this.facts, this.#now());
    const written = this.#now();
    await this.stream.ack(deliveries.map((d) => d.deliveryId));
    this.#stats.batches += 1;
    this.#stats.applied += applied;
    this.#stats.duplicates += duplicates;
    for (const event of events) {
      this.#latencies.push(written - event.receivedAt);
      if (this.#latencies.length > LATENCY_SAMPLES) this.#latencies.shift();
    }
    return deliveries.length;
  }

  /** Runs in the background until `stop`. A failed batch is retried after a short pause (it stays pending). */
  start(): void {
    if (this.#running !== undefined) return;
    this.#stopping = false;
    this.#running = (async () => {
      while (!this.#stopping) {
        try {
          await this.runOnce();
        } catch (error) {
          this.#stats.failures += 1;
          this.options.log.warn({ err: error }, "feature updater batch failed; retrying");
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#running;
    this.#running = undefined;
  }
}
