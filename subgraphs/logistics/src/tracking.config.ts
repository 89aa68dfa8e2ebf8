import { resolve } from "node:path";
import { z } from "zod";
import { ConfigError, parseEnv, type Logger } from "@aisle/kit";
import { fileJournal, memoryJournal, redisJournal, type TrackingJournal } from "./tracking.journal.ts";

/** Settings of the scan journal (part of the logistics settings). */
export const trackingJournalEnvShape = {
  /**
   * Folder of the journal of applied carrier scans (shipment-events.ndjson, fsync'd before a mutation answers),
   * replayed at start. Unset: scans are kept in memory only and a restart forgets them (the demo default).
   */
  LOGISTICS_DATA_DIR: z.string().min(1).optional(),
  /**
   * Where applied scans are journalled: `memory`, `file` (in LOGISTICS_DATA_DIR; one replica only) or `redis`
   * (one stream every replica shares, so replicas agree; kept across restarts). Default: file when
   * LOGISTICS_DATA_DIR is set, else memory.
   */
  LOGISTICS_JOURNAL: z.enum(["memory", "file", "redis"]).optional(),
  /** Redis of the `redis` journal: a system of record, so one with an fsync'd append-only file. Default REDIS_URL. */
  LOGISTICS_JOURNAL_REDIS_URL: z.url().optional(),
  /** Redis used when LOGISTICS_JOURNAL_REDIS_URL is unset. Default redis://127.0.0.1:6379. */
  REDIS_URL: z.url().default("redis://127.0.0.1:6379"),
  /** Stream key of the `redis` journal (its anchor time is `<key>:anchor`). Default aisle:logistics:{scans}. */
  LOGISTICS_JOURNAL_KEY: z.string().min(1).default("aisle:logistics:{scans}"),
  /** Bound on one call to the journal's Redis, ms; past it a scan call answers UNAVAILABLE (retry). Default 1000. */
  LOGISTICS_JOURNAL_TIMEOUT_MS: z.coerce.number().int().positive().default(1_000),
};

/** The scan journal the settings name (an unreachable Redis is not an error here: calls fail, then recover). */
export async function openTrackingJournal(
  source: Readonly<Record<string, string | undefined>>,
  log: Logger,
): Promise<TrackingJournal> {
  const config = parseEnv(trackingJournalEnvShape, source);
  const kind = config.LOGISTICS_JOURNAL ?? (config.LOGISTICS_DATA_DIR === undefined ? "memory" : "file");
  if (kind === "redis") {
    return redisJournal({
      url: config.LOGISTICS_JOURNAL_REDIS_URL ?? config.REDIS_URL,
      key: config.LOGISTICS_JOURNAL_KEY,
      timeoutMs: config.LOGISTICS_JOURNAL_TIMEOUT_MS,
      now: Date.now(),
      log,
    });
  }
  if (kind === "memory") return memoryJournal(Date.now());
  if (config.LOGISTICS_DATA_DIR === undefined)
    throw new ConfigError(["LOGISTICS_DATA_DIR: must be set when LOGISTICS_JOURNAL=file"]);
  return fileJournal(resolve(config.LOGISTICS_DATA_DIR), Date.now());
}
