import {
  badUserInput,
  RedisUnavailableError,
  unavailable,
  type Logger,
  type RequestContext,
} from "@aisle/kit";
import type { BatchedModel, FeatureStore } from "@aisle/ml";
import { WAREHOUSES, carrierPromiseDate, type Logistics, type ServiceLevel } from "@aisle/world";
import { hubCongestionFeatures, hubId, warehouseBacklogFeatures } from "./backlog.features.ts";
import { shipmentRow, type DeliveryRow } from "./delivery.features.ts";
import { cdfDays, type DeliveryDistribution } from "./delivery.model.ts";
import type { DeliveryRecalibrator } from "./delivery.recalibration.ts";
import { normalQuantile } from "./promise.strategy.ts";
import { EventOutcome, ShipmentEventKind, ShipmentStatus } from "./shipment.type.ts";
import type { EventInput, TrackingJournal } from "./tracking.journal.ts";

export type { EventInput } from "./tracking.journal.ts";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Most scans in one call. */
export const MAX_EVENTS_PER_CALL = 500;

export interface AppliedEvent {
  readonly eventId: string;
  readonly kind: ShipmentEventKind;
  readonly at: Date;
  readonly detail: string | null;
  readonly hub: string | null;
}

/** A shipment being tracked. */
export interface TrackedShipment {
  readonly id: string;
  readonly carrierId: string;
  readonly service: ServiceLevel;
  readonly warehouseId: string;
  readonly postalCode: string;
  readonly destRegion: number;
  readonly distanceKm: number;
  readonly weightKg: number;
  readonly quantity: number;
  readonly orderedAt: Date;
  readonly promisedDate: string;
  status: ShipmentStatus;
  readonly events: AppliedEvent[];
  /** The hub it sits in (carrier:region), or null. */
  atHub: string | null;
}

export interface EventResult {
  readonly eventId: string;
  readonly shipmentId: string;
  readonly outcome: EventOutcome;
  readonly reason: string | null;
}

export interface ArrivalEstimate {
  readonly p50Date: string;
  readonly p90Date: string;
  readonly onTimeProbability: number;
  readonly delivered: boolean;
}

interface Checkpoint {
  readonly shipments: readonly {
    shipment: TrackedShipment;
    status: ShipmentStatus;
    atHub: string | null;
    events: number;
  }[];
  readonly hubCounts: ReadonlyMap<string, number>;
}

/** A journal that cannot be reached is UNAVAILABLE (retry later); any other failure passes through. */
function journalFailure(error: unknown): unknown {
  return error instanceof RedisUnavailableError ? unavailable("The shipment journal") : error;
}

const RANK: Readonly<Record<ShipmentStatus, number>> = {
  PLACED: 0,
  PICKED: 1,
  IN_TRANSIT_AT_HUB: 2,
  OUT_FOR_DELIVERY: 3,
  DELIVERED: 4,
};

/**
 * The demo's open shipments: the lanes of the last `count` shipments of the history, re-dated as ordered
 * in the 48 hours before `now` and not yet scanned. Ids t-000001…; deterministic apart from `now`.
 */
export function seedActiveShipments(logistics: Logistics, count: number, now: number): TrackedShipment[] {
  const history = logistics.shipments();
  const cutoff = new Map(WAREHOUSES.map((w) => [w.id, w.cutoffHourUtc]));
  return history.slice(Math.max(0, history.length - count)).flatMap((s, i) => {
    const orderedAt = now - ((i * 7919) % 48) * HOUR_MS - HOUR_MS;
    const cs = logistics.carrierServices.find((c) => c.carrierId === s.carrierId && c.service === s.service);
    if (cs === undefined) return [];
    const shipment: TrackedShipment = {
      id: `t-${String(i + 1).padStart(6, "0")}`,
      carrierId: s.carrierId,
      service: s.service,
      warehouseId: s.warehouseId,
      postalCode: s.postalCode,
      destRegion: s.destRegion,
      distanceKm: s.distanceKm,
      weightKg: s.weightKg,
      quantity: s.quantity,
      orderedAt: new Date(orderedAt),
      promisedDate: carrierPromiseDate(cs, orderedAt, s.distanceKm, cutoff.get(s.warehouseId) ?? 20),
      status: ShipmentStatus.PLACED,
      events: [],
      atHub: null,
    };
    return [shipment];
  });
}

/** Appends that lost to another replica's in a row before a call gives up (UNAVAILABLE; the caller retries). */
const MAX_APPEND_ATTEMPTS = 5;

/**
 * Carrier scans: validated one by one (unknown shipment, reused id, future or pre-order time, out of order,
 * after delivery: rejected with a reason; a replayed eventId: DUPLICATE, nothing changes), the rest applied.
 * Parcels sitting in a hub raise that hub's congestion feature (`baseline + parcels / parcelsPerUnit`),
 * written to the feature store at once, so delivery estimates for new orders through that hub move within
 * the feature cache TTL (immediately in this process).
 *
 * Applied scans are journalled before the mutation answers (`TrackingJournal`); at start the shipments are
 * re-seeded from the journal's anchor and its scans replayed, so a restart loses nothing acknowledged.
 * Everything that changes the state runs one at a time, here. Replicas sharing a journal (Redis) agree:
 * before a call validates its scans and before a read answers, this replica applies what others appended
 * since it last read; an append that finds the journal moved on writes nothing, and the call is validated
 * again on the new state (so a scan id is applied once across replicas, and every replica applies the same
 * scans in the same order). The replica that appends a scan writes the hub features it changes; the others
 * only count it.
 */
export class TrackingService {
  #loaded: Map<string, TrackedShipment> | undefined;
  readonly #eventOwners = new Map<string, string>();
  readonly #hubCounts = new Map<string, number>();
  /** Hubs whose counts a replay rebuilt, not yet written to the feature store. */
  readonly #restoredHubs = new Set<string>();
  /** Scans the last full replay applied. */
  #replayed = 0;
  #queue: Promise<unknown> = Promise.resolve();
  /** A read's catch-up that has not started yet: reads arriving meanwhile share it. */
  #pendingRead: Promise<Map<string, TrackedShipment>> | undefined;

  constructor(
    /** Called on first use with the journal's anchor: seeding generates the shipment history, which need not delay start-up. */
    private readonly seed: (anchor: number) => readonly TrackedShipment[],
    private readonly features: FeatureStore,
    private readonly model: BatchedModel<DeliveryRow, DeliveryDistribution>,
    private readonly journal: TrackingJournal,
    private readonly options: {
      readonly parcelsPerCongestionUnit: number;
      readonly now: () => number;
      /** Where a read served from this replica's last state (journal unreachable) is reported. */
      readonly log?: Logger;
      /** Learns from every delivered scan this replica applies (its own and, from the journal, others'). */
      readonly recalibrator?: DeliveryRecalibrator;
    },
  ) {}

  get #shipments(): Map<string, TrackedShipment> {
    if (this.#loaded === undefined) throw new Error("tracking state used before it was loaded");
    return this.#loaded;
  }

  /** Runs `work` after everything queued before it. */
  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Brings the state to the journal's end: on first use seeds the shipments from the anchor and replays every
   * scan; afterwards applies only the scans appended since the last read (by other replicas; their hubs are
   * theirs to write). Call it from the queue only.
   */
  async #sync(): Promise<Map<string, TrackedShipment>> {
    if (this.#loaded === undefined) {
      const anchor = await this.journal.anchor();
      this.journal.rewind();
      const events = await this.journal.read();
      this.#loaded = new Map(this.seed(anchor).map((s) => [s.id, s]));
      for (const event of events) this.#apply(event, this.#restoredHubs, true);
      this.#replayed = events.length;
      await this.#learn(events);
      return this.#loaded;
    }
    const notWrittenHere = new Set<string>();
    const events = await this.journal.read();
    for (const event of events) this.#apply(event, notWrittenHere, true);
    await this.#learn(events);
    return this.#loaded;
  }

  /** Seeds the shipments and replays the journal now, writing the rebuilt hub counts; returns the scans replayed. */
  async restore(): Promise<number> {
    await this.#enqueue(() => this.#sync());
    await this.#writeHubs(this.#takeRestoredHubs());
    return this.#replayed;
  }

  /**
   * The shipments, after catching up with the journal. While the journal is unreachable, the state this
   * replica last knew (logged); UNAVAILABLE when it never loaded.
   */
  async shipmentsByIds(ids: readonly string[]): Promise<(TrackedShipment | null)[]> {
    this.#pendingRead ??= this.#enqueue(async () => {
      this.#pendingRead = undefined;
      try {
        return await this.#sync();
      } catch (error) {
        if (this.#loaded === undefined) throw journalFailure(error);
        this.options.log?.warn(
          { err: (error as Error).message },
          "scan journal unreachable; shipments answered from this replica's last state",
        );
        return this.#loaded;
      }
    });
    const shipments = await this.#pendingRead;
    return ids.map((id) => shipments.get(id) ?? null);
  }

  async record(ctx: RequestContext, events: readonly EventInput[]): Promise<EventResult[]> {
    if (events.length === 0 || events.length > MAX_EVENTS_PER_CALL) {
      throw badUserInput(`Send 1 to ${MAX_EVENTS_PER_CALL} events per call`, "events");
    }
    return this.#enqueue(() => this.#record(ctx, events));
  }

  async #record(ctx: RequestContext, events: readonly EventInput[]): Promise<EventResult[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#sync(); // load (and replay) first, so hubs a replay rebuilt are written with this call's
      } catch (error) {
        throw journalFailure(error);
      }
      const checkpoint = this.#checkpoint(events);
      const changedHubs = new Set<string>(this.#takeRestoredHubs());
      const results = events.map((event) => this.#apply(event, changedHubs, false));
      const applied = events.filter((_, i) => results[i]?.outcome === EventOutcome.APPLIED);
      if (applied.length > 0) {
        let appended: boolean;
        try {
          appended = await this.journal.append(applied);
        } catch (error) {
          // Not durable, so not applied; the caller gets an error and retries. (If the write landed after all,
          // the next read of the journal applies it, and the retry is a DUPLICATE.)
          this.#rollBack(checkpoint, applied, changedHubs);
          throw journalFailure(error);
        }
        if (!appended) {
          // Another replica appended first: validate this call again on top of its scans.
          this.#rollBack(checkpoint, applied, changedHubs);
          ctx.log.info({ attempt }, "scan journal moved on; validating the scans again");
          if (attempt >= MAX_APPEND_ATTEMPTS) throw unavailable("The shipment journal");
          continue;
        }
      }
      if (changedHubs.size > 0) await this.#writeHubs([...changedHubs]);
      await this.#learn(applied);
      const rejected = results.filter((r) => r.outcome === EventOutcome.REJECTED).length;
      ctx.log.info({ events: events.length, rejected, hubs: [...changedHubs] }, "shipment events recorded");
      return results;
    }
  }

  #takeRestoredHubs(): string[] {
    const hubs = [...this.#restoredHubs];
    this.#restoredHubs.clear();
    return hubs;
  }

  /** What applying `events` may change: the shipments they name and the hub counts. */
  #checkpoint(events: readonly EventInput[]): Checkpoint {
    const shipments = [...new Set(events.map((e) => e.shipmentId))].flatMap((id) => {
      const shipment = this.#shipments.get(id);
      return shipment === undefined
        ? []
        : [{ shipment, status: shipment.status, atHub: shipment.atHub, events: shipment.events.length }];
    });
    return { shipments, hubCounts: new Map(this.#hubCounts) };
  }

  /** Undoes a batch that was applied but not journalled; its hubs are written with the next call. */
  #rollBack(checkpoint: Checkpoint, applied: readonly EventInput[], changedHubs: Set<string>): void {
    for (const { shipment, status, atHub, events } of checkpoint.shipments) {
      shipment.status = status;
      shipment.atHub = atHub;
      shipment.events.splice(events);
    }
    this.#hubCounts.clear();
    for (const [hub, count] of checkpoint.hubCounts) this.#hubCounts.set(hub, count);
    for (const event of applied) this.#eventOwners.delete(event.eventId);
    for (const hub of changedHubs) this.#restoredHubs.add(hub);
  }

  async close(): Promise<void> {
    await this.#queue;
    await this.journal.close();
  }

  /** Validates and applies one scan; `replaying` (a scan from the journal) skips the check against this clock. */
  #apply(event: EventInput, changedHubs: Set<string>, replaying: boolean): EventResult {
    const base = { eventId: event.eventId, shipmentId: event.shipmentId };
    const reject = (reason: string): EventResult => ({ ...base, outcome: EventOutcome.REJECTED, reason });
    if (event.eventId.length === 0 || event.eventId.length > 128)
      return reject("eventId must be 1 to 128 characters");
    const owner = this.#eventOwners.get(event.eventId);
    if (owner !== undefined) {
      return owner === event.shipmentId
        ? { ...base, outcome: EventOutcome.DUPLICATE, reason: null }
        : reject(`eventId ${event.eventId} was already used for another shipment`);
    }
    const shipment = this.#shipments.get(event.shipmentId);
    if (shipment === undefined) return reject("unknown shipment");
    const at = event.at.getTime();
    if (!Number.isFinite(at)) return reject("invalid time");
    if (!replaying && at > this.options.now() + 5 * 60_000) return reject("scan time is in the future");
    if (at < shipment.orderedAt.getTime()) return reject("scan time is before the order");
    if ((event.detail ?? "").length > 200) return reject("detail is longer than 200 characters");
    if (shipment.status === ShipmentStatus.DELIVERED) return reject("shipment is already delivered");
    const last = shipment.events.at(-1);
    if (last !== undefined && at < last.at.getTime()) {
      return reject(`out of order: earlier than the last scan (${last.kind} at ${last.at.toISOString()})`);
    }
    let hub: string | null = null;
    if (event.kind !== ShipmentEventKind.EXCEPTION) {
      const status = event.kind as unknown as ShipmentStatus;
      const rank = RANK[status];
      const current = RANK[shipment.status];
      if (rank < current || (rank === current && status !== ShipmentStatus.IN_TRANSIT_AT_HUB)) {
        return reject(`out of order: ${event.kind} after ${shipment.status}`);
      }
      if (status === ShipmentStatus.IN_TRANSIT_AT_HUB) hub = hubId(shipment.carrierId, shipment.destRegion);
      this.#moveHub(shipment, hub, changedHubs);
      shipment.status = status;
    }
    shipment.events.push({
      eventId: event.eventId,
      kind: event.kind,
      at: new Date(at),
      detail: event.detail ?? null,
      hub,
    });
    this.#eventOwners.set(event.eventId, shipment.id);
    return { ...base, outcome: EventOutcome.APPLIED, reason: null };
  }

  #moveHub(shipment: TrackedShipment, hub: string | null, changedHubs: Set<string>): void {
    if (shipment.atHub === hub) return;
    if (shipment.atHub !== null) {
      this.#hubCounts.set(shipment.atHub, Math.max(0, (this.#hubCounts.get(shipment.atHub) ?? 0) - 1));
      changedHubs.add(shipment.atHub);
    }
    if (hub !== null) {
      this.#hubCounts.set(hub, (this.#hubCounts.get(hub) ?? 0) + 1);
      changedHubs.add(hub);
    }
    shipment.atHub = hub;
  }

  async #writeHubs(hubs: string[]): Promise<void> {
    if (hubs.length === 0) return;
    const current = await this.features.read(hubCongestionFeatures, hubs);
    await this.features.write(
      hubCongestionFeatures,
      hubs.map((id, i) => {
        const baseline = current.values[i]?.baseline ?? 0;
        const atHub = this.#hubCounts.get(id) ?? 0;
        return [
          id,
          { baseline, atHub, congestion: baseline + atHub / this.options.parcelsPerCongestionUnit },
        ] as const;
      }),
    );
  }

  /** The model's input rows for `shipments`, with today's live features (one read per feature set). */
  async #rows(shipments: readonly TrackedShipment[]): Promise<DeliveryRow[]> {
    const warehouses = [...new Set(shipments.map((s) => s.warehouseId))];
    const hubs = [...new Set(shipments.map((s) => hubId(s.carrierId, s.destRegion)))];
    const [backlog, congestion] = await Promise.all([
      this.features.read(warehouseBacklogFeatures, warehouses),
      this.features.read(hubCongestionFeatures, hubs),
    ]);
    return shipments.map((s) =>
      shipmentRow(s, {
        warehouseBacklog:
          backlog.values[warehouses.indexOf(s.warehouseId)]?.backlog ??
          warehouseBacklogFeatures.defaults.backlog,
        hubCongestion: congestion.values[hubs.indexOf(hubId(s.carrierId, s.destRegion))]?.congestion ?? 0,
      }),
    );
  }

  /**
   * Feeds the recalibrator the delivered scans among `events` (applied and durable), in delivery order. The
   * model's answer for each shipment is recomputed (the answer promised at checkout is not stored), with today's
   * live features. A failure here loses outcomes, never scans: it is logged.
   */
  async #learn(events: readonly EventInput[]): Promise<void> {
    const recalibrator = this.options.recalibrator;
    if (recalibrator === undefined) return;
    const delivered = events
      .filter((e) => e.kind === ShipmentEventKind.DELIVERED)
      .flatMap((e) => {
        const shipment = this.#shipments.get(e.shipmentId);
        const scan = shipment?.events.find((a) => a.kind === ShipmentEventKind.DELIVERED);
        return shipment === undefined || scan?.eventId !== e.eventId
          ? []
          : [{ shipment, at: e.at.getTime() }];
      })
      .sort((a, b) => a.at - b.at);
    if (delivered.length === 0) return;
    try {
      const answers = await this.model.predictBatch(await this.#rows(delivered.map((d) => d.shipment)));
      delivered.forEach(({ shipment, at }, i) => {
        const answer = answers[i];
        if (answer !== undefined && !(answer instanceof Error))
          recalibrator.observe(answer, shipment.orderedAt.getTime(), at);
      });
    } catch (error) {
      this.options.log?.warn(
        { err: (error as Error).message },
        "delivered scans not learnt by the recalibration",
      );
    }
  }

  /** Arrival re-estimated now with today's features, conditioned on the parcel not having arrived yet. */
  async estimate(ctx: RequestContext, shipment: TrackedShipment): Promise<ArrivalEstimate> {
    const delivered = shipment.events.find((e) => e.kind === ShipmentEventKind.DELIVERED);
    if (delivered !== undefined) {
      const date = delivered.at.toISOString().slice(0, 10);
      return {
        p50Date: date,
        p90Date: date,
        onTimeProbability: date <= shipment.promisedDate ? 1 : 0,
        delivered: true,
      };
    }
    const orderedAt = shipment.orderedAt.getTime();
    const [row] = await this.#rows([shipment]);
    const predicted = await this.model.load(ctx, row as DeliveryRow);
    const dist = this.options.recalibrator?.adjust(predicted) ?? predicted;
    const now = this.options.now();
    const elapsed = Math.max(0, (now - orderedAt) / DAY_MS);
    const arrivedBy = cdfDays(dist, elapsed);
    const conditional = (p: number) => {
      const target = Math.min(1 - 1e-9, arrivedBy + p * (1 - arrivedBy));
      return Math.max(elapsed, Math.exp(dist.mu + dist.sigma * normalQuantile(target)));
    };
    const promisedEnd = (Date.parse(`${shipment.promisedDate}T00:00:00Z`) + DAY_MS - orderedAt) / DAY_MS;
    const onTime =
      promisedEnd <= elapsed ? 0 : (cdfDays(dist, promisedEnd) - arrivedBy) / Math.max(1e-9, 1 - arrivedBy);
    const date = (days: number) => new Date(orderedAt + days * DAY_MS).toISOString().slice(0, 10);
    return {
      p50Date: date(conditional(0.5)),
      p90Date: date(conditional(0.9)),
      onTimeProbability: Math.round(Math.min(1, Math.max(0, onTime)) * 1000) / 1000,
      delivered: false,
    };
  }
}
