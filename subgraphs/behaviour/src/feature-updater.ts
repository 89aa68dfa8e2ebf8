import { eventStreamLagSeconds, reconnectDelayMs, type Logger } from "@aisle/kit";
import { userActivityFeatures, type ProductFacts } from "./activity.features.ts";
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
  /** How often the running updater checks that the activity features are built (not lost). Default 1000 ms. */
  readonly checkBuiltEveryMs?: number;
  /** How long a rebuild may hold its lease before another updater may take over. Default 120 s. */
  readonly rebuildLeaseMs?: number;
  /** At most one "still failing" warning per this many ms. Default 10000. */
  readonly warnEveryMs?: number;
}

export interface FeatureUpdaterStats {
  readonly batches: number;
  readonly applied: number;
  /** Redeliveries of events already applied (skipped by event id). */
  readonly duplicates: number;
  readonly failures: number;
  /** Rebuilds of the activity features this updater made (at start, and after the store lost its data). */
  readonly rebuilds: number;
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
 *
 * It also owns the completeness of the features: running, it checks every `checkBuiltEveryMs` that the
 * store's activity set is marked built; when the mark is gone (first start, or a feature Redis that restarted
 * empty) it claims the rebuild, rebuilds every record from the history seed and the event stream, and marks
 * the set built. Until then readers are answered degraded and batches wait (they stay pending).
 */
export class FeatureUpdater {
  readonly #latencies: number[] = [];
  #stats = { batches: 0, applied: 0, duplicates: 0, failures: 0, rebuilds: 0 };
  #lastBuiltCheck = -Infinity;
  #holdsLease = false;
  #failingSince: number | null = null;
  #lastWarning = 0;
  #suppressed = 0;
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
    this.#stats = { batches: 0, applied: 0, duplicates: 0, failures: 0, rebuilds: 0 };
    this.#latencies.length = 0;
  }

  /** Processes at most one batch; resolves the number of deliveries handled (0 when none came). */
  async runOnce(blockMs = this.options.blockMs ?? 200): Promise<number> {
    const deliveries = await this.stream.read(this.options.consumer, this.options.batchSize ?? 256, blockMs);
    if (deliveries.length === 0) {
      eventStreamLagSeconds.set({ stream: "user-activity" }, 0);
      return 0;
    }
    const events = deliveries.map((d) => d.event).filter((e) => e !== TRIMMED);
    const { applied, duplicates } = await this.activity.apply(events, this.facts, this.#now());
    const written = this.#now();
    await this.stream.ack(deliveries.map((d) => d.deliveryId));
    this.#stats.batches += 1;
    this.#stats.applied += applied;
    this.#stats.duplicates += duplicates;
    let lagMs = 0;
    for (const event of events) {
      this.#latencies.push(written - event.receivedAt);
      if (this.#latencies.length > LATENCY_SAMPLES) this.#latencies.shift();
      lagMs = Math.max(lagMs, written - event.receivedAt);
    }
    // How far behind the stream the features are: the oldest event of the batch just applied.
    eventStreamLagSeconds.set({ stream: "user-activity" }, lagMs / 1000);
    return deliveries.length;
  }

  /**
   * Makes sure the activity features are built: when the store says they are not (never built, or lost), and
   * no other updater holds the rebuild, rebuilds them from the seed and the stream and marks them built.
   * Resolves the state found: "built", "rebuilt", or "waiting" (another updater rebuilds, or the store is
   * unavailable).
   */
  async ensureBuilt(): Promise<"built" | "rebuilt" | "waiting"> {
    const store = this.activity.store;
    const state = await store.buildState(userActivityFeatures);
    if (state === "built") return "built";
    // A rebuild of ours that failed half-way still holds the lease: take it up again rather than wait it out.
    const ours = state === "building" && this.#holdsLease;
    if (state !== "absent" && !ours) return "waiting";
    if (!ours && !(await store.claimBuild(userActivityFeatures, this.options.rebuildLeaseMs ?? 120_000)))
      return "waiting";
    this.#holdsLease = true;
    // At this process's first check it is usually a first start; afterwards it means the store lost its data.
    const level = this.#stats.rebuilds === 0 ? "info" : "warn";
    this.options.log[level](
      { consumer: this.options.consumer },
      "activity features are not built (first start, or the feature store lost its data); rebuilding from the event stream",
    );
    const started = this.#now();
    const { users, events } = await this.activity.rebuild(this.stream, this.facts, started);
    await store.markBuilt(userActivityFeatures);
    this.#holdsLease = false;
    this.#stats.rebuilds += 1;
    this.options.log.info({ users, events, ms: this.#now() - started }, "activity features rebuilt");
    return "rebuilt";
  }

  /**
   * Runs in the background until `stop`. A failed batch stays pending and is retried after a back-off
   * (100 ms doubling to 1 s); failures are logged once, then at most every `warnEveryMs`, and the recovery once.
   */
  start(): void {
    if (this.#running !== undefined) return;
    this.#stopping = false;
    this.#running = (async () => {
      let attempt = 0;
      while (!this.#stopping) {
        try {
          if (performance.now() - this.#lastBuiltCheck >= (this.options.checkBuiltEveryMs ?? 1_000)) {
            await this.ensureBuilt();
            this.#lastBuiltCheck = performance.now();
          }
          await this.runOnce();
          attempt = 0;
          this.#recovered();
        } catch (error) {
          this.#stats.failures += 1;
          this.#failed(error);
          await new Promise((resolve) =>
            setTimeout(resolve, reconnectDelayMs(++attempt, { maxBackoffMs: 1_000 })),
          );
        }
      }
    })();
  }

  #failed(error: unknown): void {
    const now = Date.now();
    if (this.#failingSince === null) {
      this.#failingSince = now;
      this.#lastWarning = now;
      this.#suppressed = 0;
      this.options.log.warn({ err: error }, "feature updater batch failed; events stay pending, retrying");
    } else if (now - this.#lastWarning >= (this.options.warnEveryMs ?? 10_000)) {
      this.options.log.warn(
        { err: error, failingForMs: now - this.#failingSince, suppressed: this.#suppressed },
        "feature updater still failing; events stay pending",
      );
      this.#lastWarning = now;
      this.#suppressed = 0;
    } else {
      this.#suppressed += 1;
    }
  }

  #recovered(): void {
    if (this.#failingSince === null) return;
    this.options.log.info({ failedForMs: Date.now() - this.#failingSince }, "feature updater recovered");
    this.#failingSince = null;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#running;
    this.#running = undefined;
  }
}
