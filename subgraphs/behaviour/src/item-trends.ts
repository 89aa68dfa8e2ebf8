import type { Logger } from "@aisle/kit";
import { EVENT_WEIGHTS, type ActivityEvent, type EventType } from "./activity.features.ts";
import { TRIMMED, type EventStream } from "./event-stream.ts";

/** Weight of an event in the item trends: a purchase says more than a view. Searches count nothing. */
export function trendWeight(type: EventType): number {
  return type === "search" ? 0 : EVENT_WEIGHTS[type];
}

/**
 * Time-decayed interaction counts per item: every event adds its weight × 2^(−age / half-life). Kept in log₂
 * space relative to no reference time (log₂ Σ wᵢ·2^(tᵢ/h)), so it never overflows or underflows and an item's
 * order against another never depends on "now": decaying every count by the same factor changes no ranking.
 * `score` turns it into a count as of `now`. Events may arrive in any order.
 */
export class DecayedCounts {
  readonly #log2 = new Map<string, number>();
  #version = 0;

  constructor(readonly halfLifeMs: number) {
    if (!(halfLifeMs > 0)) throw new Error("half-life must be positive");
  }

  /** Bumped at every change (for caches of sorted views). */
  get version(): number {
    return this.#version;
  }

  get size(): number {
    return this.#log2.size;
  }

  add(id: string, weight: number, at: number): void {
    if (!(weight > 0)) return;
    const term = Math.log2(weight) + at / this.halfLifeMs;
    const current = this.#log2.get(id);
    if (current === undefined) this.#log2.set(id, term);
    else {
      const high = Math.max(current, term);
      this.#log2.set(id, high + Math.log2(2 ** (current - high) + 2 ** (term - high)));
    }
    this.#version += 1;
  }

  /** The decayed count of an item as of `now` (0 for an item never seen). */
  score(id: string, now: number): number {
    const value = this.#log2.get(id);
    return value === undefined ? 0 : 2 ** (value - now / this.halfLifeMs);
  }

  /** Items by decayed count, highest first (ties by id), with their log₂ value. */
  ranked(): { id: string; log2: number }[] {
    return [...this.#log2.entries()]
      .map(([id, log2]) => ({ id, log2 }))
      .sort((a, b) => b.log2 - a.log2 || (a.id < b.id ? -1 : 1));
  }
}

export interface FollowOptions {
  /** Pause between polls once caught up, ms. Default 200. */
  readonly everyMs?: number;
  /** Entries per page. Default 1000. */
  readonly pageSize?: number;
  readonly log?: Logger;
}

/**
 * Tails an event stream without consuming it (range reads after a cursor, so the feature updater's consumer
 * group is untouched) and hands every new event to `onEvents`. `stream` is asked at each poll, so a process whose
 * stream is replaced (an embedded user-profile restarted) starts again from the new stream's beginning.
 * Returns a stop function.
 */
export function followEventStream(
  stream: () => EventStream | null,
  onEvents: (events: readonly ActivityEvent[]) => void,
  options: FollowOptions = {},
): () => Promise<void> {
  const everyMs = options.everyMs ?? 200;
  const pageSize = options.pageSize ?? 1_000;
  let cursor: string | null = null;
  let current: EventStream | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let lastWarning = 0;
  const poll = async (): Promise<void> => {
    const source = stream();
    if (source !== current) [current, cursor] = [source, null];
    if (source === null) return;
    for (let pages = 0; pages < 20 && !stopped; pages++) {
      const page = await source.range(cursor, pageSize);
      if (page.deliveries.length === 0) return;
      cursor = page.next;
      onEvents(page.deliveries.map((d) => d.event).filter((event) => event !== TRIMMED));
      if (page.deliveries.length < pageSize) return;
    }
  };
  const loop = () => {
    if (stopped) return;
    running = poll()
      .catch((error: unknown) => {
        if (Date.now() - lastWarning > 10_000) {
          lastWarning = Date.now();
          options.log?.warn({ err: error }, "event stream tail failed; retrying");
        }
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, everyMs);
      });
  };
  loop();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
