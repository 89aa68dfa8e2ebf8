import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { NdjsonAppender, readNdjson } from "@aisle/kit";
import type { ShipmentEventKind } from "./shipment.type.ts";

/** A carrier scan as received (the journal stores applied scans only). */
export interface EventInput {
  readonly eventId: string;
  readonly shipmentId: string;
  readonly kind: ShipmentEventKind;
  readonly at: Date;
  readonly detail?: string | null;
}

type JournalLine =
  | { readonly anchor: number }
  | {
      readonly event: {
        eventId: string;
        shipmentId: string;
        kind: ShipmentEventKind;
        at: string;
        detail: string | null;
      };
    };

/**
 * Where applied scans survive a restart. Its first entry is the anchor time the demo's open shipments were
 * seeded from, so a restart seeds the same shipments and replays the scans onto them.
 */
export interface TrackingJournal {
  readonly anchor: number;
  /** Every scan appended so far (replayed at start, and to rebuild state after a failed append). */
  readonly events: readonly EventInput[];
  /** Resolves once the scans are durable; only then are they in `events`. */
  append(events: readonly EventInput[]): Promise<void>;
  close(): Promise<void>;
}

/** Scans kept in process memory only: a restart forgets them (the demo default). */
export function memoryJournal(anchor: number): TrackingJournal {
  const events: EventInput[] = [];
  return {
    anchor,
    events,
    append: async (batch) => void events.push(...batch),
    close: async () => undefined,
  };
}

export const JOURNAL_FILE = "shipment-events.ndjson";

/**
 * Scans in `<dir>/shipment-events.ndjson`, appended with fdatasync (group commit) before a mutation answers.
 * A torn last line from a crash is skipped: its mutation never answered.
 */
export async function fileJournal(dir: string, now: number): Promise<TrackingJournal> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, JOURNAL_FILE);
  const lines = readNdjson<JournalLine>(path);
  const appender = new NdjsonAppender(path);
  const first = lines.find((l): l is { anchor: number } => "anchor" in l && Number.isFinite(l.anchor));
  const anchor = first?.anchor ?? now;
  if (first === undefined) await appender.append(JSON.stringify({ anchor }));
  const events: EventInput[] = lines.flatMap((l) =>
    "event" in l ? [{ ...l.event, at: new Date(l.event.at) }] : [],
  );
  return {
    anchor,
    events,
    async append(batch) {
      await Promise.all(
        batch.map((e) =>
          appender.append(
            JSON.stringify({
              event: {
                eventId: e.eventId,
                shipmentId: e.shipmentId,
                kind: e.kind,
                at: e.at.toISOString(),
                detail: e.detail ?? null,
              },
            }),
          ),
        ),
      );
      events.push(...batch);
    },
    close: () => appender.close(),
  };
}
